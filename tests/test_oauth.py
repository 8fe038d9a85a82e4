"""OAuth 2.1 resource server: JWT access tokens checked against a loopback JWKS server with keys made here."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from doc_reader.oauth import JwksCache, JwtVerifier, OAuthConfigError, make_oauth, token_scopes
from doc_reader.settings import Settings
from tests.conftest import WebProcess, call_http_tool
from tests.fixture_server import FixtureHandler, FixtureServer, route, serving

AUDIENCE = "https://doc-reader.example/mcp"
SCOPE = "docs:read"


class Idp:
    """A loopback identity provider: OIDC metadata and a JWKS whose keys the test rotates; it signs tokens."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.published: list[str] = []
        self.fetches = 0
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": idp.issuer, "jwks_uri": idp.jwks_url}
                elif self.path == "/jwks.json":
                    idp.fetches += 1
                    body = {"keys": [idp.public_jwk(kid) for kid in idp.published]}
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.jwks_url = self.issuer + "jwks.json"

    def add_key(self, kind: str = "rsa", publish: bool = True) -> str:
        """Make a key pair; publish its public half in the JWKS unless told not to. Returns its kid."""
        kid = uuid.uuid4().hex[:8]
        self.keys[kid] = (
            rsa.generate_private_key(65537, 2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())
        )
        if publish:
            self.published.append(kid)
        return kid

    def public_jwk(self, kid: str) -> dict[str, Any]:
        key = self.keys[kid]
        alg = "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"
        algorithm = jwt.get_algorithm_by_name(alg)
        data = json.loads(algorithm.to_jwk(key.public_key()))
        return {**data, "kid": kid, "use": "sig", "alg": alg}

    def token(self, kid: str, *, alg: str | None = None, signer: str | None = None, **overrides: Any) -> str:
        """A token naming `kid`, signed with `signer`'s key (default: kid's); valid for AUDIENCE with SCOPE."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "user-42",
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 300,
            "scope": f"openid {SCOPE}",
            "azp": "client-abc",
        }
        claims.update(overrides)
        claims = {name: value for name, value in claims.items() if value is not None}
        key = self.keys[signer or kid]
        alg = alg or ("RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256")
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


@pytest.fixture
def idp() -> Iterator[Idp]:
    server = Idp()
    with serving(server.httpd):
        yield server


def _verifier(idp: Idp, **jwks: Any) -> JwtVerifier:
    cache = JwksCache(idp.issuer, idp.jwks_url, **jwks)
    return JwtVerifier(idp.issuer, AUDIENCE, cache, algorithms=["RS256", "ES256"], leeway=30)


def _verify(verifier: JwtVerifier, token: str) -> Any:
    return anyio.run(verifier.verify_token, token)


def _unsigned(claims: dict[str, Any], kid: str) -> str:
    def b64(data: dict[str, Any]) -> str:
        return jwt.utils.base64url_encode(json.dumps(data).encode()).decode()

    return f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{b64(claims)}."


def test_a_valid_token_is_accepted(idp: Idp) -> None:
    kid = idp.add_key()
    info = _verify(_verifier(idp), idp.token(kid))
    assert info is not None
    assert info.subject == "user-42"
    assert info.client_id == "client-abc"
    assert SCOPE in info.scopes
    assert info.resource == AUDIENCE


def test_ec_keys_and_audience_lists_work(idp: Idp) -> None:
    kid = idp.add_key("ec")
    assert _verify(_verifier(idp), idp.token(kid, aud=["https://other.example", AUDIENCE])) is not None


@pytest.mark.parametrize(
    ("case", "claims"),
    [
        ("expired", {"exp": int(time.time()) - 120}),
        ("not yet valid", {"nbf": int(time.time()) + 120}),
        ("wrong audience", {"aud": "https://someone-else.example/mcp"}),
        ("no audience", {"aud": None}),
        ("wrong issuer", {"iss": "https://evil.example/"}),
        ("no expiry", {"exp": None}),
    ],
)
def test_bad_claims_are_rejected(idp: Idp, case: str, claims: dict[str, Any]) -> None:
    kid = idp.add_key()
    assert _verify(_verifier(idp), idp.token(kid, **claims)) is None, case


def test_small_clock_skew_is_tolerated(idp: Idp) -> None:
    kid = idp.add_key()
    assert _verify(_verifier(idp), idp.token(kid, exp=int(time.time()) - 5)) is not None


def test_a_wrong_signature_is_rejected(idp: Idp) -> None:
    kid = idp.add_key()
    other = idp.add_key(publish=False)
    verifier = _verifier(idp)
    assert _verify(verifier, idp.token(kid)) is not None
    assert _verify(verifier, idp.token(kid, signer=other)) is None, "signed by an unpublished key under kid"
    header, payload, signature = idp.token(kid).split(".")  # and a tampered payload
    assert _verify(verifier, f"{header}.{payload[:-2]}AA.{signature}") is None


def test_alg_none_is_rejected(idp: Idp) -> None:
    kid = idp.add_key()
    claims = jwt.decode(idp.token(kid), options={"verify_signature": False})
    assert _verify(_verifier(idp), _unsigned(claims, kid)) is None


def test_hmac_with_the_public_key_is_rejected(idp: Idp) -> None:
    """The classic algorithm confusion: HS256 'signed' with the RSA public key as the secret."""
    kid = idp.add_key()
    claims = jwt.decode(idp.token(kid), options={"verify_signature": False})
    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "kid": kid}).encode()).decode()
    body = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    import hashlib
    import hmac

    public_pem = idp.keys[kid].public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    signature = jwt.utils.base64url_encode(hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest())
    assert _verify(_verifier(idp), f"{header}.{body}.{signature.decode()}") is None


def test_symmetric_algorithms_cannot_be_configured(idp: Idp) -> None:
    with pytest.raises(OAuthConfigError):
        JwtVerifier(idp.issuer, AUDIENCE, JwksCache(idp.issuer), algorithms=["HS256"])
    with pytest.raises(OAuthConfigError):
        JwtVerifier(idp.issuer, AUDIENCE, JwksCache(idp.issuer), algorithms=["none"])


def test_the_jwks_is_cached_and_refetched_on_key_rotation(idp: Idp) -> None:
    old = idp.add_key()
    verifier = _verifier(idp)
    for _ in range(3):
        assert _verify(verifier, idp.token(old)) is not None
    assert idp.fetches == 1, "the JWKS should be fetched once and cached"
    new = idp.add_key(publish=False)
    idp.published = [new]  # the IdP rotates: only the new key is published now
    time.sleep(1.1)  # past the minimum interval between refetches
    assert _verify(verifier, idp.token(new)) is not None, "an unknown kid should trigger a refetch"
    assert idp.fetches == 2
    assert _verify(verifier, idp.token(old)) is None, "the retired key is gone after the refetch"


def test_unknown_kids_do_not_hammer_the_idp(idp: Idp) -> None:
    kid = idp.add_key()
    verifier = _verifier(idp)
    _verify(verifier, idp.token(kid))
    stranger = idp.add_key(publish=False)
    for _ in range(5):
        assert _verify(verifier, idp.token(stranger)) is None
    assert idp.fetches <= 2


def test_the_jwks_url_is_discovered_from_the_issuer(idp: Idp) -> None:
    kid = idp.add_key()
    verifier = JwtVerifier(idp.issuer, AUDIENCE, JwksCache(idp.issuer), algorithms=["RS256"])
    assert _verify(verifier, idp.token(kid)) is not None


def test_plain_http_is_only_for_loopback() -> None:
    with pytest.raises(OAuthConfigError):
        make_oauth(Settings(oauth_issuer="http://idp.example/", oauth_audience=AUDIENCE))
    with pytest.raises(OAuthConfigError):
        make_oauth(
            Settings(
                oauth_issuer="https://idp.example/",
                oauth_audience=AUDIENCE,
                oauth_jwks_url="http://idp.example/jwks.json",
            )
        )
    with pytest.raises(OAuthConfigError):
        make_oauth(Settings(oauth_issuer="https://idp.example/"))  # no audience
    assert make_oauth(Settings(oauth_issuer="https://idp.example/", oauth_audience=AUDIENCE)) is not None
    assert make_oauth(Settings()) is None


def test_scopes_come_from_scope_scp_or_permissions() -> None:
    assert token_scopes({"scope": "a b"}) == ["a", "b"]
    assert token_scopes({"scp": ["a", "c"]}) == ["a", "c"]
    assert token_scopes({"permissions": ["d"], "scope": "a"}) == ["a", "d"]


# --- Over HTTP: the web process as deployed, with an API key and OAuth both on ---

SEEN_AUTHORIZATION: list[str | None] = []


@route("/echo-auth")
def _echo_auth(handler: FixtureHandler, query: dict[str, list[str]]) -> None:
    SEEN_AUTHORIZATION.append(handler.headers.get("Authorization"))
    handler.send_body(200, b"<h1>headers seen</h1><p>" + b"recorded. " * 40 + b"</p>", "text/html")


@pytest.fixture
def oauth_web(idp: Idp) -> Iterator[tuple[WebProcess, Idp, str]]:
    kid = idp.add_key()
    web = WebProcess(API_KEY="api-key-1", WEB_CONCURRENCY="1", DOC_READER_ALLOW_HOSTS="127.0.0.1")
    web.env.update(
        DOC_READER_OAUTH_ISSUER=idp.issuer,
        DOC_READER_OAUTH_AUDIENCE=f"{web.base}/mcp",
        DOC_READER_OAUTH_SCOPES=SCOPE,
        DOC_READER_OAUTH_JWKS_URL=idp.jwks_url,
    )
    web.start()
    yield web, idp, kid
    web.stop()


def _post(web: WebProcess, headers: dict[str, str]) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    accept = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    return httpx.post(f"{web.base}/mcp", json=body, headers={**accept, **headers}, timeout=10)


def test_http_challenges_and_metadata(oauth_web: tuple[WebProcess, Idp, str]) -> None:
    web, idp, kid = oauth_web
    resource = f"{web.base}/mcp"
    metadata_url = f"{web.base}/.well-known/oauth-protected-resource/mcp"

    missing = _post(web, {})
    assert missing.status_code == 401
    challenge = missing.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="{metadata_url}"' in challenge
    assert f'scope="{SCOPE}"' in challenge

    expired = _post(web, {"Authorization": f"Bearer {idp.token(kid, aud=resource, exp=int(time.time()) - 600)}"})
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["www-authenticate"]

    wrong_aud = _post(web, {"Authorization": f"Bearer {idp.token(kid)}"})  # AUDIENCE is another server
    assert wrong_aud.status_code == 401

    no_scope = _post(web, {"Authorization": f"Bearer {idp.token(kid, aud=resource, scope='openid')}"})
    assert no_scope.status_code == 403
    assert 'error="insufficient_scope"' in no_scope.headers["www-authenticate"]
    assert f'scope="{SCOPE}"' in no_scope.headers["www-authenticate"]
    assert no_scope.json()["error"] == "insufficient_scope"

    ok = _post(web, {"Authorization": f"Bearer {idp.token(kid, aud=resource)}"})
    assert ok.status_code == 200, ok.text
    assert _post(web, {"x-api-key": "api-key-1"}).status_code == 200, "API keys keep working beside OAuth"
    assert _post(web, {"Authorization": "Bearer api-key-1"}).status_code == 200
    assert _post(web, {"Authorization": "Bearer api-key-2"}).status_code == 401

    for url in (metadata_url, f"{web.base}/.well-known/oauth-protected-resource"):
        document = httpx.get(url, timeout=5)
        assert document.status_code == 200, url
        data = document.json()
        assert data["resource"] == resource
        assert data["authorization_servers"] == [idp.issuer]
        assert data["scopes_supported"] == [SCOPE]


def test_a_tool_call_with_a_token_and_the_token_is_not_forwarded(
    oauth_web: tuple[WebProcess, Idp, str], site: FixtureServer
) -> None:
    web, idp, kid = oauth_web
    token = idp.token(kid, aud=f"{web.base}/mcp")
    SEEN_AUTHORIZATION.clear()
    result = anyio.run(
        call_http_tool, web.base, {"url": site.url("/echo-auth?t=1")}, {"Authorization": f"Bearer {token}"}
    )
    assert not result.is_error, result.content
    assert "headers seen" in str(result.structured_content["markdown"])
    assert SEEN_AUTHORIZATION == [None], "the caller's token must never reach the document's server"
    web.stop()
    assert token not in web.output(), "tokens must never be logged"

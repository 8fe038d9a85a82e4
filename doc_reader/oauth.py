"""OAuth 2.1 resource server: Bearer JWT access tokens from an existing IdP (Auth0, Okta, Keycloak, WorkOS).

Tokens are verified with PyJWT against the IdP's JWKS (fetched, cached, and
refetched when a token names an unknown `kid`): signature, an allowed asymmetric
`alg` (never `none` or HMAC), `iss`, `exp`/`nbf` with a small leeway, an `aud`
equal to this server's resource URL (RFC 8707), and the required scopes.
`OAuthGate` also serves the RFC 9728 protected resource metadata and builds the
`WWW-Authenticate` challenges. Tokens are never logged or forwarded anywhere.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
import jwt
from mcp.server.auth.provider import AccessToken, TokenVerifier
from mcp.server.auth.routes import build_resource_metadata_url, create_protected_resource_routes
from mcp.server.auth.settings import AuthSettings
from pydantic import AnyHttpUrl
from starlette.routing import Route

from doc_reader.auth import is_loopback
from doc_reader.settings import Settings

log = logging.getLogger(__name__)

ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"}
)


WELL_KNOWN = "/.well-known/oauth-protected-resource"


class OAuthConfigError(ValueError):
    """The OAuth settings are unusable (a missing audience, a plain-http IdP, a symmetric algorithm...)."""


def require_secure_url(url: str, what: str) -> str:
    """Return `url` if it is https, or http on a loopback host (tests, local IdPs); raise otherwise."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and is_loopback(host):
        return url
    raise OAuthConfigError(f"{what} must be an https URL (http is allowed for loopback only): {url!r}")


class JwksCache:
    """The IdP's signing keys by `kid`: fetched on first use, kept for `ttl`, refetched for an unknown `kid`."""

    def __init__(
        self,
        issuer: str,
        jwks_url: str | None = None,
        *,
        ttl: float = 3600.0,
        min_refresh_interval: float = 1.0,
        timeout: float = 5.0,
    ) -> None:
        self.issuer = issuer
        self.jwks_url = require_secure_url(jwks_url, "OAuth JWKS URL") if jwks_url else None
        self.ttl = ttl
        self.min_refresh_interval = min_refresh_interval
        self.timeout = timeout
        self._keys: dict[str, jwt.PyJWK] = {}
        self._unnamed: list[jwt.PyJWK] = []
        self._fetched_at = float("-inf")
        self._lock = anyio.Lock()

    async def key(self, kid: str | None) -> jwt.PyJWK | None:
        """The key for `kid` (or the only key, for a token without `kid`), fetching the JWKS when needed."""
        found = self._lookup(kid) if time.monotonic() - self._fetched_at < self.ttl else None
        if found is not None:
            return found
        async with self._lock:
            found = self._lookup(kid) if time.monotonic() - self._fetched_at < self.ttl else None
            if found is None and time.monotonic() - self._fetched_at >= self.min_refresh_interval:
                await self._refresh()
                found = self._lookup(kid)
        return found

    def _lookup(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is not None:
            return self._keys.get(kid)
        keys = [*self._keys.values(), *self._unnamed]
        return keys[0] if len(keys) == 1 else None

    async def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
                url = self.jwks_url or await self._discover(client)
                response = await client.get(url, headers={"Accept": "application/json"})
                response.raise_for_status()
                document = response.json()
        except (httpx.HTTPError, ValueError, OAuthConfigError) as exc:
            log.warning("could not fetch the OAuth JWKS: %s", exc)
            return
        keys: dict[str, jwt.PyJWK] = {}
        unnamed: list[jwt.PyJWK] = []
        for data in document.get("keys", []) if isinstance(document, dict) else []:
            if not isinstance(data, dict) or data.get("use", "sig") != "sig":
                continue
            try:
                key = jwt.PyJWK(data)
            except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError):
                continue  # key types this server does not use (oct keys, unknown curves)
            if isinstance(data.get("kid"), str):
                keys[data["kid"]] = key
            else:
                unnamed.append(key)
        self._keys, self._unnamed = keys, unnamed
        log.info("OAuth JWKS fetched", extra={"jwks_keys": len(keys) + len(unnamed)})

    async def _discover(self, client: httpx.AsyncClient) -> str:
        base = self.issuer.rstrip("/")
        for path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
            response = await client.get(base + path, headers={"Accept": "application/json"})
            if response.status_code == 200:
                metadata = response.json()
                uri = metadata.get("jwks_uri") if isinstance(metadata, dict) else None
                if isinstance(uri, str):
                    self.jwks_url = require_secure_url(uri, "OAuth JWKS URL")
                    return self.jwks_url
        raise OAuthConfigError(f"no jwks_uri in the metadata of {self.issuer}; set DOC_READER_OAUTH_JWKS_URL")


def token_scopes(claims: dict[str, Any]) -> list[str]:
    """Scopes from `scope` (RFC 9068, space-separated), `scp` (Okta, Entra) or `permissions` (Auth0 RBAC)."""
    scopes: list[str] = []
    for name in ("scope", "scp", "permissions"):
        value = claims.get(name)
        if isinstance(value, str):
            scopes += value.split()
        elif isinstance(value, list):
            scopes += [item for item in value if isinstance(item, str)]
    return list(dict.fromkeys(scopes))


class JwtVerifier(TokenVerifier):
    """The SDK's `TokenVerifier` for JWT access tokens signed by keys in the IdP's JWKS."""

    def __init__(
        self, issuer: str, audience: str, jwks: JwksCache, *, algorithms: list[str], leeway: float = 30.0
    ) -> None:
        unsafe = [alg for alg in algorithms if alg not in ASYMMETRIC_ALGORITHMS]
        if unsafe or not algorithms:
            raise OAuthConfigError(f"OAuth algorithms must be asymmetric signature algorithms, not {unsafe or 'none'}")
        self.issuer = issuer
        self.audience = audience
        self.jwks = jwks
        self.algorithms = list(algorithms)
        self.leeway = leeway

    async def verify_token(self, token: str) -> AccessToken | None:
        """The token's access info if it is valid for this server, else None (the reason is logged, not the token)."""
        try:
            return await self._verify(token)
        except jwt.PyJWTError as exc:
            log.info("bearer token rejected: %s", type(exc).__name__, extra={"reason": str(exc)[:200]})
            return None

    async def _verify(self, token: str) -> AccessToken:
        header = jwt.get_unverified_header(token)
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise jwt.InvalidAlgorithmError(f"algorithm {alg!r} is not accepted")
        kid = header.get("kid")
        key = await self.jwks.key(kid if isinstance(kid, str) else None)
        if key is None:
            raise jwt.InvalidKeyError("no signing key in the JWKS matches the token's kid")
        claims = jwt.decode(
            token,
            key,
            algorithms=[alg],
            audience=self.audience,
            issuer=self.issuer,
            leeway=self.leeway,
            options={"require": ["exp", "iss", "aud"]},
        )
        subject = claims.get("sub")
        client_id = claims.get("client_id") or claims.get("azp") or subject or "unknown"
        return AccessToken(
            token=token,
            client_id=str(client_id),
            scopes=token_scopes(claims),
            expires_at=int(claims["exp"]),
            resource=self.audience,
            subject=str(subject) if subject is not None else None,
            claims={"iss": claims.get("iss")},
        )


@dataclass
class Denied:
    """Why a request was refused: the HTTP status, the OAuth error code and the WWW-Authenticate value."""

    status: int
    error: str
    description: str
    challenge: str


class OAuthGate:
    """Everything OAuth the HTTP gate needs: verification, scope checks, challenges, metadata routes."""

    def __init__(self, auth: AuthSettings, verifier: TokenVerifier) -> None:
        self.auth = auth
        self.verifier = verifier
        self.scopes = list(auth.required_scopes or [])
        assert auth.resource_server_url is not None
        self.resource = str(auth.resource_server_url)
        self.metadata_url = str(build_resource_metadata_url(auth.resource_server_url))
        self._routes = create_protected_resource_routes(
            resource_url=AnyHttpUrl(self.resource),
            authorization_servers=[auth.issuer_url],
            scopes_supported=self.scopes or None,
            resource_name="doc-reader",
            resource_documentation=auth.service_documentation_url,
        )
        if self._routes[0].path != WELL_KNOWN:
            self._routes.append(Route(WELL_KNOWN, self._routes[0].endpoint, methods=["GET", "OPTIONS"]))
        self.paths = frozenset(route.path for route in self._routes)  # the metadata paths: no credentials needed

    async def check(self, token: str | None) -> AccessToken | Denied:
        """Verify a bearer token: its access info, or a 401 (missing/invalid) or 403 (scopes) refusal."""
        if not token:
            return self.denied(401, "", "Authentication required: send Authorization: Bearer <access token>.")
        info = await self.verifier.verify_token(token)
        if info is None:
            return self.denied(401, "invalid_token", "The access token is invalid, expired or not for this server.")
        missing = [scope for scope in self.scopes if scope not in info.scopes]
        if missing:
            return self.denied(403, "insufficient_scope", f"Required scope: {' '.join(missing)}")
        return info

    def denied(self, status: int, error: str, description: str) -> Denied:
        """A refusal carrying the RFC 6750 / RFC 9728 challenge."""
        parts = [f'error="{error}"'] if error else []
        parts.append(f'resource_metadata="{self.metadata_url}"')
        if self.scopes:
            parts.append(f'scope="{" ".join(self.scopes)}"')
        return Denied(status, error or "invalid_request", description, "Bearer " + ", ".join(parts))

    def routes(self) -> list[Route]:
        """The protected resource metadata, at the RFC 9728 path for the resource and at the bare well-known path."""
        return list(self._routes)


def make_oauth(settings: Settings) -> OAuthGate | None:
    """The OAuth gate the settings describe, or None when DOC_READER_OAUTH_ISSUER is unset."""
    if not settings.oauth_issuer:
        return None
    if not settings.oauth_audience:
        raise OAuthConfigError(
            "DOC_READER_OAUTH_AUDIENCE (this server's resource URL, e.g. https://host/mcp) is required"
        )
    issuer = require_secure_url(settings.oauth_issuer, "DOC_READER_OAUTH_ISSUER")
    auth = AuthSettings(
        issuer_url=AnyHttpUrl(issuer),
        resource_server_url=AnyHttpUrl(settings.oauth_audience),
        required_scopes=settings.oauth_scopes or None,
        validate_token_resource=False,  # JwtVerifier checks `aud` against the resource URL itself
    )
    jwks = JwksCache(issuer, settings.oauth_jwks_url)
    verifier = JwtVerifier(
        issuer, settings.oauth_audience, jwks, algorithms=settings.oauth_algorithms, leeway=settings.oauth_leeway
    )
    return OAuthGate(auth, verifier)

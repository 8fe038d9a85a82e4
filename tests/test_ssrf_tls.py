"""Pinning keeps TLS honest: the connection goes to the checked IP, SNI and the certificate check use the URL's name."""

from __future__ import annotations

import datetime
import ssl
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from doc_reader.errors import FetchError
from doc_reader.fetch.client import fetch
from doc_reader.settings import Settings
from tests.fixture_server import serving

pytestmark = pytest.mark.anyio


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, signer: ec.EllipticCurvePrivateKey, *, ca: bool
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False)
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str, list[str | None]]]:
    """An HTTPS server on 127.0.0.1 whose certificate is for `good.test`; yields (port, CA PEM, SNI names seen)."""
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "doc-reader test CA")])
    ca = _certificate("doc-reader test CA", ca_key, ca_name, ca_key, ca=True)
    leaf = _certificate("good.test", leaf_key, ca_name, ca_key, ca=False)
    folder: Path = tmp_path_factory.mktemp("tls")
    (folder / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    seen: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "leaf.pem", folder / "key.pem")
    context.sni_callback = lambda sock, name, ctx: seen.append(name)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<h1>Served over TLS</h1>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    class TlsServer(ThreadingHTTPServer):
        def get_request(self):  # type: ignore[no-untyped-def]
            sock, address = super().get_request()
            return context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    with serving(TlsServer(("127.0.0.1", 0), Handler)) as httpd:
        yield httpd.server_address[1], ca.public_bytes(serialization.Encoding.PEM).decode(), seen


@pytest.fixture
def trust_test_ca(tls_site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the fetcher trust the test CA (and only it); verification itself stays on."""
    _, ca_pem, _ = tls_site

    def create_ssl_context(**kwargs: object) -> ssl.SSLContext:
        context = ssl.create_default_context(cadata=ca_pem)
        assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
        return context

    monkeypatch.setattr("httpx._transports.default.create_ssl_context", create_ssl_context)


async def _to_loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


async def test_pinned_connection_sends_sni_and_checks_the_certificate_name(tls_site, trust_test_ca) -> None:
    port, _, seen = tls_site
    settings = Settings(allow_hosts=["127.0.0.1"])
    fetched = await fetch(f"https://good.test:{port}/", settings, resolver=_to_loopback)
    assert fetched.data == b"<h1>Served over TLS</h1>"
    assert seen[-1] == "good.test", "SNI carries the URL's host name, not the pinned IP"
    with pytest.raises(FetchError, match="could not be reached"):
        await fetch(f"https://evil.test:{port}/", settings, resolver=_to_loopback)
    assert seen[-1] == "evil.test"


async def test_certificates_are_verified_against_the_system_trust_store(tls_site) -> None:
    port, _, _ = tls_site
    with pytest.raises(FetchError, match="could not be reached"):
        await fetch(f"https://good.test:{port}/", Settings(allow_hosts=["127.0.0.1"]), resolver=_to_loopback)

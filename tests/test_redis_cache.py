"""The shared Redis cache, against a real redis-server: sharing across processes, TTL, TLS, and Redis going away."""

from __future__ import annotations

import datetime
import ipaddress
import time
from pathlib import Path

import anyio
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from doc_reader.cache import CachedDocument, MemoryCache, RedisCache, make_cache, redis_client
from doc_reader.document import Document
from doc_reader.reader import Reader, ReadRequest
from doc_reader.settings import Settings
from tests.conftest import RedisServer, WebProcess, call_http_tool, free_port
from tests.fixture_server import FixtureServer

pytestmark = pytest.mark.anyio

ARTICLE = "html/article.html"


def _entry(text: str = "# Hello\n\nworld") -> CachedDocument:
    return CachedDocument(document=Document(kind="markdown", markdown=text), final_url="http://127.0.0.1/x")


def _cache(url: str, ttl: float = 60) -> RedisCache:
    return RedisCache(redis_client(url, 0.5), ttl, 1 << 20)


async def test_round_trip_and_ttl(redis_server: RedisServer) -> None:
    cache = _cache(redis_server.url, ttl=0.5)
    assert await cache.get("k") is None
    await cache.put("k", _entry())
    got = await cache.get("k")
    assert got is not None
    assert got.document.markdown == "# Hello\n\nworld"
    assert got.final_url == "http://127.0.0.1/x"
    await anyio.sleep(0.7)
    assert await cache.get("k") is None, "the entry outlives its TTL"


async def test_a_second_client_sees_the_entry(redis_server: RedisServer) -> None:
    await _cache(redis_server.url).put("shared", _entry("from worker one"))
    got = await _cache(redis_server.url).get("shared")
    assert got is not None
    assert got.document.markdown == "from worker one"


async def test_oversized_entries_are_not_stored(redis_server: RedisServer) -> None:
    cache = RedisCache(redis_client(redis_server.url, 0.5), 60, 64)
    await cache.put("big", _entry("x" * 10_000 + "".join(chr(0x4E00 + i) for i in range(2000))))
    assert await cache.get("big") is None


async def test_make_cache_picks_redis_only_with_a_url(redis_server: RedisServer) -> None:
    assert isinstance(make_cache(Settings(redis_url=redis_server.url)), RedisCache)
    assert isinstance(make_cache(Settings()), MemoryCache)
    assert isinstance(make_cache(Settings(redis_url=redis_server.url, cache_ttl=0)), MemoryCache)


async def test_dead_redis_is_a_miss_not_an_error() -> None:
    cache = _cache(f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    assert await cache.get("k") is None
    await cache.put("k", _entry())
    assert await cache.get("k") is None
    assert time.monotonic() - started < 2


async def test_a_frozen_redis_costs_one_short_timeout(redis_server: RedisServer) -> None:
    cache = _cache(redis_server.url)
    await cache.put("k", _entry())
    redis_server.pause()
    try:
        started = time.monotonic()
        assert await cache.get("k") is None
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(5):
            assert await cache.get("k") is None
        rest = time.monotonic() - started
    finally:
        redis_server.resume()
    assert first < 1.5, f"a frozen Redis stalled the call for {first:.2f} s"
    assert rest < 0.1, "the breaker should skip Redis after a failure"


async def test_reader_keeps_reading_when_redis_dies(site: FixtureServer, redis_server: RedisServer) -> None:
    settings = Settings(allow_hosts=["127.0.0.1"], redis_url=redis_server.url)
    reader = Reader(settings)
    url = site.url(f"{ARTICLE}?case=reader-dies")
    before = site.hits(ARTICLE)
    first = await reader.read(ReadRequest(url=url))
    again = await reader.read(ReadRequest(url=url))
    assert site.hits(ARTICLE) == before + 1, "the second read should come from Redis"
    redis_server.stop()
    after = await reader.read(ReadRequest(url=url))
    assert after.markdown == first.markdown == again.markdown
    assert site.hits(ARTICLE) == before + 2, "with Redis gone the document is fetched afresh"


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "doc-reader test redis")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("10.9.8.7"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "redis.crt", directory / "redis.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


async def test_rediss_with_a_self_signed_certificate(tmp_path: Path) -> None:
    """Heroku Key-Value Store speaks TLS with a self-signed certificate for another name: it must still work."""
    cert, key = _self_signed(tmp_path)
    server = RedisServer("--tls-cert-file", str(cert), "--tls-key-file", str(key), "--tls-ca-cert-file", str(cert))
    server.start(("--port", "0", "--tls-port", str(server.port), "--tls-auth-clients", "no"))
    try:
        cache = make_cache(Settings(redis_url=f"rediss://127.0.0.1:{server.port}/0"))
        assert isinstance(cache, RedisCache)
        await cache.put("tls", _entry("over TLS"))
        got = await cache.get("tls")
        assert got is not None, "rediss:// with a self-signed certificate did not work"
        assert got.document.markdown == "over TLS"
        plain = _cache(f"redis://127.0.0.1:{server.port}/0")
        assert await plain.get("tls") is None, "a plain connection to a TLS port should fail (and degrade)"
    finally:
        server.stop()


def _read_via(web: WebProcess, url: str) -> str:
    import anyio

    result = anyio.run(call_http_tool, web.base, {"url": url}, {"x-api-key": "k"})
    assert not result.is_error, result.content
    return str(result.structured_content["markdown"])


def _web(**env: str) -> WebProcess:
    return WebProcess(API_KEY="k", WEB_CONCURRENCY="2", DOC_READER_ALLOW_HOSTS="127.0.0.1", **env).start()


def test_workers_and_dynos_share_documents(site: FixtureServer, redis_server: RedisServer) -> None:
    """Two gunicorn processes (two 'dynos', two workers each) with one Redis: the origin is fetched once."""
    dynos = [_web(REDIS_URL=redis_server.url), _web(REDIS_URL=redis_server.url)]
    try:
        url = site.url(f"{ARTICLE}?case=shared")
        before = site.hits(ARTICLE)
        texts = {_read_via(dynos[i % 2], url) for i in range(8)}
        assert len(texts) == 1
        assert site.hits(ARTICLE) == before + 1, "every read after the first should be served from Redis"
    finally:
        for dyno in dynos:
            dyno.stop()


def test_without_redis_each_dyno_fetches_for_itself(site: FixtureServer) -> None:
    """The control for the test above: in-process caches are not shared, so it can fail."""
    dynos = [_web(), _web()]
    try:
        url = site.url(f"{ARTICLE}?case=unshared")
        before = site.hits(ARTICLE)
        for i in range(2):
            _read_via(dynos[i % 2], url)
        assert site.hits(ARTICLE) == before + 2
    finally:
        for dyno in dynos:
            dyno.stop()


def test_redis_going_away_mid_run_degrades_to_no_cache(site: FixtureServer, redis_server: RedisServer) -> None:
    dyno = _web(REDIS_URL=redis_server.url)
    try:
        url = site.url(f"{ARTICLE}?case=going-away")
        before = site.hits(ARTICLE)
        _read_via(dyno, url)
        _read_via(dyno, url)
        assert site.hits(ARTICLE) == before + 1
        redis_server.stop()
        started = time.monotonic()
        for _ in range(3):
            _read_via(dyno, url)
        elapsed = time.monotonic() - started
        assert site.hits(ARTICLE) >= before + 2, "reads after Redis died must fetch afresh"
        assert elapsed < 15, f"three reads took {elapsed:.1f} s with Redis down"
    finally:
        dyno.stop()

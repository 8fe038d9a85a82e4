"""Fetch one URL with every bound in place: scheme, addresses, redirects, time and size."""

from __future__ import annotations

import functools
import logging
import re
import ssl
import zlib
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import urljoin, urlsplit

import anyio
import httpx

from doc_reader.errors import FetchError
from doc_reader.fetch.backend import GuardedBackend
from doc_reader.fetch.guard import AddressGuard, AllowList, Resolver, system_resolver
from doc_reader.settings import MB, Settings

log = logging.getLogger(__name__)

ACCEPT = (
    "text/markdown;q=1.0, text/html;q=0.9, application/xhtml+xml;q=0.9, application/pdf;q=0.9, "
    "text/plain;q=0.8, application/json;q=0.8, */*;q=0.1"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_MAX_URL = 8192
_GZIP_WBITS = 16 + zlib.MAX_WBITS
# What a host name may hold once httpx has IDNA-encoded it (IPv6 literals are checked by the parser).
_HOST_CHARS = re.compile(r"[a-z0-9._-]+", re.IGNORECASE)

Progress = Callable[[int, int | None], Awaitable[None]]


@dataclass(frozen=True)
class Fetched:
    """A downloaded body and what the server said about it."""

    data: bytes
    final_url: str
    content_type: str | None


def check_url(url: str) -> str:
    """Return `url` if it is an absolute http(s) URL with a host; otherwise raise a clear FetchError."""
    url = url.strip()
    invalid = FetchError("The URL is not valid; give a full http:// or https:// address.")
    if len(url) > _MAX_URL:
        raise FetchError(f"The URL is longer than {_MAX_URL} characters; give a shorter address.")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise invalid from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError("Only http:// and https:// URLs can be read; pass local files as content_base64.")
    try:
        hostname = parts.hostname
        parsed = httpx.URL(url)  # the parser that will actually be used must accept it too
    except (ValueError, httpx.InvalidURL):
        raise invalid from None
    if not hostname or not parsed.host:
        raise FetchError("The URL has no host name; give a full http:// or https:// address.")
    if ":" not in parsed.host and not _HOST_CHARS.fullmatch(parsed.host):
        raise invalid
    if parts.username or parts.password or parsed.userinfo:
        raise FetchError("URLs with a user name or password are not accepted; remove the credentials.")
    return url


@functools.cache
def _tls() -> ssl.SSLContext:
    # One verifying context for every fetch: building one loads the CA bundle, which costs tens of milliseconds.
    return httpx.create_ssl_context()


def _client(settings: Settings, resolver: Resolver) -> httpx.AsyncClient:
    guard = AddressGuard(AllowList.parse(settings.allow_hosts), settings.allow_private, resolver)
    transport = httpx.AsyncHTTPTransport(verify=_tls(), retries=0)
    # httpx has no public hook for the network backend; the pool's attribute is the seam httpcore offers.
    transport._pool._network_backend = GuardedBackend(guard)
    timeout = httpx.Timeout(settings.stall_timeout, connect=settings.connect_timeout)
    headers = {"User-Agent": settings.user_agent, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
    return httpx.AsyncClient(transport=transport, timeout=timeout, headers=headers, trust_env=False)


async def fetch(
    url: str,
    settings: Settings,
    *,
    resolver: Resolver = system_resolver,
    progress: Progress | None = None,
) -> Fetched:
    """Download `url` within the configured deadline and size cap, following at most N checked redirects."""
    url = check_url(url)
    timeout = min(settings.fetch_timeout, settings.request_timeout)  # a fetch never outlives its call
    try:
        with anyio.fail_after(timeout):
            async with _client(settings, resolver) as client:
                return await _follow(client, url, settings, progress)
    except TimeoutError:
        raise FetchError(f"The server did not send the document within {timeout:g} seconds; try again later.") from None
    except httpx.ConnectTimeout:
        raise FetchError("The server did not accept a connection in time; try again later.") from None
    except httpx.TimeoutException:
        raise FetchError("The server stopped responding while sending the document; try again later.") from None
    except httpx.HTTPError as exc:
        log.info("fetch: %s failed: %r", urlsplit(url).hostname, exc)
        raise FetchError("The server could not be reached; check the URL or try again later.") from None


async def _follow(client: httpx.AsyncClient, url: str, settings: Settings, progress: Progress | None) -> Fetched:
    for _hop in range(settings.max_redirects + 1):
        async with client.stream("GET", url) as response:
            if response.status_code in _REDIRECTS and "location" in response.headers:
                url = _next_hop(url, response.headers["location"])
                continue
            if response.status_code >= 400:
                raise FetchError(f"The server answered HTTP {_status(response.status_code)}; check the URL.")
            data = await _read_capped(response, settings.max_download_bytes, progress)
            return Fetched(
                data=data,
                final_url=str(response.url),
                content_type=response.headers.get("content-type"),
            )
    raise FetchError(f"The URL redirected more than {settings.max_redirects} times; give the final address.")


def _status(code: int) -> str:
    # The standard phrase, never the server's: a reason phrase is server-chosen text.
    try:
        return f"{code} ({HTTPStatus(code).phrase})"
    except ValueError:
        return str(code)


def _next_hop(current: str, location: str) -> str:
    try:
        target = urljoin(current, location)
    except ValueError:
        raise FetchError("The server redirected to an invalid address.") from None
    if urlsplit(current).scheme == "https" and urlsplit(target).scheme.lower() == "http":
        raise FetchError("The server redirected from https to plain http, which doc-reader refuses.")
    return check_url(target)


async def _read_capped(response: httpx.Response, cap: int, progress: Progress | None) -> bytes:
    declared = response.headers.get("content-length")
    total = int(declared) if declared and declared.isdigit() else None
    too_large = FetchError(f"The document is larger than the {cap / MB:g} MB download limit.")
    if total is not None and total > cap:
        raise too_large
    inflater = _inflater(response.headers.get("content-encoding"))
    body = bytearray()

    def append(pieces: Iterable[bytes]) -> None:
        for piece in pieces:
            body.extend(piece)
            if len(body) > cap:
                raise too_large

    # Raw bytes, decompressed here a bounded piece at a time: the cap counts decompressed bytes,
    # and a gzip bomb never expands much past it in memory (httpx would inflate a whole chunk at once).
    async for raw in response.aiter_raw(_CHUNK):
        append(inflater.feed(raw) if inflater else (raw,))
        if progress is not None:
            await progress(len(body), total)
    if inflater:
        append(inflater.feed(b""))
    return bytes(body)


def _inflater(content_encoding: str | None) -> _Inflater | None:
    """The decoder for the response's Content-Encoding (None for identity); refuse layered or unknown codings."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
    codings = [c for c in codings if c not in ("", "identity")]
    if not codings:
        return None
    if len(codings) > 1 or codings[0] not in ("gzip", "x-gzip", "deflate"):
        log.info("fetch: refused Content-Encoding %r", content_encoding)
        raise FetchError("The server compressed the document in a way doc-reader does not accept.")
    return _Inflater(codings[0])


class _Inflater:
    """Incremental gzip/deflate decoding that never produces more than _CHUNK bytes per step."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._head = b""
        self._z: Any = None

    def feed(self, raw: bytes) -> Iterator[bytes]:
        """Decoded pieces of `raw`; call with b"" once at the end of the body."""
        if self._z is None:
            self._head += raw
            if len(self._head) < 2 and raw:
                return
            self._z = zlib.decompressobj(_wbits(self._coding, self._head))
            raw, self._head = self._head, b""
        try:
            piece = self._z.decompress(raw, _CHUNK)
            while piece:
                yield piece
                if not self._z.unconsumed_tail and len(piece) < _CHUNK:
                    break
                piece = self._z.decompress(self._z.unconsumed_tail, _CHUNK)
            if not raw:
                yield self._z.flush()
        except zlib.error:
            raise FetchError("The server sent a compressed document that could not be decompressed.") from None


def _wbits(coding: str, head: bytes) -> int:
    if coding != "deflate":
        return _GZIP_WBITS
    # "deflate" is meant to be zlib-wrapped, but many servers send raw deflate; the zlib header tells them apart.
    is_zlib = len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0
    return zlib.MAX_WBITS if is_zlib else -zlib.MAX_WBITS

"""Fetch one URL with every bound in place: scheme, addresses, redirects, time and size."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import anyio
import httpx

from doc_reader.errors import FetchError
from doc_reader.fetch.backend import GuardedBackend
from doc_reader.fetch.guard import AddressGuard, AllowList, Resolver, system_resolver
from doc_reader.settings import Settings

log = logging.getLogger(__name__)

ACCEPT = (
    "text/markdown;q=1.0, text/html;q=0.9, application/xhtml+xml;q=0.9, application/pdf;q=0.9, "
    "text/plain;q=0.8, application/json;q=0.8, */*;q=0.1"
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024

Progress = Callable[[int, int | None], Awaitable[None]]


@dataclass(frozen=True)
class Fetched:
    """A downloaded body and what the server said about it."""

    data: bytes
    final_url: str
    content_type: str | None


def check_url(url: str) -> str:
    """Return `url` if it is an absolute http(s) URL with a host; otherwise raise a clear FetchError."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        raise FetchError("The URL is not valid; give a full http:// or https:// address.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError("Only http:// and https:// URLs can be read; pass local files as content_base64.")
    if not parts.hostname:
        raise FetchError("The URL has no host name; give a full http:// or https:// address.")
    if parts.username or parts.password:
        raise FetchError("URLs with a user name or password are not accepted; remove the credentials.")
    return url.strip()


def _client(settings: Settings, resolver: Resolver) -> httpx.AsyncClient:
    guard = AddressGuard(AllowList.parse(settings.allow_hosts), settings.allow_private, resolver)
    transport = httpx.AsyncHTTPTransport(retries=0)
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
    try:
        with anyio.fail_after(settings.fetch_timeout):
            async with _client(settings, resolver) as client:
                return await _follow(client, url, settings, progress)
    except TimeoutError:
        raise FetchError(
            f"The server did not send the document within {settings.fetch_timeout:g} seconds; try again later."
        ) from None
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
                reason = response.reason_phrase or "error"
                raise FetchError(f"The server answered HTTP {response.status_code} ({reason}); check the URL.")
            data = await _read_capped(response, settings.max_download_bytes, progress)
            return Fetched(
                data=data,
                final_url=str(response.url),
                content_type=response.headers.get("content-type"),
            )
    raise FetchError(f"The URL redirected more than {settings.max_redirects} times; give the final address.")


def _next_hop(current: str, location: str) -> str:
    target = urljoin(current, location)
    if urlsplit(current).scheme == "https" and urlsplit(target).scheme == "http":
        raise FetchError("The server redirected from https to plain http, which doc-reader refuses.")
    return check_url(target)


async def _read_capped(response: httpx.Response, cap: int, progress: Progress | None) -> bytes:
    declared = response.headers.get("content-length")
    total = int(declared) if declared and declared.isdigit() else None
    too_large = FetchError(f"The document is larger than the {cap // (1024 * 1024)} MB download limit.")
    if total is not None and total > cap:
        raise too_large
    chunks: list[bytes] = []
    received = 0
    # aiter_bytes yields decompressed bytes, so the cap also stops gzip/deflate bombs.
    async for chunk in response.aiter_bytes(_CHUNK):
        received += len(chunk)
        if received > cap:
            raise too_large
        chunks.append(chunk)
        if progress is not None:
            await progress(received, total)
    return b"".join(chunks)

"""A cache of converted documents, so continuations and repeated reads skip fetch and conversion.

Entries are stored serialised (JSON bytes), which makes the byte budget exact
and lets a shared backend store the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import zlib
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel

from doc_reader import __version__
from doc_reader.document import Document

if TYPE_CHECKING:
    from doc_reader.settings import Settings

log = logging.getLogger(__name__)


class CachedDocument(BaseModel):
    """A converted document plus the address it was finally read from."""

    document: Document
    final_url: str | None = None


class DocumentCache(Protocol):
    """Where converted documents are kept between calls."""

    async def get(self, key: str) -> CachedDocument | None:
        """The entry under `key`, or None when missing or expired."""
        ...

    async def put(self, key: str, entry: CachedDocument) -> None:
        """Store `entry` under `key` (best effort: a full or absent cache just drops it)."""
        ...


def cache_key(source: str | bytes, **options: object) -> str:
    """A key covering the source (a URL, or the document's bytes) and every option that changes the output."""
    digest = hashlib.sha256()
    digest.update(source.encode() if isinstance(source, str) else b"bytes:" + hashlib.sha256(source).digest())
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    return f"doc-reader:v1:{__version__}:" + digest.hexdigest()


class MemoryCache:
    """An in-process LRU bounded by total bytes, with a time-to-live per entry."""

    def __init__(self, max_bytes: int, ttl: float) -> None:
        self._max_bytes = max_bytes
        self._ttl = ttl
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    async def get(self, key: str) -> CachedDocument | None:
        """Return a live entry and mark it recently used."""
        with self._lock:
            item = self._entries.get(key)
            if item is None:
                return None
            expires, blob = item
            if expires < time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
        return CachedDocument.model_validate_json(blob)

    async def put(self, key: str, entry: CachedDocument) -> None:
        """Insert `entry`, evicting least recently used entries past the byte budget."""
        if self._ttl <= 0:
            return
        blob = entry.model_dump_json().encode()
        if len(blob) > self._max_bytes:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic() + self._ttl, blob)
            self._size += len(blob)
            while self._size > self._max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        _, blob = self._entries.pop(key)
        self._size -= len(blob)


def redis_client(url: str, timeout: float) -> Any:
    """An asyncio Redis client that fails fast: short socket timeouts, no retries.

    `rediss://` URLs skip certificate verification, because Heroku Key-Value Store
    serves TLS with a self-signed certificate.
    """
    import redis.asyncio
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    extra: dict[str, Any] = {}
    if urlsplit(url).scheme == "rediss":
        extra = {"ssl_cert_reqs": "none", "ssl_check_hostname": False}
    return redis.asyncio.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=0,
        **extra,
    )


class Breaker:
    """Skips a shared backend for a few seconds after it fails, so a dead Redis costs one timeout, not one per call."""

    def __init__(self, name: str, pause: float = 5.0) -> None:
        self.name = name
        self.pause = pause
        self._until = 0.0
        self._down = False

    @property
    def open(self) -> bool:
        """True while the backend is being skipped."""
        return time.monotonic() < self._until

    def failed(self, error: BaseException) -> None:
        """Record a failure: log it once per outage and skip the backend for `pause` seconds."""
        if not self._down:
            log.warning("%s unavailable, carrying on without it: %s", self.name, type(error).__name__)
        self._down = True
        self._until = time.monotonic() + self.pause

    def succeeded(self) -> None:
        """Record a success, logging the recovery after an outage."""
        if self._down:
            log.warning("%s is back", self.name)
        self._down = False


class RedisCache:
    """A cache shared by every worker and dyno, in Redis; any Redis error means a miss (a fresh fetch)."""

    def __init__(self, client: Any, ttl: float, max_entry_bytes: int) -> None:
        self._client = client
        self._ttl = ttl
        self._max_entry_bytes = max_entry_bytes
        self._breaker = Breaker("Redis cache")

    async def get(self, key: str) -> CachedDocument | None:
        """The entry under `key`, or None when missing, expired, unreadable or Redis is down."""
        if self._breaker.open:
            return None
        try:
            blob = await self._client.get(key)
        except Exception as exc:  # any Redis or network failure degrades to "no cache"
            self._breaker.failed(exc)
            return None
        self._breaker.succeeded()
        if blob is None:
            return None
        try:
            return CachedDocument.model_validate_json(zlib.decompress(blob))
        except (zlib.error, ValueError):
            return None

    async def put(self, key: str, entry: CachedDocument) -> None:
        """Store `entry` compressed, expiring after the TTL (best effort)."""
        if self._ttl <= 0 or self._breaker.open:
            return
        blob = zlib.compress(entry.model_dump_json().encode(), 3)
        if len(blob) > self._max_entry_bytes:
            return
        try:
            await self._client.set(key, blob, px=max(1, int(self._ttl * 1000)))
        except Exception as exc:
            self._breaker.failed(exc)
            return
        self._breaker.succeeded()


def make_cache(settings: Settings, redis: Any = None) -> DocumentCache:
    """The cache the settings ask for: Redis when REDIS_URL is set, else the in-process LRU.

    `redis` is a client from `redis_client()` to share (the HTTP app's, also used for rate limits).
    """
    if settings.redis_url and settings.cache_ttl > 0:
        client = redis if redis is not None else redis_client(settings.redis_url, settings.redis_timeout)
        return RedisCache(client, settings.cache_ttl, max(settings.cache_max_bytes, 1))
    return MemoryCache(settings.cache_max_bytes, settings.cache_ttl)

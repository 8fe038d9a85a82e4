"""Rate limits per caller (API key or token subject): a token bucket, in-process or shared in Redis.

A bucket holds `burst` tokens and refills at `rate_per_minute / 60` per second;
each HTTP request to /mcp takes one. An empty bucket means 429 with Retry-After.
With REDIS_URL the bucket lives in Redis (one atomic Lua script), so the limit
holds across workers and dynos; if Redis fails, the in-process bucket takes over.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from typing import Any, Protocol

from doc_reader.cache import Breaker, redis_client
from doc_reader.settings import Settings

# KEYS[1] bucket; ARGV: rate per second, burst. Returns {allowed (0/1), seconds to wait (string)}.
_LUA = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or t
tokens = math.min(burst, tokens + math.max(0, t - ts) * rate)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(t))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, tostring(wait)}
"""


class RateLimiter(Protocol):
    """Decides whether a caller may make one more request."""

    async def take(self, caller: str) -> float:
        """Take one token for `caller`: 0 when allowed, else the seconds until a token is free."""
        ...


class MemoryRateLimiter:
    """Token buckets in this process (each worker has its own), for at most `max_callers` recent callers."""

    def __init__(self, rate_per_minute: float, burst: int, max_callers: int = 10_000) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self.max_callers = max_callers
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    async def take(self, caller: str) -> float:
        """Refill `caller`'s bucket for the time passed, then take a token if there is one."""
        return self.take_now(caller, time.monotonic())

    def take_now(self, caller: str, now: float) -> float:
        """`take` at a given monotonic time (what the async method and the tests call)."""
        with self._lock:
            tokens, then = self._buckets.pop(caller, (self.burst, now))
            tokens = min(self.burst, tokens + max(0.0, now - then) * self.rate)
            wait = 0.0
            if tokens >= 1:
                tokens -= 1
            else:
                wait = (1 - tokens) / self.rate
            self._buckets[caller] = (tokens, now)
            while len(self._buckets) > self.max_callers:
                self._buckets.popitem(last=False)
            return wait


class RedisRateLimiter:
    """Token buckets in Redis, shared by every worker and dyno; falls back to in-process buckets on Redis errors."""

    def __init__(self, client: Any, rate_per_minute: float, burst: int) -> None:
        self._client = client
        self._script = client.register_script(_LUA)
        self._rate = rate_per_minute / 60.0
        self._burst = burst
        self._fallback = MemoryRateLimiter(rate_per_minute, burst)
        self._breaker = Breaker("Redis rate limiter")

    async def take(self, caller: str) -> float:
        """Take a token from `caller`'s shared bucket (or the local one while Redis is unavailable)."""
        if self._breaker.open:
            return await self._fallback.take(caller)
        try:
            allowed, wait = await self._script(keys=[f"doc-reader:rl:{caller}"], args=[self._rate, self._burst])
        except Exception as exc:  # any Redis failure: limit locally rather than fail or stall the call
            self._breaker.failed(exc)
            return await self._fallback.take(caller)
        self._breaker.succeeded()
        return 0.0 if int(allowed) else max(float(wait), 0.001)


def retry_after(wait: float) -> str:
    """The Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))


def make_limiter(settings: Settings, redis: Any = None) -> RateLimiter | None:
    """The limiter the settings ask for: None when DOC_READER_RATE_LIMIT is 0, Redis-backed with REDIS_URL.

    `redis` is a client from `redis_client()` to share (the HTTP app's, also used for the cache).
    """
    if settings.rate_limit <= 0:
        return None
    if settings.redis_url:
        client = redis if redis is not None else redis_client(settings.redis_url, settings.redis_timeout)
        return RedisRateLimiter(client, settings.rate_limit, settings.rate_burst)
    return MemoryRateLimiter(settings.rate_limit, settings.rate_burst)

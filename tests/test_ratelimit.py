"""Rate limits: token buckets in-process and in a real Redis, and 429 + Retry-After over HTTP."""

from __future__ import annotations

import httpx
import pytest

from doc_reader.cache import redis_client
from doc_reader.ratelimit import MemoryRateLimiter, RedisRateLimiter, make_limiter, retry_after
from doc_reader.settings import Settings
from tests.conftest import RedisServer, WebProcess, free_port


def test_bucket_allows_a_burst_then_refills() -> None:
    limiter = MemoryRateLimiter(rate_per_minute=60, burst=3)
    assert [limiter.take_now("a", 100.0) for _ in range(3)] == [0, 0, 0]
    wait = limiter.take_now("a", 100.0)
    assert wait == pytest.approx(1.0)
    assert limiter.take_now("b", 100.0) == 0, "callers have separate buckets"
    assert limiter.take_now("a", 101.5) == 0, "a token is back after a second at 60/min"
    assert limiter.take_now("a", 101.5) > 0


def test_retry_after_is_whole_seconds() -> None:
    assert retry_after(0.01) == "1"
    assert retry_after(1.2) == "2"


def test_limiter_is_off_by_default() -> None:
    assert make_limiter(Settings()) is None
    assert isinstance(make_limiter(Settings(rate_limit=10)), MemoryRateLimiter)
    assert isinstance(make_limiter(Settings(rate_limit=10, redis_url="redis://127.0.0.1:1/0")), RedisRateLimiter)


@pytest.mark.anyio
async def test_redis_buckets_are_shared_between_workers(redis_server: RedisServer) -> None:
    worker_a = RedisRateLimiter(redis_client(redis_server.url, 0.5), 60, 4)
    worker_b = RedisRateLimiter(redis_client(redis_server.url, 0.5), 60, 4)
    waits = [await worker.take("key:1") for worker in (worker_a, worker_b, worker_a, worker_b)]
    assert waits == [0, 0, 0, 0]
    assert await worker_a.take("key:1") > 0, "the fifth request across both workers exceeds the burst of 4"
    assert await worker_b.take("key:1") > 0
    assert await worker_b.take("key:2") == 0


@pytest.mark.anyio
async def test_a_dead_redis_falls_back_to_local_buckets() -> None:
    limiter = RedisRateLimiter(redis_client(f"redis://127.0.0.1:{free_port()}/0", 0.5), 60, 2)
    assert await limiter.take("key:1") == 0
    assert await limiter.take("key:1") == 0
    assert await limiter.take("key:1") > 0


def _ping(web: WebProcess, key: str) -> httpx.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    headers = {"Accept": "application/json, text/event-stream", "x-api-key": key}
    return httpx.post(f"{web.base}/mcp", json=body, headers=headers, timeout=10)


@pytest.mark.parametrize("shared", [False, True], ids=["in-process", "redis"])
def test_http_429_with_retry_after(shared: bool, request: pytest.FixtureRequest) -> None:
    env = {"DOC_READER_RATE_LIMIT": "6", "DOC_READER_RATE_BURST": "3"}
    workers = "1"
    if shared:
        env["REDIS_URL"] = request.getfixturevalue("redis_server").url
        workers = "2"  # with Redis the budget is per caller, whichever worker answers
    web = WebProcess(API_KEY="k1,k2", WEB_CONCURRENCY=workers, **env).start()
    try:
        statuses = [_ping(web, "k1").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        limited = _ping(web, "k1")
        assert limited.status_code == 429, "the fourth request inside the burst window should be limited"
        assert int(limited.headers["retry-after"]) >= 1
        assert _ping(web, "k2").status_code == 200, "another key has its own bucket"
        assert _ping(web, "wrong").status_code == 401, "authentication comes before rate limiting"
    finally:
        web.stop()

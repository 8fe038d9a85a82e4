"""Progress: one strictly increasing 0-100 scale across download and conversion, with heartbeats."""

from __future__ import annotations

import time

import anyio
import pytest
from mcp import Client

from doc_reader import progress as progress_module
from doc_reader.progress import TOTAL, CallProgress
from doc_reader.reader import Reader
from doc_reader.server import build_server
from doc_reader.settings import Settings

pytestmark = pytest.mark.anyio


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[float, float | None, str]] = []

    async def __call__(self, value: float, total: float | None, message: str) -> None:
        self.events.append((value, total, message))


async def test_phases_map_onto_one_increasing_scale() -> None:
    sent = Recorder()
    call = CallProgress(sent)
    await call.downloaded(500_000, 1_000_000)
    await call.downloaded(1_000_000, 1_000_000)
    await call.converted(1, 10, "page 1")  # throttled: too soon after the last one
    await call.converted(10, 10, "page 10")  # final: always sent
    values = [value for value, _, _ in sent.events]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert values[0] == 25.0 and values[1] == 50.0
    assert 50 < values[-1] < TOTAL
    assert all(total == TOTAL for _, total, _ in sent.events)
    assert sent.events[-1][2] == "page 10"


async def test_heartbeat_keeps_increasing_and_nothing_is_sent_without_a_listener(monkeypatch) -> None:
    monkeypatch.setattr(progress_module, "HEARTBEAT_INTERVAL", 0.05)
    sent = Recorder()
    call = CallProgress(sent)
    with anyio.move_on_after(0.4):
        await call.heartbeat("converting")
    values = [value for value, _, _ in sent.events]
    assert len(values) >= 4 and values == sorted(values) and len(set(values)) == len(values)
    assert sent.events[0][2].startswith("converting (")
    with anyio.move_on_after(0.2) as quiet:
        await CallProgress(None).heartbeat("nobody listens")
    assert not quiet.cancelled_caught  # with nobody listening it returns at once instead of looping


async def test_a_url_read_reports_strictly_increasing_progress(server, site) -> None:
    sent = Recorder()
    async with Client(server) as client:
        result = await client.call_tool("read_document", {"url": site.url("pdf/report.pdf")}, progress_callback=sent)
    assert not result.is_error
    values = [value for value, _, _ in sent.events]
    assert values, "no progress reported"
    assert values == sorted(values) and len(set(values)) == len(values)
    assert all(0 <= value < TOTAL for value in values)


async def test_request_timeout_bounds_the_fetch_too(site) -> None:
    settings = Settings(allow_hosts=["127.0.0.1"], cache_ttl=0, request_timeout=1.0, fetch_timeout=10.0)
    started = time.monotonic()
    async with Client(build_server(settings, Reader(settings))) as client:
        result = await client.call_tool("read_document", {"url": site.url("slow?seconds=3")})
    assert result.is_error and "within 1 seconds" in result.content[0].text
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("limit", [1, 3])
async def test_conversions_at_once_are_capped_per_worker(monkeypatch, limit: int) -> None:
    import base64
    import threading

    from doc_reader import reader as reader_module
    from doc_reader.document import Document
    from doc_reader.reader import ReadRequest

    running, peak, lock = 0, 0, threading.Lock()

    def slow_convert(data, info, options) -> Document:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.3)
        with lock:
            running -= 1
        return Document(markdown="ok\n", kind="text")

    monkeypatch.setattr(reader_module, "convert_stream", slow_convert)
    reader = Reader(Settings(cache_ttl=0, max_conversions=limit))
    async with anyio.create_task_group() as group:
        for i in range(limit + 2):
            request = ReadRequest(content_base64=base64.b64encode(f"doc {i}".encode()).decode())
            group.start_soon(reader.read, request)
    assert peak == limit

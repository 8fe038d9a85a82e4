"""Long work over HTTP: progress notifications reach a real client, graceful SIGTERM, cancellation, JSON logs."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import anyio
import pytest
from mcp import Client

from doc_reader.reader import Reader
from doc_reader.server import build_server
from doc_reader.settings import Settings
from tests.conftest import WebProcess, call_http_tool
from tests.fixture_server import FixtureHandler, FixtureServer, route

SECRET_TEXT = "zebra-quartz-unique-sentence"
TRICKLE_DROPPED: list[float] = []


@route("/trickle")
def _trickle(handler: FixtureHandler, query: dict[str, list[str]]) -> None:
    """An HTML page sent in `chunks` pieces, `delay` seconds apart, with a Content-Length."""
    chunks, delay = int(query.get("chunks", ["10"])[0]), float(query.get("delay", ["0.1"])[0])
    size = int(query.get("size", ["2000"])[0])
    piece = b"<p>" + SECRET_TEXT.encode() + b" " + b"x" * size + b"</p>\n"
    head = b"<html><head><title>Trickle</title></head><body><h1>Trickle</h1>"
    body = head + piece * chunks + b"</body></html>"
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        handler.wfile.write(head)
        handler.wfile.flush()
        for _ in range(chunks):
            time.sleep(delay)
            handler.wfile.write(piece)
            handler.wfile.flush()
        handler.wfile.write(b"</body></html>")
    except (BrokenPipeError, ConnectionResetError):
        TRICKLE_DROPPED.append(time.monotonic())  # the reader hung up: the read was cancelled


@pytest.fixture(scope="module")
def web1() -> Any:
    process = WebProcess(API_KEY="key-1", WEB_CONCURRENCY="1", DOC_READER_ALLOW_HOSTS="127.0.0.1")
    process.start()
    yield process
    process.stop()


def test_progress_reaches_an_http_client_while_the_download_runs(web1: WebProcess, site: FixtureServer) -> None:
    events: list[tuple[float, float, float | None]] = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        events.append((time.monotonic(), done, total))

    async def call() -> Any:
        started = time.monotonic()
        url = site.url("/trickle?chunks=60&delay=0.05&size=20000&case=progress")
        result = await call_http_tool(web1.base, {"url": url}, {"x-api-key": "key-1"}, progress)
        return started, time.monotonic(), result

    started, finished, result = anyio.run(call)
    assert not result.is_error, result.content
    assert len(events) >= 3, f"expected several progress notifications during a 3 s download, got {events}"
    assert len(events) <= 20, f"progress should be throttled (~4/s), got {len(events)} notifications"
    assert events[0][0] - started < 1.5, "the first progress event should arrive while the download runs"
    assert finished - events[0][0] > 1.0
    dones = [done for _, done, _ in events]
    assert dones == sorted(dones)
    assert any(total for _, _, total in events), "the download's Content-Length is reported as the total"


def test_sigterm_lets_an_in_flight_call_finish(site: FixtureServer) -> None:
    web = WebProcess(API_KEY="key-1", WEB_CONCURRENCY="2", DOC_READER_ALLOW_HOSTS="127.0.0.1").start()
    outcome: dict[str, Any] = {}
    calling = threading.Event()

    def slow_call() -> None:
        try:
            url = site.url("/trickle?chunks=30&delay=0.1&case=sigterm")
            headers = {"x-api-key": "key-1"}
            outcome["result"] = anyio.run(call_http_tool, web.base, {"url": url}, headers, None, calling.set)
        except BaseException as exc:
            outcome["error"] = exc

    caller = threading.Thread(target=slow_call)
    caller.start()
    assert calling.wait(20)
    time.sleep(1.0)  # the call is now mid-download (3 s in all)
    stopped = time.monotonic()
    web.stop()  # SIGTERM to the process group, as Heroku does, then wait for the exit
    caller.join(30)
    assert "error" not in outcome, f"the in-flight call failed on SIGTERM: {outcome.get('error')!r}"
    result = outcome["result"]
    assert not result.is_error, result.content
    assert SECRET_TEXT in str(result.structured_content["markdown"])
    assert time.monotonic() - stopped < 25, "shutdown must finish inside Heroku's grace period"
    assert web.proc is not None and web.proc.returncode == 0


@pytest.mark.anyio
async def test_client_cancellation_stops_the_work(site: FixtureServer, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(allow_hosts=["127.0.0.1"], cache_ttl=0)
    server = build_server(settings, Reader(settings))
    caplog.set_level("INFO", logger="doc_reader.reader")
    async with Client(server) as client:
        with anyio.move_on_after(1):
            await client.call_tool("read_document", {"url": site.url("/trickle?chunks=100&delay=0.1&case=cancel")})
        # the server-side read ends (cancelled) soon after the client gives up, not after the 10 s download
        for _ in range(100):
            if any(getattr(record, "outcome", None) == "cancelled" for record in caplog.records):
                break
            await anyio.sleep(0.05)
        else:
            pytest.fail("the read went on after the client cancelled it")


def test_an_http_client_hanging_up_cancels_the_read(site: FixtureServer) -> None:
    web = WebProcess(API_KEY="key-1", WEB_CONCURRENCY="1", DOC_READER_ALLOW_HOSTS="127.0.0.1").start()
    TRICKLE_DROPPED.clear()
    try:

        async def give_up() -> None:
            with anyio.move_on_after(1.5):
                url = site.url("/trickle?chunks=100&delay=0.1&case=hangup")
                await call_http_tool(web.base, {"url": url}, {"x-api-key": "key-1"})
            gave_up = time.monotonic()
            for _ in range(60):
                if TRICKLE_DROPPED:
                    break
                await anyio.sleep(0.05)
            assert TRICKLE_DROPPED, "the server kept downloading after the client went away"
            assert TRICKLE_DROPPED[0] - gave_up < 3

        anyio.run(give_up)
    finally:
        web.stop()
    assert '"outcome": "cancelled"' in web.output()


def test_logs_are_json_lines_without_secrets(site: FixtureServer) -> None:
    web = WebProcess(API_KEY="super-secret-key", WEB_CONCURRENCY="1", DOC_READER_ALLOW_HOSTS="127.0.0.1").start()
    try:
        url = site.url("/trickle?chunks=2&delay=0&case=logs")
        result = anyio.run(call_http_tool, web.base, {"url": url}, {"x-api-key": "super-secret-key"})
        assert not result.is_error
        anyio.run(call_http_tool, web.base, {"url": url}, {"x-api-key": "super-secret-key"})
    finally:
        web.stop()
    output = web.output()
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]  # every line is JSON
    reads = [line for line in lines if line.get("tool") == "read_document"]
    assert len(reads) == 2, output[-2000:]
    first, second = reads
    for entry in reads:
        assert entry["request_id"]
        assert entry["source_host"] == "127.0.0.1"
        assert entry["kind"] == "html"
        assert entry["outcome"] == "ok"
        assert entry["duration_ms"] >= 0
    assert first["bytes"] > 4000
    assert first["cached"] is False
    assert second["cached"] is True
    http_lines = [line for line in lines if line.get("path") == "/mcp"]
    assert http_lines
    assert all(line["caller"] == "key:1" for line in http_lines)
    assert {entry["request_id"] for entry in reads} <= {line["request_id"] for line in http_lines}
    assert "super-secret-key" not in output
    assert SECRET_TEXT not in output, "document text must never be logged"

"""Every bound, tested by crossing it: time (total, connect, stall), size (download, decompressed, base64,
HTML, output, PDF pages, nesting), and fairness (one slow caller does not hold up the others)."""

from __future__ import annotations

import base64
import socket
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from mcp import Client

from doc_reader.errors import FetchError
from doc_reader.fetch.client import fetch
from doc_reader.reader import Reader
from doc_reader.server import build_server
from doc_reader.settings import Settings
from tests.fixture_server import BLOBS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MB = 1024 * 1024
pytestmark = pytest.mark.anyio


def loopback(**overrides: object) -> Settings:
    """Settings that may reach the fixture server, with the given limits."""
    return Settings(allow_hosts=["127.0.0.1"], cache_ttl=0, **overrides)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def call(settings: Settings, arguments: dict[str, object]):
    async with Client(build_server(settings, Reader(settings))) as client:
        return await client.call_tool("read_document", arguments)


# --- Time ---


async def test_a_server_that_never_sends_headers_is_cut_off_at_the_stall_timeout(site) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="stopped responding"):
        await fetch(site.url("slow?seconds=30"), loopback(stall_timeout=0.5, fetch_timeout=10))
    assert 0.4 < time.monotonic() - started < 2


async def test_a_server_that_drips_a_byte_at_a_time_is_cut_off_at_the_total_deadline(site) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"within 1\.5 seconds"):
        await fetch(site.url("drip?bytes=1000&interval=0.05"), loopback(stall_timeout=5, fetch_timeout=1.5))
    assert 1.4 < time.monotonic() - started < 3


@pytest.fixture
def unanswering_port() -> Iterator[int]:
    """A loopback port whose accept queue is full, so new connections hang in the handshake."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))
    yield port
    filler.close()
    server.close()


async def test_a_connection_that_is_never_accepted_is_cut_off_at_the_connect_timeout(unanswering_port: int) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="did not accept a connection in time"):
        await fetch(f"http://127.0.0.1:{unanswering_port}/", loopback(connect_timeout=0.5, fetch_timeout=10))
    assert 0.4 < time.monotonic() - started < 2


def test_default_deadlines_fit_in_herokus_30_second_router_window() -> None:
    defaults = Settings()
    assert defaults.request_timeout < 30
    assert defaults.fetch_timeout <= 20 and defaults.connect_timeout < defaults.fetch_timeout
    assert defaults.stall_timeout < defaults.fetch_timeout


# --- Download size ---


@pytest.mark.parametrize("framing", ["honest", "none", "chunked"])
async def test_download_cap_holds_whatever_the_framing(site, framing: str) -> None:
    settings = loopback(max_download_bytes=1 * MB)
    with pytest.raises(FetchError, match="larger than the 1 MB download limit"):
        await fetch(site.url(f"big?size={3 * MB}&length={framing}"), settings)
    fitting = await fetch(site.url(f"big?size={MB - 10}&length={framing}"), settings)
    assert len(fitting.data) == MB - 10 and fitting.data.startswith(b"word word ")


async def test_a_lying_content_length_reads_only_what_it_claims(site) -> None:
    fetched = await fetch(site.url(f"big?size={3 * MB}&length=lie"), loopback(max_download_bytes=1 * MB))
    assert fetched.data == (b"word " * 20)


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate"])
async def test_compressed_bodies_are_decoded_and_capped_on_decompressed_size(site, coding: str) -> None:
    small = await fetch(site.url(f"bomb?size=200000&coding={coding}"), loopback())
    assert small.data == b"a" * 200_000
    tracemalloc.start()
    try:
        with pytest.raises(FetchError, match="larger than the 4 MB download limit"):
            await fetch(site.url(f"bomb?size={100 * MB}&coding={coding}"), loopback(max_download_bytes=4 * MB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * MB, f"a 100 MB bomb must not expand in memory past the cap (peak {peak / MB:.1f} MB)"


@pytest.mark.parametrize("coding", ["double", "br", "zstd", "compress"])
async def test_layered_or_unrequested_encodings_are_refused(site, coding: str) -> None:
    with pytest.raises(FetchError, match="compressed the document in a way doc-reader does not accept"):
        await fetch(site.url(f"bomb?size=1000&coding={coding}"), loopback())


# --- Input and conversion size ---


async def test_base64_input_over_the_cap_is_a_clear_error(server) -> None:
    settings = loopback(max_input_bytes=MB)
    too_big = await call(settings, {"content_base64": b64(b"x" * (MB + 1)), "filename": "big.txt"})
    assert too_big.is_error and "content_base64 is larger than the 1 MB limit" in too_big.content[0].text
    fits = await call(settings, {"content_base64": b64(b"x" * MB), "filename": "big.txt", "max_length": 1000})
    assert not fits.is_error and fits.structured_content["total_length"] == MB + 1


async def test_pdf_page_budget_reads_the_first_pages_and_says_how_to_read_on() -> None:
    result = await call(loopback(max_pdf_pages=2), {"content_base64": b64((FIXTURES / "pdf/report.pdf").read_bytes())})
    data = result.structured_content
    assert data["page_count"] == 4
    assert "<!-- page 2 -->" in data["markdown"] and "<!-- page 3 -->" not in data["markdown"]
    assert any('pages="3-4"' in note for note in data["notes"])
    assert 'pages="3-4"' in result.content[0].text


async def test_scripts_and_styles_do_not_count_against_the_html_cap() -> None:
    bulk = b"<script>var state = '" + b"x" * 50_000 + b"';</script><style>p{}" + b" " * 20_000 + b"</style>"
    page = b"<html><head>" + bulk + b"</head><body><h1>Light page</h1><p>The end is here.</p></body></html>"
    result = await call(loopback(max_html_bytes=20_000), {"content_base64": b64(page)})
    assert not result.is_error
    assert "The end is here." in result.structured_content["markdown"]
    assert result.structured_content["notes"] == []


async def test_html_over_the_size_cap_is_cut_with_a_note() -> None:
    page = b"<html><body>" + b"".join(b"<p>Paragraph %d of the long page.</p>\n" % i for i in range(2000)) + b"</body>"
    result = await call(loopback(max_html_bytes=20_000), {"content_base64": b64(page), "max_length": 100_000})
    data = result.structured_content
    assert "Paragraph 0 of the long page." in data["markdown"] and "Paragraph 400 of" in data["markdown"]
    assert "Paragraph 1999" not in data["markdown"] and "Paragraph 600 of" not in data["markdown"]
    assert any("larger than 0.0190735 MB" in note for note in data["notes"]), data["notes"]


async def test_markdown_over_the_output_cap_is_cut_with_a_note() -> None:
    text = "".join(f"Line {i} of a long text document.\n" for i in range(5000)).encode()
    result = await call(loopback(max_output_chars=10_000), {"content_base64": b64(text), "filename": "a.txt"})
    data = result.structured_content
    assert 9000 < data["total_length"] <= 10_000 and data["markdown"].endswith(".\n")
    assert any("longer than 10000 characters" in note for note in data["notes"])


async def test_fifty_thousand_nested_divs_neither_recurse_nor_hang(server) -> None:
    page = b"<html><body><p>Before the nest.</p>" + b"<div>" * 50_000 + b"deep" + b"</div>" * 50_000 + b"</body>"
    started = time.monotonic()
    async with Client(server) as client:
        nested = await client.call_tool("read_document", {"content_base64": b64(page)})
        after = await client.call_tool("read_document", {"content_base64": b64(b"<p>Next call.</p>")})
    assert time.monotonic() - started < 15
    assert not nested.is_error, nested.content[0].text
    assert "Before the nest." in nested.structured_content["markdown"]
    assert not after.is_error and "Next call." in after.structured_content["markdown"]


def _heavy_html(megabytes: float) -> bytes:
    unit = (
        b"<div><p>Paragraph with <a href='/x'>a link</a> and <b>bold</b> words.</p><ul><li>a</li><li>b</li></ul></div>"
    )
    return b"<html><body>" + unit * int(megabytes * MB / len(unit)) + b"</body></html>"


async def test_conversion_is_cut_off_at_its_deadline(server) -> None:
    started = time.monotonic()
    result = await call(loopback(convert_timeout=0.3), {"content_base64": b64(_heavy_html(1))})
    assert result.is_error and "took too long" in result.content[0].text
    assert time.monotonic() - started < 6


# --- Fairness: one slow request does not hold up the others ---

QUICK_CALLS = [
    {"content_base64": b64(b"<h1>Quick</h1><p>An uploaded page.</p>")},
    {"content_base64": b64((FIXTURES / "pdf/report.pdf").read_bytes()), "pages": "1"},
    {"url": "blob?name=quick"},
]
BLOBS["quick"] = (b"<h1>Quick</h1><p>A fetched page.</p>", "text/html")


async def _quick_calls(client: Client, site) -> list[float]:
    timings = []
    for arguments in QUICK_CALLS:
        if "url" in arguments:
            arguments = {"url": site.url(str(arguments["url"]))}
        started = time.monotonic()
        result = await client.call_tool("read_document", arguments)
        timings.append(time.monotonic() - started)
        assert not result.is_error, result.content[0].text
    return timings


async def test_other_calls_answer_promptly_while_a_60_second_upstream_is_in_flight(site) -> None:
    settings = loopback(fetch_timeout=90, stall_timeout=90)
    before = site.hits("slow")
    async with Client(build_server(settings, Reader(settings))) as client, anyio.create_task_group() as group:
        group.start_soon(client.call_tool, "read_document", {"url": site.url("slow?seconds=60")})
        with anyio.fail_after(5):
            while site.hits("slow") == before:  # noqa: ASYNC110 (the counter lives in the server's thread)
                await anyio.sleep(0.01)
        timings = await _quick_calls(client, site)
        group.cancel_scope.cancel()
    assert max(timings) < 2, timings


async def test_other_calls_answer_promptly_while_a_heavy_conversion_runs(site) -> None:
    settings = loopback(convert_timeout=60)
    heavy = {"content_base64": b64(_heavy_html(2))}
    async with Client(build_server(settings, Reader(settings))) as client, anyio.create_task_group() as group:
        finished = anyio.Event()

        async def convert_heavy() -> None:
            await client.call_tool("read_document", heavy)
            finished.set()

        group.start_soon(convert_heavy)
        await anyio.sleep(0.5)
        timings = await _quick_calls(client, site)
        assert not finished.is_set(), "the heavy conversion should still be running"
        group.cancel_scope.cancel()
    assert max(timings) < 3, timings

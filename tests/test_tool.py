"""The read_document tool end to end, in process: sources, kinds, paging, errors, cache."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from mcp import Client

from doc_reader.reader import Reader
from doc_reader.server import build_server
from doc_reader.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
pytestmark = pytest.mark.anyio


def b64(path: str) -> str:
    return base64.b64encode((FIXTURES / path).read_bytes()).decode()


async def test_reads_html_from_url_with_absolute_links_and_main_content(server, site) -> None:
    async with Client(server) as client:
        result = await client.call_tool("read_document", {"url": site.url("site/article.html")})
    assert not result.is_error
    data = result.structured_content
    assert data["kind"] == "html"
    assert data["title"] == "Field Guide to Widgets"
    assert data["final_url"] == site.url("site/article.html")
    markdown = data["markdown"]
    assert markdown.startswith("# Field Guide to Widgets\n")
    assert f"[many habitats]({site.url('site/docs/habitat.html')})" in markdown
    assert "| Kind | Sides | Weight (g) |" in markdown
    assert "```python\ndef count(widgets):\n    return len(widgets)\n```" in markdown
    for noise in ("About us", "Related articles", "Copyright 2026", "tracking", "Ignore previous", "Hidden promo"):
        assert noise not in markdown
    assert result.content[0].text.startswith(markdown) or markdown in result.content[0].text


async def test_full_extract_keeps_navigation_but_not_scripts(server, site) -> None:
    async with Client(server) as client:
        result = await client.call_tool("read_document", {"url": site.url("site/article.html"), "extract": "full"})
    markdown = result.structured_content["markdown"]
    assert "About us" in markdown and "Copyright 2026" in markdown
    assert "tracking" not in markdown and "font-family" not in markdown


async def test_link_references_and_no_images_are_options_cached_apart(server, site) -> None:
    url = site.url("site/article.html")
    async with Client(server) as client:
        inline = await client.call_tool("read_document", {"url": url})
        short = await client.call_tool("read_document", {"url": url, "links": "references", "images": False})
    habitat = site.url("site/docs/habitat.html")
    assert f"[many habitats]({habitat})" in inline.structured_content["markdown"]
    markdown = short.structured_content["markdown"]
    assert "many habitats[^1]" in markdown and markdown.endswith(f"\n\n[^1]: {habitat}\n")
    assert "](" not in markdown and "![" not in markdown


async def test_non_utf8_page_is_decoded(server, site) -> None:
    async with Client(server) as client:
        result = await client.call_tool("read_document", {"url": site.url("site/cp1251.html?type=text/html")})
    assert "Виджеты встречаются повсюду" in result.structured_content["markdown"]
    assert result.structured_content["title"] == "Отчёт о виджетах"


async def test_pdf_as_base64_with_metadata_and_page_markers(server) -> None:
    async with Client(server) as client:
        result = await client.call_tool("read_document", {"content_base64": b64("pdf/report.pdf"), "filename": "r.pdf"})
    data = result.structured_content
    assert data["kind"] == "pdf" and data["page_count"] == 4
    assert data["title"] == "Widget Survey 2026"
    assert data["metadata"]["author"] == "Ada Example"
    assert data["source"] == "r.pdf" and data["final_url"] is None
    assert "<!-- page 1 -->" in data["markdown"] and "<!-- page 2 -->" in data["markdown"]


async def test_pages_selects_pdf_pages_and_rejects_out_of_range(server) -> None:
    async with Client(server) as client:
        only_two = await client.call_tool("read_document", {"content_base64": b64("pdf/report.pdf"), "pages": "2"})
        too_far = await client.call_tool("read_document", {"content_base64": b64("pdf/report.pdf"), "pages": "9"})
    assert "<!-- page 2 -->" in only_two.structured_content["markdown"]
    assert "<!-- page 1 -->" not in only_two.structured_content["markdown"]
    assert "Annual Widget Survey" not in only_two.structured_content["markdown"]
    assert too_far.is_error and "4" in too_far.content[0].text


@pytest.mark.parametrize(
    ("path", "kind", "expected"),
    [
        ("site/long.md", "markdown", "# The long document\n\n## Section 1\n"),
        ("site/data.json", "json", '```json\n{\n  "name": "widget",'),
    ],
)
async def test_text_kinds(server, site, path: str, kind: str, expected: str) -> None:
    async with Client(server) as client:
        result = await client.call_tool("read_document", {"url": site.url(path), "max_length": 1_000_000})
    assert result.structured_content["kind"] == kind
    assert result.structured_content["markdown"].startswith(expected)


async def test_markdown_is_passed_through_untouched(server, site) -> None:
    async with Client(server) as client:
        result = await client.call_tool("read_document", {"url": site.url("site/long.md"), "max_length": 1_000_000})
    assert result.structured_content["markdown"] == (FIXTURES / "site/long.md").read_text()


async def test_servers_offering_markdown_for_agents_are_passed_through(server, site) -> None:
    async with Client(server) as client:
        result = await client.call_tool("read_document", {"url": site.url("negotiate")})
    assert result.structured_content["kind"] == "markdown"
    assert result.structured_content["markdown"] == "# Agent copy\n\n<b>kept as written</b>\n"


async def test_pagination_windows_reassemble_exactly_and_cut_on_boundaries(server, site) -> None:
    whole = (FIXTURES / "site/long.md").read_text()
    pieces, start, calls = [], 0, 0
    async with Client(server) as client:
        while start is not None:
            result = await client.call_tool(
                "read_document", {"url": site.url("site/long.md"), "max_length": 5000, "start_index": start}
            )
            data = result.structured_content
            assert data["start_index"] == start and data["total_length"] == len(whole)
            assert len(data["markdown"]) <= 5000
            pieces.append(data["markdown"])
            if data["next_start_index"] is not None:
                assert data["markdown"].endswith("\n"), "cut should land on a line boundary"
                assert f"start_index={data['next_start_index']}" in result.content[0].text
            start, calls = data["next_start_index"], calls + 1
    assert "".join(pieces) == whole
    assert calls == len(pieces) > 20


async def test_continuations_come_from_the_cache(site) -> None:
    settings = Settings(allow_hosts=["127.0.0.1"])
    server = build_server(settings, Reader(settings))
    url = site.url("site/long.md?cache-test=1")
    before = site.hits("site/long.md")
    async with Client(server) as client:
        for start in (0, 5000, 10000):
            await client.call_tool("read_document", {"url": url, "max_length": 5000, "start_index": start})
    assert site.hits("site/long.md") - before == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "exactly one of `url` or `content_base64`"),
        ({"url": "http://x.test/", "content_base64": "aGk="}, "exactly one of `url` or `content_base64`"),
        ({"content_base64": "not base64!"}, "not valid base64"),
        ({"url": "ftp://example.org/file"}, "Only http:// and https://"),
        ({"content_base64": base64.b64encode(b"\x89PNG\r\n\x1a\n0000").decode()}, "PNG image"),
        ({"content_base64": base64.b64encode(b"PK\x03\x04zip").decode(), "filename": "a.docx"}, "ZIP archive"),
        ({"url": "http://10.1.2.3/admin"}, "not allowed"),
        ({"content_base64": "aGk=", "start_index": 99}, "past the end"),
        ({"content_base64": "aGk=", "max_length": 5}, "max_length: Input should be greater than or equal to 1000"),
        ({"content_base64": "aGk=", "extract": "everything"}, "extract: Input should be 'main' or 'full'"),
        ({"content_base64": "aGk=", "links": "footnotes"}, "links: Input should be 'inline' or 'references'"),
    ],
)
async def test_bad_input_is_a_clear_tool_error_and_the_server_keeps_serving(server, arguments, message) -> None:
    async with Client(server) as client:
        bad = await client.call_tool("read_document", arguments)
        good = await client.call_tool("read_document", {"content_base64": base64.b64encode(b"fine").decode()})
    assert bad.is_error
    assert message in bad.content[0].text
    for leak in ("Traceback", "10.1.2.3", "pydantic.dev", "validation error for"):
        assert leak not in bad.content[0].text
    assert not good.is_error and good.structured_content["markdown"] == "fine\n"


async def test_http_error_status_is_named(server, site) -> None:
    async with Client(server) as client:
        result = await client.call_tool("read_document", {"url": site.url("status?code=404")})
    assert result.is_error and "HTTP 404" in result.content[0].text

"""Edge inputs that once escaped as crashes or stalled the event loop."""

from __future__ import annotations

import base64
import time

import anyio
import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer

from doc_reader import convert
from doc_reader.limits import strip_invisible
from doc_reader.reader import Reader, ReadRequest
from doc_reader.settings import Settings
from tests.conftest import ROOT

pytestmark = pytest.mark.anyio


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_strip_invisible_removes_blocks_and_stops_at_an_unclosed_one() -> None:
    page = b"a<SCRIPT x>var s='</b>';</Script >b<style>p{}</style>c<!-- note -->d<script>never closed"
    assert strip_invisible(page) == b"abcd"


def test_strip_invisible_keeps_json_ld() -> None:
    json_ld = b'<script type="application/ld+json">{"headline": "Kept"}</script>'
    catalogue = b'<script type="application/ld+json">[' + b"{}," * 30_000 + b"{}]</script>"
    page = b"<head><script>var x = 1;</script>" + json_ld + b"<script>// application/ld+json</script>"
    assert strip_invisible(page + catalogue + b"</head>") == b"<head>" + json_ld + b"</head>"


async def test_json_ld_survives_the_cut_of_an_oversized_page() -> None:
    page = (
        b"""<html><head><title>t</title><script>"""
        + b"x" * 30_000
        + b"""</script>
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": "From JSON-LD",
    "author": {"@type": "Person", "name": "Ada Writer"}, "datePublished": "2026-01-02"}</script></head>
    <body><p>Body text of the story.</p></body></html>"""
    )
    reader = Reader(Settings(max_html_bytes=20_000))
    result = await reader.read(ReadRequest(content_base64=b64(page)))
    assert result.title == "From JSON-LD"
    assert (result.metadata["author"], result.metadata["published"]) == ("Ada Writer", "2026-01-02")
    assert "Body text of the story." in result.markdown


def test_strip_invisible_is_linear_on_pathological_input() -> None:
    started = time.monotonic()
    assert strip_invisible(b"<script>" * 250_000 + b"<!--" * 250_000) == b""
    assert strip_invisible(b"<script</script>" * 200_000) == b""
    # A backtracking regex took 8.7 s on 128 kB of this; the one-pass scan is milliseconds on 3 MB.
    assert time.monotonic() - started < 5


def test_thousands_of_touching_bold_runs_merge_within_the_deadline() -> None:
    # Joining them one by one re-counted the children each time: 12.5 s for this page, past the deadline.
    page = b"<html><body><p>" + b"<b><i>x</i></b>" * 50_000 + b"<strong>a<br></strong>" * 20_000 + b"</p></body></html>"
    markdown = convert(page, extract="full", timeout=5).markdown
    # One bold run: the italic x's, then the lines of the <strong> runs.
    assert markdown == "***" + "x" * 50_000 + "*" + "a\\\n" * 19_999 + "a**\n"


def test_runs_touching_across_thousands_of_wrappers_merge_within_the_deadline() -> None:
    # One walk from a run's end enters and leaves each wrapper once, however many runs join it.
    wrapped = b"<span><b>x</b></span>" * 30_000
    page = b"<html><body><p>" + wrapped + b" " + b"<i>y</i><b><i>z</i></b>" * 10_000 + b"</p></body></html>"
    markdown = convert(page, extract="full", timeout=5).markdown
    assert markdown == "**" + "x" * 30_000 + "** *" + "y**z**" * 10_000 + "*\n"


def test_long_runs_of_line_breaks_inside_bold_and_links_stay_linear() -> None:
    # A lazy regex splitting off the breaks at a run's edges backtracked quadratically (hours at this size).
    breaks = b"<br>" * 30_000
    page = b"<html><body><p><b>a" + breaks + b"b</b> <a href='https://e.test/'>c" + breaks + b"d</a></p></body></html>"
    assert convert(page, extract="full", timeout=5).markdown == "**a\\\nb** [c d](https://e.test/)\n"


def test_touching_inline_words_are_separated_in_linear_time() -> None:
    flat = b"<span>a</span><span>B</span>" * 10_000
    # Nested 90 deep, each level touching a sibling: the edge characters are found once per element.
    nested = b"".join(b"<span>c" for _ in range(90)) + b"".join(b"</span><span>D</span>" for _ in range(90))
    page = b"<html><body><p>" + flat + b"</p><p>" + nested * 100 + b"</p></body></html>"
    markdown = convert(page, extract="full", timeout=5).markdown
    assert markdown == "a B" * 10_000 + "\n\n" + ("c" * 90 + " D" + "D" * 89) * 100 + "\n"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"url": "http://[::1"}, "URL is not valid"),
        ({"content_base64": b64((ROOT / "fixtures/pdf/report.pdf").read_bytes()), "pages": "9" * 5000}, "pages"),
    ],
)
async def test_malformed_arguments_are_clear_errors(server: MCPServer, arguments: dict[str, str], message: str) -> None:
    async with Client(server) as client:
        result = await client.call_tool("read_document", arguments)
    assert result.is_error
    assert message in result.content[0].text
    assert len(result.content[0].text) < 200


async def test_deeply_nested_json_is_read_as_text_not_a_crash(server: MCPServer) -> None:
    async with Client(server) as client:
        result = await client.call_tool("read_document", {"content_base64": b64(b"[" * 200_000), "max_length": 1000})
    assert not result.is_error
    assert result.structured_content["kind"] == "text"
    assert result.structured_content["markdown"].startswith("[[[[")


async def test_concurrent_pdf_conversions_all_succeed() -> None:
    reader = Reader(Settings(cache_ttl=0, max_conversions=4))
    pdf = b64((ROOT / "fixtures/pdf/report.pdf").read_bytes())
    results: list[str] = []

    async def one(i: int) -> None:
        result = await reader.read(ReadRequest(content_base64=pdf, filename=f"r{i}.pdf"))
        results.append(result.markdown)

    async with anyio.create_task_group() as group:
        for i in range(8):
            group.start_soon(one, i)
    assert len(results) == 8 and len(set(results)) == 1
    assert "Annual Widget Survey" in results[0]


def test_thousands_of_code_cells_and_line_numbers_stay_linear() -> None:
    # Each code block looks at its own row only; a count of the table's rows per block was quadratic.
    rows = b"<tr><td>1</td><td><pre>x</pre></td></tr>" * 3_000
    numbers = b'<span class="n">7</span> <span class="linenos">8</span>' * 10_000
    page = b"<html><body><table>" + rows + b"</table><pre>" + numbers + b"</pre></body></html>"
    markdown = convert(page, extract="full", timeout=5).markdown
    assert markdown.count("| 1 | ``` x ``` |") == 3_000
    assert markdown.endswith("```\n" + "7 " * 9_999 + "7 \n```\n")


def test_row_spans_on_row_spans_stay_within_the_deadline() -> None:
    # Each row is spanned by the fifty before it; empty cells as elements took 6.7 s to render here.
    rows = b'<tr><td rowspan="50" colspan="50">x</td><td rowspan="50">y</td></tr>' * 3_000
    markdown = convert(b"<html><body><table>" + rows + b"</table></body></html>", extract="full", timeout=5).markdown
    lines = markdown.splitlines()
    assert len(lines) == 3_002  # an empty header row, its separator, then the rows
    assert lines[3] == "|" + " |" * 50 + " x |" + " |" * 49 + " y |"


HUGE = "9" * 5_000


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        (f"<table><tr><td colspan='{HUGE}'>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", "| a | b |"),
        (f"<table><tr><td rowspan='{HUGE}'>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "| a | b |"),
        ("<table><tr><td colspan='²'>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", "| a | b |"),
        (f"<ol start='{HUGE}'><li>a</li></ol><ol start='五'><li>b</li></ol>", "1. a\n\n1. b"),
        (f"<p>x [^{HUGE}] <a href='https://e.com/'>l</a></p>", "l[^1]"),
    ],
)
def test_numerals_that_int_refuses_do_not_fail_the_page(html: str, markdown: str) -> None:
    # int() refuses "²", "五" and runs of over 4,300 digits; each of these pages once failed to convert.
    page = f"<html><body>{html}</body></html>".encode()
    assert markdown in convert(page, extract="full", links="references").markdown


@pytest.mark.parametrize(
    "json_ld",
    [
        "[" * 3_000 + "]" * 3_000,  # json.loads gives up with a RecursionError
        '{"@graph": true, "@type": "Article"}',  # @graph must be a list or an object
        '{"@graph": {"@type": "Article"}}',  # an object as @graph is read (it has no author)
        '{"@type": "Article", "author": ' + '{"name": ' * 950 + '"Deep"' + "}" * 951,  # names 950 deep
    ],
)
def test_odd_json_ld_leaves_the_page_readable(json_ld: str) -> None:
    # Found by fuzzing the metadata: all but the object @graph once failed the whole conversion.
    page = f'<html><head><script type="application/ld+json">{json_ld}</script></head><body><p>Body words.</p></body>'
    document = convert(page.encode(), content_type="text/html")
    assert document.markdown == "Body words.\n"
    assert "author" not in document.metadata


def test_code_blocks_nested_hundreds_deep_are_read_once() -> None:
    # Unclosed <pre>s nest; reading each block's rows and numbers again inside every outer block took
    # 1 s on a 47 KB mutated fixture (found by fuzzing), and grew with the depth.
    block = b'<pre><code><table><tr><td>1</td><td>x y</td></tr></table><span class="ln">2</span>z'
    markdown = convert(b"<html><body>" + block * 2_000 + b"</body></html>", extract="full", timeout=5).markdown
    assert "x y" in markdown and "2z" not in markdown


def test_tables_nested_in_header_cells_keep_their_own_width() -> None:
    # markdownify counted the cells of every nested table as the row's: each level's header grew with the
    # depth (47 KB of Markdown for this page, found by fuzzing with nested tables).
    page = "<table><tr><th>a</th><th>b" * 60 + "</th></tr></table>" * 60
    markdown = convert(f"<html><body>{page}</body></html>".encode(), extract="full", timeout=5).markdown
    lines = markdown.splitlines()
    assert lines[0].startswith("| a | b \\| a \\| b \\\\| a") and lines[1:] == ["| --- | --- |"]
    assert len(markdown) < 4_000

"""Line numbers beside code are left out, as a reader copying the code leaves them; the code stays exact."""

from __future__ import annotations

import pytest

from doc_reader.convert.base import ConvertOptions, StreamInfo
from doc_reader.convert.html import CONVERTER


def markdown_of(body: str, head: str = "") -> str:
    """The whole page's Markdown (extract="full", so no block is chosen away)."""
    page = f"<html><head>{head}</head><body>{body}</body></html>".encode()
    info = StreamInfo(kind="html", url="https://example.com/")
    return CONVERTER.convert(page, info, ConvertOptions(extract="full")).markdown


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            '<table class="highlighttable"><tr><td class="linenos"><pre>1\n2</pre></td>'
            '<td class="code"><pre class="language-py">a = 1\nb = 2\n</pre></td></tr></table>',
            "```py\na = 1\nb = 2\n```\n",
            id="number column beside the code",
        ),
        pytest.param(
            '<pre><code><table><tr><td class="gutter"><pre>7\n8\n</pre></td>'
            "<td><pre>x\n  y\n</pre></td></tr></table></code></pre>",
            "```\nx\n  y\n```\n",
            id="number column inside the block",
        ),
        pytest.param(
            "<pre><code><table><tr><td>1</td><td>if a:</td></tr><tr><td>2</td><td>  b()</td></tr></table></code></pre>",
            "```\nif a:\n  b()\n```\n",
            id="one row per line",
        ),
        pytest.param(
            '<pre><span class="linenos">1</span>x = <span class="mi">42</span>\n'
            '<span class="linenos">2</span><span class="mi">3</span></pre>',
            "```\nx = 42\n3\n```\n",
            id="named numbers go, number literals stay",
        ),
        pytest.param(
            '<pre><span style="user-select: none">1</span>ls\n<span class="n">2</span>\n</pre>',
            "```\nls\n2\n```\n",
            id="unselectable inline",
        ),
    ],
)
def test_line_numbers_are_left_out(body: str, expected: str) -> None:
    assert markdown_of(body) == expected


def test_a_style_rule_that_makes_numbers_unselectable_marks_them() -> None:
    body = (
        '<pre><div><span class="g1">1</span>make</div>'
        '<div><span class="g1">2</span><span class="x">3</span></div></pre>'
    )
    assert markdown_of(body, "<style>.g0{color:red}.g1{opacity:.5;user-select:none}</style>") == "```\nmake\n3\n```\n"
    assert markdown_of(body) == "```\n1make\n23\n```\n"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("<table><tr><td>3</td><td><pre>echo three</pre></td><td>5</td></tr></table>", id="two numbers"),
        pytest.param("<table><tr><td>1 2</td><td><pre>one line</pre></td></tr></table>", id="more numbers than lines"),
        pytest.param(
            "<table><tr><td>1</td><td><pre>a</pre></td></tr><tr><td>2</td><td><pre>b</pre></td></tr></table>",
            id="two rows",
        ),
    ],
)
def test_a_table_whose_numbers_do_not_number_the_lines_stays(body: str) -> None:
    assert markdown_of(body).startswith("| ")


def test_numbers_inside_a_block_stay_unless_they_number_its_lines() -> None:
    numbers = "<pre><code><table><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>x\ny</td></tr></table></code></pre>"
    assert markdown_of(numbers) == "```\n12\n3x\ny\n```\n"


def test_a_number_too_long_for_a_line_number_is_kept_as_code() -> None:
    # int() refuses more than 4,300 digits: the cell once failed the whole conversion.
    digits = "9" * 6_000
    body = f"<pre><code><table><tr><td>{digits}</td><td>x</td></tr></table></code></pre>"
    assert markdown_of(body) == f"```\n{digits}x\n```\n"


def test_a_comment_beside_a_number_cell_is_no_code_cell() -> None:
    # Found by fuzzing: the row's second child was a comment, which has no text content to read.
    body = "<pre><code><table><tr><td>1</td><!-- note --></tr><tr><td>2</td><td>x</td></tr></table></code></pre>"
    assert markdown_of(body) == "```\n1\nx\n```\n"

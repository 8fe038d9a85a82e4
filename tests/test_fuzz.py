"""Property: whatever bytes arrive, `doc_reader.convert` returns a Document or raises a DocReaderError, in time.

HTML results also never carry a `javascript:` link, the renderer's line-break marker, or a line that is
only a backslash.

Random bytes, tag soup (with attribute values the renderer reads), and mutations (bit flips, cuts,
splices, repeats) of the real HTML and PDF fixtures. Example counts are modest so the suite stays fast.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doc_reader import convert
from doc_reader.document import Document
from doc_reader.errors import DocReaderError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TIMEOUT = 5.0
# The converter stops itself at TIMEOUT; this is the most one example may take in all.
BUDGET = TIMEOUT + 3

HTML_SEEDS = [path.read_bytes() for path in sorted((FIXTURES / "html").glob("*.html"))]
PDF_SEEDS = [(FIXTURES / "pdf" / name).read_bytes() for name in ("report.pdf", "odd_fonts.pdf", "broken_xref.pdf")]
CONTENT_TYPES = st.sampled_from([None, "text/html", "text/html; charset=shift_jis", "application/pdf", "text/plain"])
TOKENS = [
    "<div>", "</div>", "<p>", "</p>", "<table>", "<tr>", "<td>", "</td>", "<ul>", "<li>", "<pre><code>", "</code>",
    "<a href='javascript:alert(1)'>", "<a href='/x'>", "</a>", "<img src=x onerror=y>", "<h1>", "</h1>",
    "<script>", "</script>", "<style>", "<template>", "<!--", "-->", "<![CDATA[", "]]>", "<?xml version='1.0'?>",
    "<meta charset='utf-16'>", "<meta charset='bogus'>", "<base href='javascript:'>", "<svg><title>", "<math>",
    "&amp;", "&#0;", "&#x110000;", "&nbsp;", "\x00", "\ufeff", "|", "`", "*", "#", "text ", "Ünïcödé ", "\n",
    "<br>", "<b>", "</b>", "<strong>", "</strong>", "<em>", "</em>", "<blockquote>", "<caption>", "<th>", "-", "=",
    "\ufdd0", "<span>", "</span>", "<span class='v'>", "<i>", "</i>", "<u>", "</u>", "x", "Y", "7",
    "<a href='/y'> </a>",
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed document with a few random edits."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        edit = draw(st.sampled_from(["flip", "cut", "insert", "splice", "repeat", "truncate"]))
        if edit == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "cut":
            del data[at : at + draw(st.integers(1, 512))]
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif edit == "splice":
            other = draw(st.sampled_from(seeds))
            start = draw(st.integers(0, len(other) - 1))
            data[at:at] = other[start : start + draw(st.integers(1, 2048))]
        elif edit == "repeat":
            data[at:at] = data[at : at + 256] * draw(st.integers(2, 50))
        else:
            del data[at:]
    return bytes(data)


# Attribute values the renderer reads as numbers, URLs, names or styles, including numerals int() refuses.
ATTRIBUTE_NAMES = ["colspan", "rowspan", "start", "href", "src", "srcset", "alt", "class", "style", "role"]
ATTRIBUTE_NAMES += ["aria-controls", "aria-hidden", "hidden", "id", "lang", "data-src", "title", "data-lang"]
ATTRIBUTE_VALUES = ["", "-1", "0", "2", "²", "五", "１２", "9" * 5000, "1e9", "javascript:x", "http://[::1", "//"]
ATTRIBUTE_VALUES += ["#", "%zz", "linenos", "ln", "emoji", "user-select:none", "display:none", "tabpanel", "🙂"]
ATTRIBUTE_TAGS = ["td", "th", "tr", "table", "ol", "li", "a", "img", "span", "div", "pre", "code", "button", "sup"]
attributed = st.builds(
    lambda tag, pairs: f"<{tag} " + " ".join(f"{name}='{value}'" for name, value in pairs) + ">",
    st.sampled_from(ATTRIBUTE_TAGS),
    st.lists(st.tuples(st.sampled_from(ATTRIBUTE_NAMES), st.sampled_from(ATTRIBUTE_VALUES)), max_size=3),
)
tag_soup = st.lists(st.one_of(st.sampled_from(TOKENS), attributed), max_size=400).map(lambda parts: "".join(parts))
# The structures that read attributes (tables, lists, code, pictures, links), each element with random ones.
SKELETON = (
    "<table{}><tr{}><td{}>a</td><td{}><pre{}>x\ny</pre></td></tr><tr><th{}>1</th><td{}>c</td></tr></table>"
    "<ol{}><li{}>one</li></ol><p>t<sup{}>2</sup> <img{}> <a{}>link</a> <span{}>7</span></p>"
)
attributes = st.lists(st.tuples(st.sampled_from(ATTRIBUTE_NAMES), st.sampled_from(ATTRIBUTE_VALUES)), max_size=2).map(
    lambda pairs: "".join(f" {name}='{value}'" for name, value in pairs)
)
attributed_page = st.lists(attributes, min_size=SKELETON.count("{}"), max_size=SKELETON.count("{}")).map(
    lambda values: f"<html><body>{SKELETON.format(*values)}</body></html>"
)
fuzz = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def outcome(data: bytes, content_type: str | None = None, filename: str | None = None, **options: object):
    """The Document, or the DocReaderError; any other exception propagates and fails the test."""
    try:
        return convert(data, content_type=content_type, filename=filename, url="https://example.test/", **options)
    except DocReaderError as error:
        return error


def check(data: bytes, content_type: str | None = None, filename: str | None = None) -> None:
    """Convert `data` and assert the property."""
    started = time.monotonic()
    result = outcome(data, content_type, filename, timeout=TIMEOUT)
    assert time.monotonic() - started < BUDGET
    if isinstance(result, DocReaderError):
        assert str(result) and "Traceback" not in str(result)
    else:
        assert isinstance(result, Document) and isinstance(result.markdown, str)
        if result.kind == "html":
            assert "](javascript:" not in result.markdown.lower()
            # The renderer's line-break marker never leaks, and a break never stands on a line of its own.
            assert "\ufdd0" not in result.markdown
            assert "\\" not in [line.strip() for line in result.markdown.split("\n")]


@fuzz
@given(st.binary(max_size=8192), CONTENT_TYPES)
def test_random_bytes(data: bytes, content_type: str | None) -> None:
    check(data, content_type)


@fuzz
@given(mutated(HTML_SEEDS), CONTENT_TYPES)
def test_mutated_html(data: bytes, content_type: str | None) -> None:
    check(data, content_type)


@fuzz
@given(tag_soup, st.sampled_from(["utf-8", "utf-16", "shift_jis", "cp1251"]))
def test_tag_soup(text: str, encoding: str) -> None:
    check(text.encode(encoding, "replace"), "text/html")


LD_KEYS = ["@type", "@graph", "name", "headline", "author", "datePublished", "publisher", "description", "url"]
json_ld = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(LD_KEYS), children, max_size=4),
    max_leaves=30,
).map(json.dumps)
deep_json = st.integers(1, 3_000).map(lambda depth: "[" * depth + "]" * depth)


@fuzz
@given(st.one_of(json_ld, deep_json, st.text(max_size=50)))
def test_json_ld(data: str) -> None:
    page = f'<html><head><script type="application/ld+json">{data}</script></head><body><p>Words.</p></body>'
    result = outcome(page.encode(), "text/html", timeout=TIMEOUT)
    assert isinstance(result, Document) and "Words." in result.markdown  # metadata never costs the page


@settings(fuzz, max_examples=200)  # small pages: 200 take about a second
@given(attributed_page, st.sampled_from(["inline", "references"]))
def test_attribute_values(page: str, links: str) -> None:
    started = time.monotonic()
    result = outcome(page.encode(), "text/html", timeout=TIMEOUT, links=links)
    assert time.monotonic() - started < BUDGET
    assert isinstance(result, Document)  # an odd attribute value is no reason to fail a page


@fuzz
@given(mutated(PDF_SEEDS))
def test_mutated_pdf(data: bytes) -> None:
    check(data, "application/pdf", "file.pdf")


@pytest.mark.parametrize(
    ("pages", "readable"),
    [("1", True), ("2-3", True), ("1-", True), ("0", False), ("9-1", False), ("1,,2", False), ("x", False)],
)
def test_pages_selections_on_a_real_pdf(pages: str, readable: bool) -> None:
    result = outcome(PDF_SEEDS[0], pages=pages, timeout=TIMEOUT)
    assert isinstance(result, Document) is readable
    assert readable or "page" in str(result)

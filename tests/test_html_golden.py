"""Golden files: each `fixtures/html/<name>.html` converts to exactly `<name>.md` (extract="main")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from doc_reader.convert.base import ConvertOptions, StreamInfo
from doc_reader.convert.html import CONVERTER

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "html"
PAGE_URL = "https://example.com/blog/post.html"
CASES = sorted(path.stem for path in FIXTURES.glob("*.html"))


def convert_fixture(name: str) -> str:
    """The Markdown for one fixture, converted as if fetched from PAGE_URL."""
    data = (FIXTURES / f"{name}.html").read_bytes()
    return CONVERTER.convert(data, StreamInfo(kind="html", url=PAGE_URL), ConvertOptions()).markdown


def test_every_fixture_has_expected_markdown() -> None:
    assert len(CASES) >= 14
    missing = [name for name in CASES if not (FIXTURES / f"{name}.md").is_file()]
    assert missing == []


@pytest.mark.parametrize("name", CASES)
def test_golden_markdown(name: str) -> None:
    expected = (FIXTURES / f"{name}.md").read_text(encoding="utf-8")
    assert convert_fixture(name) == expected


@pytest.mark.parametrize("name", CASES)
def test_output_has_no_raw_html_or_blank_runs(name: str) -> None:
    markdown = convert_fixture(name)
    assert "\n\n\n" not in markdown.split("```")[0]
    assert re.search(r"(?<!\\)<(script|div|p|span|img|a|table|template)\b", markdown) is None
    assert "javascript:" not in markdown
    assert "[]" not in markdown.replace("![]", "")

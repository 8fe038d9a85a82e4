"""The `pages` parser and formatter."""

from __future__ import annotations

import pytest

from doc_reader.convert.pdf_pages import format_pages, parse_pages
from doc_reader.errors import InputError


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("1", [0]), ("1-3,7", [0, 1, 2, 6]), ("3, 1-2, 2", [0, 1, 2]), ("9-", [8, 9]), ("10", [9])],
)
def test_parse_pages(spec: str, expected: list[int]) -> None:
    assert parse_pages(spec, 10) == expected


@pytest.mark.parametrize("spec", ["", "0", "a", "1-2-3", "3-1", "1,,2", "-2", "11", "5-12"])
def test_parse_pages_rejects(spec: str) -> None:
    with pytest.raises(InputError, match="page"):
        parse_pages(spec, 10)


def test_out_of_range_message_names_the_page_count() -> None:
    with pytest.raises(InputError, match="has 10 page"):
        parse_pages("11", 10)


def test_format_pages() -> None:
    assert format_pages([1, 2, 3, 7, 9, 10]) == "1-3,7,9-10"
    assert parse_pages(format_pages([4, 5, 8]), 10) == [3, 4, 7]

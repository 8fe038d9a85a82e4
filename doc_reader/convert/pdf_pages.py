"""Parsing the caller's `pages` selection ("1-3,7", 1-based) into page indices."""

from __future__ import annotations

import re

from doc_reader.errors import InputError

_PART = re.compile(r"^(\d{1,9})(?:\s*-\s*(\d{1,9})?)?$")


def parse_pages(spec: str, page_count: int) -> list[int]:
    """Return the 0-based page indices selected by `spec`, sorted and unique.

    `spec` is a comma-separated list of 1-based pages or ranges ("1-3,7", "5-" for 5 to the end).
    Raises InputError on bad syntax, a reversed range, or a page past `page_count`.
    """
    indices: set[int] = set()
    parts = [part.strip() for part in spec.split(",")]
    shown = spec if len(spec) <= 40 else spec[:40] + "..."
    invalid = InputError(f'The pages value "{shown}" is not valid; use pages like "1-3,7".')
    if not spec.strip() or any(not part for part in parts):
        raise invalid
    for part in parts:
        match = _PART.match(part)
        if match is None:
            raise invalid
        first = int(match.group(1))
        last = first if "-" not in part else int(match.group(2) or page_count)
        if first < 1 or last < first:
            raise InputError(f'The page range "{part}" is not valid; pages start at 1 and ranges go upwards.')
        if last > page_count:
            raise InputError(f'The page range "{part}" is past the end; this document has {page_count} page(s).')
        indices.update(range(first - 1, last))
    return sorted(indices)


def format_pages(numbers: list[int]) -> str:
    """Sorted 1-based page numbers as a compact `pages` value: [1, 2, 3, 7] -> "1-3,7"."""
    ranges: list[list[int]] = []
    for number in numbers:
        if ranges and number == ranges[-1][1] + 1:
            ranges[-1][1] = number
        else:
            ranges.append([number, number])
    return ",".join(str(first) if first == last else f"{first}-{last}" for first, last in ranges)

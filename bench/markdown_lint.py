"""Markdown hygiene on the WCXB dev split: what the word F1 cannot see.

    .venv/bin/python -m bench.markdown_lint [--limit N]

Converts every dev page with `extract="main"` and `extract="full"` and counts the
documents that hold at least one line (outside fenced code) a reader would trip
over: a line that is only a backslash (a `<br>` with nothing around it), touching
bold runs (`**a****b**`), an empty heading, a lone list marker (an empty list item),
a table row with no text in any cell, an image without alt text, a line of separators
alone (`|`, `•`), a no-break space or invisible character (zero-width space, soft hyphen)
outside code, a link whose target holds `javascript:`, link text that starts with a
heading or quote marker (`[### Title](url)`), a header separator in the middle of a table,
a table of an empty header row alone, UTF-8 text read as Windows-1252 or Latin-1
(`Ã©` for `é`, `â€™` for `’`), a rule inside a list item or link (`- ---`, `[---](url)`), and
the same picture or heading as two paragraphs in a row. Lines are checked as written; nothing is scored
against ground truth.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from multiprocessing import Pool

from bench.html import Page, load_pages
from doc_reader.convert.base import ConvertOptions, StreamInfo
from doc_reader.convert.html import CONVERTER

MODES = ("main", "full")
_FENCE = re.compile(r"^(`{3,}|~{3,})")
_TABLE_SEPARATOR = re.compile(r"\| ?:?-{3,}")
_SEPARATORS = re.compile(r"\||[•·∙‧◦▪‣/–—]+(?: +[•·∙‧◦▪‣/–—]+)*")
_INVISIBLE = re.compile("[\u00a0\u202f\u2007\u200b\u2060\ufeff\u00ad]")
_INLINE_CODE = re.compile(r"`[^`]*`")
_SCRIPT_TARGET = re.compile(r"\]\([^)]*javascript:", re.IGNORECASE)
_MARKER_IN_LINK = re.compile(r"(?<![\\!])\[(?:#{1,6}|>) ")
# A rule as a list item, indented under one, or as link text: `- ---`, `  ---`, `[---](url)`.
_RULE_IN_ITEM = re.compile(r"^(?:\s*(?:[-*+]|\d+[.)]) |\s+)---$|\[---\]\(")
# The commonest traces of UTF-8 decoded as a single-byte charset: `Ã©` (é), `Â ` (no-break space), `â€™` (’).
_MOJIBAKE = re.compile("[\u00c2\u00c3][\u0080-\u00bf]|\u00e2(?:\u20ac|\u0080)")
CHECKS: dict[str, Callable[[str], bool]] = {
    "line of only a backslash": lambda line: line.strip() == "\\",
    "touching bold runs (`****`)": lambda line: re.search(r"(?<!\\)\*\*\*\*", line) is not None,
    "empty heading": lambda line: re.fullmatch(r"#{1,6}\s*", line) is not None,
    "lone list marker": lambda line: re.fullmatch(r"\s*[-*+]\s*", line) is not None,
    "table row with no text": lambda line: re.fullmatch(r"\|( \|)+", line) is not None,
    "image without alt text": lambda line: "![](" in line,
    "line of separators alone": lambda line: _SEPARATORS.fullmatch(line.strip()) is not None,
    "no-break space or invisible character": lambda line: _INVISIBLE.search(_INLINE_CODE.sub("", line)) is not None,
    "`javascript:` in a link target": lambda line: _SCRIPT_TARGET.search(line) is not None,
    "heading or quote marker in link text": lambda line: _MARKER_IN_LINK.search(line) is not None,
    "rule inside a list item or link": lambda line: _RULE_IN_ITEM.search(line) is not None,
    "UTF-8 read as a single-byte charset (`Ã©`, `â€™`)": lambda line: _MOJIBAKE.search(line) is not None,
}
# Paragraphs that say nothing new when the same one comes right before: a picture (a linked one too) or a heading.
REPEATS = {
    "the same picture twice in a row": re.compile(r"\[?!\[[^\]]*\]\([^)]*\)(?:\]\([^)]*\))?"),
    "the same heading twice in a row": re.compile(r"#{1,6} .*"),
}
_EMPTY_ROW = re.compile(r"\|( \|)+")
# Checks of a header separator line, given the two lines before it and the line after it.
TABLE_CHECKS: dict[str, Callable[[str, str, str], bool]] = {
    "header separator inside a table": lambda before, header, after: before.startswith("|"),
    "table of an empty header alone": lambda before, header, after: (
        _EMPTY_ROW.fullmatch(header) is not None and not after.startswith("|")
    ),
}


def defects(markdown: str) -> set[str]:
    """The names of the checks that at least one line of `markdown` fails."""
    found: set[str] = set()
    lines = markdown.split("\n")
    fence: str | None = None
    for index, line in enumerate(lines):
        marker = _FENCE.match(line)
        if fence is not None:
            if marker and marker.group(1).startswith(fence):
                fence = None
            continue
        if marker:
            fence = marker.group(1)
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if index > 1 and not lines[index - 1] and line == lines[index - 2]:
            found.update(name for name, paragraph in REPEATS.items() if paragraph.fullmatch(line))
        if _TABLE_SEPARATOR.match(line):
            before, header = (lines[index - 2] if index > 1 else ""), (lines[index - 1] if index else "")
            found.update(name for name, check in TABLE_CHECKS.items() if check(before, header, following))
        for name, check in CHECKS.items():
            # An empty header row is GFM's only way to write a table without one.
            header = name == "table row with no text" and _TABLE_SEPARATOR.match(following) is not None
            if not header and check(line):
                found.add(name)
    return found


def page_defects(page: Page) -> list[set[str]]:
    """The defects of one page's Markdown in each mode of `MODES`."""
    info = StreamInfo(kind="html", charset="utf-8", url=page.url or None)
    data = page.html.encode("utf-8")
    return [defects(CONVERTER.convert(data, info, ConvertOptions(extract=mode)).markdown) for mode in MODES]


def main(argv: list[str] | None = None) -> int:
    """Convert the dev pages in both modes and print, per check, how many documents fail it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    args = parser.parse_args(argv)
    pages = list(load_pages(args.limit, None))
    with Pool(2) as pool:
        results = pool.map(page_defects, pages, chunksize=8)
    print(f"{len(pages)} pages, {len(pages) * len(MODES)} conversions ({' and '.join(MODES)})\n")
    print("| check | " + " | ".join(f"extract={mode}" for mode in MODES) + " | all |")
    print("| --- | " + " | ".join("---:" for _ in MODES) + " | ---: |")
    for name in [*CHECKS, *REPEATS, *TABLE_CHECKS]:
        counts = [sum(name in result[i] for result in results) for i in range(len(MODES))]
        print(f"| {name} | " + " | ".join(str(c) for c in counts) + f" | {sum(counts)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""From positioned text lines to Markdown: headers and footers, headings, paragraphs, lists, tables, columns.

This module knows nothing about PDF engines. `pdf.py` gives it, per page, the engine's text lines in
reading order (with a box, font size and weight for each) and the page's text rectangles grouped into
`Grid`s (found by `pdf_tables.py`), and it returns Markdown. Coordinates are PDF points with y growing upwards.

PDF lines are kept as lines inside a paragraph: in Markdown a single newline is a soft break, so the
paragraph still reads as one, and keeping the PDF's lines keeps quotes easy to find in the original.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from doc_reader.convert.links import Links
from doc_reader.convert.pdf_tables import Grid

_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_LIGATURE = re.compile("[ﬀ-ﬆ]")
# pdfium marks a hyphen it removed at a line end with U+FFFE (in ranges) or U+0002 (in bounded text).
_SOFT_HYPHEN = re.compile(r"(\w*)[\ufffe\x02](\S*) ?")
# Line-end hyphens after these prefixes are real hyphens ("non-linear"), not word breaks.
_HYPHEN_PREFIXES = frozenset({"non", "self", "semi", "anti", "cross", "well"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufeff]")
_BULLET = re.compile(r"^[•◦▪▫●○■□‣⁃∙·\-–*]\s+")
_NUMBERED = re.compile(r"^(?:\d{1,3}|[a-zA-Z]|[ivxIVX]{1,4})[.)]\s+")
_DIGITS = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[\W_]+")
_MAX_HEADING_LEVEL = 4


@dataclass(slots=True)
class Line:
    """One line of text as the engine read it, with its box (PDF points), font size and weight."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool = False


@dataclass(slots=True)
class Page:
    """What the engine read from one page."""

    number: int
    height: float
    lines: list[Line]
    grids: list[Grid] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)


def clean_text(text: str) -> str:
    """Expand ligatures, join words split by a line-end hyphen, and drop control characters."""
    # The checks skip work most text does not need: translate() with a table is slow per character.
    if _LIGATURE.search(text):
        text = text.translate(_LIGATURES)
    if "\ufffe" in text or "\x02" in text:
        text = _SOFT_HYPHEN.sub(_join_hyphenated, text)
    return _CONTROL.sub("", text).rstrip("\n")


def _join_hyphenated(match: re.Match[str]) -> str:
    """Join a word split at a line end and put the rest of the line on its own line, as in the PDF."""
    head, tail = match.group(1), match.group(2)
    joiner = "-" if head.lower() in _HYPHEN_PREFIXES else ""
    return f"{head}{joiner}{tail}\n"


# Running headers and footers


def remove_running_lines(pages: list[Page]) -> None:
    """Drop lines near the top or bottom edge whose text (digits ignored) repeats on several pages."""
    if len(pages) < 2:
        return
    edge_keys = [{id(line): _running_key(line) for line in _edge_lines(page)} for page in pages]
    counts = Counter(key for keys in edge_keys for key in set(keys.values()))
    threshold = max(2, len(pages) // 4)
    repeated = {key for key, count in counts.items() if count >= threshold}
    for page, keys in zip(pages, edge_keys, strict=True):
        edge = {line_id for line_id, key in keys.items() if key in repeated}
        page.lines = [line for line in page.lines if id(line) not in edge]


def _edge_lines(page: Page) -> list[Line]:
    margin = page.height * 0.1
    return [line for line in page.lines if line.bottom > page.height - margin or line.top < margin]


def _running_key(line: Line) -> str:
    return _DIGITS.sub("#", " ".join(line.text.lower().split()))


# Headings


def body_size(pages: list[Page]) -> float:
    """The font size carrying the most characters (rounded to half points)."""
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _outline_key(text: str) -> str:
    return _NOT_WORD.sub("", text.lower())


class HeadingRules:
    """Decides which lines are headings and at which level, from font statistics and the outline."""

    def __init__(self, pages: list[Page], outline: list[tuple[str, int]]) -> None:
        self.body = body_size(pages)
        self.outline = {_outline_key(title): min(depth + 1, _MAX_HEADING_LEVEL) for title, depth in outline}
        sizes = sorted({round(line.size) for page in pages for line in page.lines if self._large(line)}, reverse=True)
        self.level_of_size = {size: min(rank + 1, _MAX_HEADING_LEVEL) for rank, size in enumerate(sizes)}
        self.bold_level = min(len(sizes) + 1, _MAX_HEADING_LEVEL)

    def _large(self, line: Line) -> bool:
        return line.size >= self.body * 1.15 and self._looks_like_heading(line.text)

    @staticmethod
    def _looks_like_heading(text: str) -> bool:
        return len(text) <= 120 and sum(char.isalpha() for char in text) >= 3 and not text.rstrip().endswith(",")

    def level(self, line: Line) -> int | None:
        """The heading level of `line`, or None for body text."""
        from_outline = self.outline.get(_outline_key(line.text))
        if from_outline is not None:
            return from_outline
        if self._large(line):
            return self.level_of_size[round(line.size)]
        if not self.outline and line.bold and abs(line.size - self.body) < 1 and self._looks_like_heading(line.text):
            return self.bold_level
        return None


# Blocks


@dataclass(slots=True)
class _Block:
    kind: str  # "heading", "paragraph", "item"
    lines: list[Line]
    level: int = 0

    def markdown(self) -> str:
        text = clean_text("\n".join(line.text.strip() for line in self.lines))
        if self.kind == "heading":
            return "#" * self.level + " " + " ".join(text.split())
        if self.kind == "item":
            return _BULLET.sub("- ", text, count=1)
        return text


def _left_edges(lines: list[Line]) -> list[float]:
    """x positions where at least three lines start: the page's column margins."""
    counts = Counter(round(line.x0) for line in lines)
    return sorted(x for x, count in counts.items() if count >= 3)


def _indented(line: Line, edges: list[float]) -> bool:
    below = [edge for edge in edges if edge <= line.x0 + 1]
    return bool(below) and 0.6 * line.size < line.x0 - below[-1] < 5 * line.size


def _starts_block(previous: Line, line: Line, edges: list[float], block: _Block) -> bool:
    if abs(previous.size - line.size) > 0.9 and min(len(previous.text), len(line.text)) > 20:
        return True
    moved_down = previous.bottom - line.top
    if moved_down > 0.8 * line.size:
        return True
    if block.kind == "item":
        return line.x0 < block.lines[0].x0 - 1
    return moved_down > -line.size and _indented(line, edges) and not _indented(previous, edges)


def _is_item(line: Line, previous: _Block | None) -> bool:
    text = line.text.lstrip()
    if _BULLET.match(text):
        return True
    follows_list = previous is not None and (previous.kind == "item" or previous.lines[-1].text.rstrip().endswith(":"))
    return follows_list and _NUMBERED.match(text) is not None


def page_blocks(lines: list[Line], rules: HeadingRules) -> list[_Block]:
    """Split a page's lines into headings, list items and paragraphs."""
    edges = _left_edges(lines)
    blocks: list[_Block] = []
    for line in lines:
        level = rules.level(line)
        current = blocks[-1] if blocks else None
        if level is not None:
            if current and current.kind == "heading" and current.level == level and len(current.lines) < 3:
                current.lines.append(line)
            else:
                blocks.append(_Block("heading", [line], level))
        elif _is_item(line, current):
            blocks.append(_Block("item", [line]))
        elif current is None or current.kind == "heading" or _starts_block(current.lines[-1], line, edges, current):
            blocks.append(_Block("paragraph", [line]))
        else:
            current.lines.append(line)
    return blocks


# Tables and columns


def table_markdown(grid: Grid) -> str:
    """A GFM table with the first row as header; a cell's lines are joined with spaces."""
    rows = [[" ".join(clean_text(cell.text).split()).replace("|", "\\|") for cell in row] for row in grid.rows]
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    lines.insert(1, "|" + " --- |" * len(rows[0]))
    return "\n".join(lines)


def columns_markdown(grid: Grid) -> str:
    """Side-by-side columns read one after the other, top to bottom."""
    columns = zip(*grid.rows, strict=True)
    return "\n\n".join("\n".join(clean_text(cell.text).strip() for cell in column) for column in columns)


def page_markdown(page: Page, rules: HeadingRules, writer: Links) -> str:
    """Markdown for one page: grids replace the lines they cover; `writer` links the anchor texts."""
    pieces: list[str] = []
    pending: list[Line] = []
    placed: set[int] = set()
    grids = [grid for grid in page.grids if grid.usable()]
    for line in page.lines:
        grid = next((grid for grid in grids if grid.covers(line)), None)
        if grid is None:
            pending.append(line)
            continue
        if id(grid) not in placed:
            placed.add(id(grid))
            pieces.extend(_blocks_markdown(page_blocks(pending, rules)))
            pending = []
            pieces.append(columns_markdown(grid) if grid.columns else table_markdown(grid))
    pieces.extend(_blocks_markdown(page_blocks(pending, rules)))
    return _add_links("\n\n".join(piece for piece in pieces if piece.strip()), page.links, writer)


def _same_list(one: _Block, other: _Block) -> bool:
    return bool(_BULLET.match(one.lines[0].text)) == bool(_BULLET.match(other.lines[0].text))


def _blocks_markdown(blocks: list[_Block]) -> list[str]:
    """Markdown per block; consecutive list items stay together as one tight list."""
    pieces: list[str] = []
    for previous, block in zip([None, *blocks], blocks, strict=False):
        if previous is not None and previous.kind == block.kind == "item" and _same_list(previous, block):
            pieces[-1] += "\n" + block.markdown()
        else:
            pieces.append(block.markdown())
    return pieces


def _add_links(markdown: str, links: list[tuple[str, str]], writer: Links) -> str:
    for anchor, uri in links:
        position = markdown.find(anchor)
        if position >= 0 and markdown[position - 1 : position] != "[":
            markdown = f"{markdown[:position]}{writer.link(anchor, uri)}{markdown[position + len(anchor) :]}"
    return markdown

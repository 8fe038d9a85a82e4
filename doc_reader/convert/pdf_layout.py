"""From positioned text lines to Markdown: headers and footers, headings, paragraphs, lists, tables, columns.

This module knows nothing about PDF engines. `pdf.py` gives it, per page, the engine's text lines in
reading order (with a box, font size and weight for each) and the page's text rectangles grouped into
`Grid`s, and it returns Markdown. Coordinates are PDF points with y growing upwards.

PDF lines are kept as lines inside a paragraph: in Markdown a single newline is a soft break, so the
paragraph still reads as one, and keeping the PDF's lines keeps quotes easy to find in the original.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

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
class Cell:
    """A run of text on one row whose neighbours on the row are far away (a table cell or a column)."""

    x0: float
    x1: float
    top: float
    bottom: float
    text: str = ""


@dataclass(slots=True)
class Grid:
    """Consecutive rows with the same number of horizontally aligned cells: a table or side-by-side columns."""

    rows: list[list[Cell]]

    @property
    def columns(self) -> bool:
        """True when the cells hold prose (several words each): side-by-side columns, not a table."""
        cells = [cell for row in self.rows for cell in row]
        return sum(len(cell.text.split()) for cell in cells) >= 4 * len(cells)

    @property
    def top(self) -> float:
        """Top of the first row."""
        return max(cell.top for cell in self.rows[0])

    @property
    def bottom(self) -> float:
        """Bottom of the last row."""
        return min(cell.bottom for cell in self.rows[-1])


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


# Finding tables and columns from text rectangles

Rect = tuple[float, float, float, float]


def _wide_gap(height: float) -> float:
    """The horizontal gap between two runs of text that separates cells rather than words."""
    return max(1.2 * height, 6.0)


def gapped_rows(rects: list[Rect]) -> int:
    """How many rows hold two rectangles, one right after the other in reading order, across a wide gap.

    Only there did the engine read one line across table cells or columns, so a page with none
    needs no grid search (most pages: the search costs more than reading the text).
    """
    rows = set()
    for (left, bottom, right, top), (next_left, next_bottom, next_right, next_top) in zip(rects, rects[1:]):
        height = top - bottom
        if abs(bottom + top - next_bottom - next_top) < max(height, 1.0) and (
            max(next_left - right, left - next_right) >= _wide_gap(height)
        ):
            rows.add(round(bottom + top))
    return len(rows)


def find_grids(rects: Iterable[Rect]) -> list[Grid]:
    """Group text rectangles (left, bottom, right, top) into rows and return runs of aligned multi-cell rows.

    A run of at least three rows with the same number (>= 2) of cells, each cell overlapping the one
    above it and no other, is a grid.
    """
    grids: list[Grid] = []
    run: list[list[Cell]] = []
    for row in [*_rows(rects), []]:
        cells = _cells(row) if len(row) >= 2 else []
        if run and _continues(run[-1], cells):
            run.append(cells)
            continue
        if len(run) >= 3:
            grids.append(Grid(rows=run))
        run = [cells] if len(cells) >= 2 else []
    return grids


def _rows(rects: Iterable[Rect]) -> list[list[Rect]]:
    """Rectangles grouped by shared vertical centre, top row first, each row sorted left to right."""
    rows: list[list[Rect]] = []
    row_centre = float("inf")
    for rect in sorted(rects, key=lambda rect: -(rect[1] + rect[3])):
        centre, height = (rect[1] + rect[3]) / 2, rect[3] - rect[1]
        if rows and row_centre - centre < max(height, 1.0) / 2:
            rows[-1].append(rect)
        else:
            rows.append([rect])
            row_centre = centre
    for row in rows:
        row.sort()
    return rows


def _cells(row: list[Rect]) -> list[Cell]:
    """Merge rectangles of a row closer than about one text height (one run of words) into cells."""
    left, bottom, right, top = row[0]
    merged = [Cell(left, right, top, bottom)]
    for left, bottom, right, top in row[1:]:
        last = merged[-1]
        if left - last.x1 < _wide_gap(last.top - last.bottom):
            last.x1, last.top, last.bottom = max(last.x1, right), max(last.top, top), min(last.bottom, bottom)
        else:
            merged.append(Cell(left, right, top, bottom))
    return merged


def _continues(above: list[Cell], row: list[Cell]) -> bool:
    if len(row) < 2 or len(row) != len(above):
        return False
    line_gap = min(cell.bottom for cell in above) - max(cell.top for cell in row)
    if line_gap > 2.5 * (row[0].top - row[0].bottom):
        return False
    return all([other for other in above if _overlaps(cell, other)] == [above[index]] for index, cell in enumerate(row))


def _overlaps(one: Cell, other: Cell) -> bool:
    return one.x0 < other.x1 and other.x0 < one.x1


def spanned_grids(grids: list[Grid], lines: list[Line]) -> list[Grid]:
    """The grids that some engine line runs across: there the engine's reading order mixed cells or columns."""
    return [grid for grid in grids if any(grid_spans(grid, line) for line in lines)]


def grid_spans(grid: Grid, line: Line) -> bool:
    """True if `line` lies inside the grid's rows and runs across at least two of its cells."""
    centre = (line.top + line.bottom) / 2
    if not grid.bottom <= centre <= grid.top:
        return False
    return sum(1 for cell in grid.rows[0] if line.x0 < cell.x1 and cell.x0 < line.x1) >= 2


# Running headers and footers


def remove_running_lines(pages: list[Page]) -> None:
    """Drop lines near the top or bottom edge whose text (digits ignored) repeats on several pages."""
    if len(pages) < 2:
        return
    keys = [{_running_key(line) for line in _edge_lines(page)} for page in pages]
    counts = Counter(key for page_keys in keys for key in page_keys)
    threshold = max(2, len(pages) // 4)
    repeated = {key for key, count in counts.items() if count >= threshold}
    for page in pages:
        edge = {id(line) for line in _edge_lines(page) if _running_key(line) in repeated}
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
    """A GFM table with the first row as header."""
    rows = [[" ".join(clean_text(cell.text).split()).replace("|", "\\|") for cell in row] for row in grid.rows]
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    lines.insert(1, "|" + " --- |" * len(rows[0]))
    return "\n".join(lines)


def columns_markdown(grid: Grid) -> str:
    """Side-by-side columns read one after the other, top to bottom."""
    columns = zip(*grid.rows, strict=True)
    return "\n\n".join("\n".join(clean_text(cell.text).strip() for cell in column) for column in columns)


def _regular(grid: Grid) -> bool:
    """A table is kept only if every cell has text and no cell text spans several lines."""
    return all(cell.text.strip() and "\n" not in cell.text.strip() for row in grid.rows for cell in row)


def page_markdown(page: Page, rules: HeadingRules) -> str:
    """Markdown for one page: grids replace the lines they cover; links wrap their anchor text."""
    pieces: list[str] = []
    pending: list[Line] = []
    placed: set[int] = set()
    grids = [grid for grid in page.grids if grid.columns or _regular(grid)]
    for line in page.lines:
        grid = next((grid for grid in grids if grid_spans(grid, line)), None)
        if grid is None:
            pending.append(line)
            continue
        if id(grid) not in placed:
            placed.add(id(grid))
            pieces.extend(_blocks_markdown(page_blocks(pending, rules)))
            pending = []
            pieces.append(columns_markdown(grid) if grid.columns else table_markdown(grid))
    pieces.extend(_blocks_markdown(page_blocks(pending, rules)))
    return _add_links("\n\n".join(piece for piece in pieces if piece.strip()), page.links)


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


def _add_links(markdown: str, links: list[tuple[str, str]]) -> str:
    for anchor, uri in links:
        target = uri.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        position = markdown.find(anchor)
        if position >= 0 and markdown[position - 1 : position] != "[":
            markdown = f"{markdown[:position]}[{anchor}]({target}){markdown[position + len(anchor) :]}"
    return markdown

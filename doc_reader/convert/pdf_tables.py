"""Tables and side-by-side columns, from the engine's text rectangles and the page's ruling lines.

Like `pdf_layout.py` this module knows nothing about PDF engines: `pdf.py` gives it the page's text
rectangles (runs of one text object on a line, in reading order) and the bounds of its path objects,
and fills the text of the cells of the grids found here. Rectangles are (left, bottom, right, top)
in PDF points, y upwards.

Two sources of grids:
- aligned text: runs of at least three rows with the same number of cells, each cell under the one
  above (tables without rules, and two columns of prose side by side);
- ruling lines: horizontal rules of the same extent bound a table (booktabs-style top, middle and
  bottom rules, or a full lattice); columns come from the vertical rules and from the x-ranges that
  no body text covers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from statistics import median
from typing import Protocol

Rect = tuple[float, float, float, float]

_SNAP = 2.0  # points: rule ends and positions closer than this are the same
THIN = 3.0  # points: a path thinner than this is a rule (a line, or a filled thin rectangle), not a box
_MIN_RULE = 10.0  # shorter thin paths are glyph parts, underlines of a letter, tick marks


class Box(Protocol):
    """Anything with a box: the engine's lines."""

    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(slots=True)
class Cell:
    """A table cell or a column's run of text. `spanned` cells are covered by the cell on their left."""

    x0: float
    x1: float
    top: float
    bottom: float
    text: str = ""
    spanned: bool = False


@dataclass(slots=True)
class Grid:
    """Rows with the same number of cells: a table, or side-by-side columns of prose.

    A ruled grid has the `box` its rules enclose: every line inside it belongs to the table.
    """

    rows: list[list[Cell]]
    box: Rect | None = None
    cells: list[Cell] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.cells = [cell for row in self.rows for cell in row]

    @property
    def columns(self) -> bool:
        """True when an unruled grid's cells hold prose (several words each): columns, not a table."""
        if self.box is not None:
            return False
        return sum(len(cell.text.split()) for cell in self.cells) >= 4 * len(self.cells)

    @property
    def top(self) -> float:
        """Top of the grid."""
        return self.box[3] if self.box else max(cell.top for cell in self.rows[0])

    @property
    def bottom(self) -> float:
        """Bottom of the grid."""
        return self.box[1] if self.box else min(cell.bottom for cell in self.rows[-1])

    def covers(self, line: Box) -> bool:
        """True if the grid replaces `line`: inside a ruled grid's box, or across two cells of an unruled one."""
        centre = (line.top + line.bottom) / 2
        if not self.bottom <= centre <= self.top:
            return False
        if self.box is not None:
            return self.box[0] - _SNAP <= line.x0 and line.x1 <= self.box[2] + _SNAP
        return sum(1 for cell in self.rows[0] if _overlaps(line, cell)) >= 2

    def usable(self) -> bool:
        """Columns are always read; a table only if it is regular.

        Unruled: every cell has one line of text (anything else is more likely prose than a table).
        Ruled: every row and every column has some text (cells may wrap: the rules bound them).
        """
        if self.columns:
            return True
        if self.box is None:
            return all(cell.text.strip() and "\n" not in cell.text.strip() for cell in self.cells)
        filled = [[bool(cell.text.strip()) for cell in row] for row in self.rows]
        return all(any(row) for row in filled) and all(any(column) for column in zip(*filled, strict=True))


def fill_text(grids: list[Grid], text_in: Callable[[Cell], str]) -> None:
    """Give every cell not covered by its left neighbour the engine's text inside its box."""
    for grid in grids:
        for cell in grid.cells:
            if not cell.spanned:
                cell.text = text_in(cell)


def _wide_gap(height: float) -> float:
    """The horizontal gap between two runs of text that separates cells rather than words."""
    return max(1.2 * height, 6.0)


def row_gaps(rects: list[Rect]) -> Counter[int]:
    """Per engine line (keyed by its first rectangle), how often two rectangles read one after the other
    on that row jump a wide gap.

    Only there did the engine read one line across table cells or columns, so a page with none
    needs no grid search (most pages: the search costs more than reading the text).
    """
    gaps: Counter[int] = Counter()
    key = None
    for (left, bottom, right, top), (next_left, next_bottom, next_right, next_top) in pairwise(rects):
        height = top - bottom
        if abs(bottom + top - next_bottom - next_top) >= max(height, 1.0):
            key = None
            continue
        key = round(bottom + top) if key is None else key
        if max(next_left - right, left - next_right) >= _wide_gap(height):
            gaps[key] += 1
    return gaps


# Grids from aligned text


def find_grids(rects: Iterable[Rect]) -> list[Grid]:
    """Group text rectangles into rows and return runs of aligned multi-cell rows.

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


def _overlaps(one: Box, other: Box) -> bool:
    return one.x0 < other.x1 and other.x0 < one.x1


def spanned_grids(grids: list[Grid], lines: list[Box]) -> list[Grid]:
    """The grids that some engine line runs across: there the engine's reading order mixed cells or columns."""
    return [grid for grid in grids if any(grid.covers(line) for line in lines)]


# Grids from ruling lines


def ruled_grids(paths: Iterable[Rect], rects: list[Rect]) -> list[Grid]:
    """Tables bounded by horizontal rules of one extent, with their text rectangles as rows and columns.

    A region holding more drawings (curves, tick marks) than half its text runs is a figure, not a table.
    """
    horizontal, vertical, drawings = _rules(paths)
    grids: list[Grid] = []
    for box, first_rule in _regions(horizontal, rects):
        if any(grid.box and _boxes_overlap(box, grid.box) for grid in grids):
            continue
        inside = [rect for rect in rects if _inside(rect, box)]
        if 2 * sum(1 for drawing in drawings if _inside(drawing, box)) > len(inside):
            continue
        grid = _ruled_grid(box, first_rule, inside, _rule_edges(box, vertical))
        if grid is not None:
            grids.append(grid)
    return grids


def _rules(paths: Iterable[Rect]) -> tuple[list[Rect], list[Rect], list[Rect]]:
    """Thin, long path bounds as horizontal and vertical rules (collinear touching pieces joined), and the rest."""
    horizontal, vertical, drawings = [], [], []
    for left, bottom, right, top in paths:
        width, height = right - left, top - bottom
        if height <= THIN and width >= _MIN_RULE:
            horizontal.append((left, (bottom + top) / 2, right, (bottom + top) / 2))
        elif width <= THIN and height >= _MIN_RULE:
            vertical.append(((left + right) / 2, bottom, (left + right) / 2, top))
        else:
            drawings.append((left, bottom, right, top))
    return _join(horizontal, along=0), _join(vertical, along=1), drawings


def _join(rules: list[Rect], along: int) -> list[Rect]:
    """Join rules on one line (same position across) whose ends touch; `along` is 0 for x, 1 for y.

    Word draws each cell's border separately and LaTeX each row's piece of a vertical rule.
    """
    across = 1 - along
    joined: list[list[float]] = []
    for rule in sorted(rules, key=lambda rule: (round(rule[across] / _SNAP), rule[along])):
        last = joined[-1] if joined else None
        if last and abs(last[across] - rule[across]) <= _SNAP and rule[along] <= last[along + 2] + _SNAP:
            last[along + 2] = max(last[along + 2], rule[along + 2])
        else:
            joined.append(list(rule))
    return [(a, b, c, d) for a, b, c, d in joined]


def _regions(horizontal: list[Rect], rects: list[Rect]) -> list[tuple[Rect, float]]:
    """Boxes bounded by two or more horizontal rules with the same ends, widest first.

    Rules with the same ends are split into several boxes at a band holding prose (a caption or a
    paragraph between two tables). Each box comes with the y of its second rule from
    the top: with three or more rules, the rows below it are the body (a header above may span columns).
    """
    groups: list[list[Rect]] = []
    for rule in sorted(horizontal, key=lambda rule: rule[2] - rule[0], reverse=True):
        group = next((g for g in groups if abs(g[0][0] - rule[0]) <= _SNAP and abs(g[0][2] - rule[2]) <= _SNAP), None)
        if group is None:
            groups.append([rule])
        else:
            group.append(rule)
    regions = []
    for group in groups:
        left, right = group[0][0], group[0][2]
        runs: list[list[float]] = [[]]
        for y in sorted({round(rule[1], 1) for rule in group}, reverse=True):
            if runs[-1] and _prose_between(rects, (left, y, right, runs[-1][-1])):
                runs.append([])
            runs[-1].append(y)
        regions.extend(((left, ys[-1], right, ys[0]), ys[1] if len(ys) >= 3 else ys[0]) for ys in runs if len(ys) >= 2)
    return regions


def _prose_between(rects: list[Rect], band: Rect) -> bool:
    """True if some row in the band is one run of text, without a wide gap, across most of its width."""
    width = band[2] - band[0]
    rows = _rows(rect for rect in rects if _inside(rect, band))
    return any(len(cells) == 1 and cells[0].x1 - cells[0].x0 >= 0.75 * width for cells in map(_cells, rows))


def _inside(rect: Rect, box: Rect) -> bool:
    centre = (rect[1] + rect[3]) / 2
    return box[1] < centre < box[3] and box[0] - _SNAP <= rect[0] and rect[2] <= box[2] + _SNAP


def _boxes_overlap(one: Rect, other: Rect) -> bool:
    return one[0] < other[2] and other[0] < one[2] and one[1] < other[3] and other[1] < one[3]


def _rule_edges(box: Rect, vertical: list[Rect]) -> list[float]:
    """x of the vertical rules inside the region that cover at least half its height."""
    left, bottom, right, top = box
    cover: dict[float, float] = {}
    for x, rule_bottom, _, rule_top in vertical:
        key = next((edge for edge in cover if abs(edge - x) <= _SNAP), x)
        cover[key] = cover.get(key, 0.0) + max(0.0, min(top, rule_top) - max(bottom, rule_bottom))
    return sorted(x for x, length in cover.items() if length >= (top - bottom) / 2 and left + _SNAP < x < right - _SNAP)


def _ruled_grid(box: Rect, first_rule: float, inside: list[Rect], rule_xs: list[float]) -> Grid | None:
    """The grid in one ruled region (each text row a row), or None with fewer than two rows or two columns.

    A cell's text that wraps gives a second row with the other cells empty: which text rows belong
    together cannot be told from the rules (some tables rule groups of rows, not rows).
    """
    rows = _text_rows(inside)
    if len(rows) < 2:
        return None
    body = [rect for rect in inside if (rect[1] + rect[3]) / 2 < first_rule] or inside
    edges = _column_edges(box, body, rule_xs)
    if len(edges) < 3:
        return None
    return Grid(rows=[_row_cells(edges, row, band) for row, band in zip(rows, _bands(rows), strict=True)], box=box)


def _text_rows(inside: list[Rect]) -> list[list[Rect]]:
    """The region's text rows, top down: rectangles grouped by centre, rows overlapping by half or more joined."""
    rows: list[list[Rect]] = []
    for row in _rows(inside):
        if rows and _overlap(rows[-1], row) >= min(_height(rows[-1]), _height(row)) / 2:
            rows[-1].extend(row)
        else:
            rows.append(row)
    return rows


def _extent(row: list[Rect]) -> tuple[float, float]:
    return max(rect[3] for rect in row), min(rect[1] for rect in row)


def _height(row: list[Rect]) -> float:
    top, bottom = _extent(row)
    return top - bottom


def _overlap(upper: list[Rect], lower: list[Rect]) -> float:
    (top, bottom), (next_top, next_bottom) = _extent(upper), _extent(lower)
    return min(top, next_top) - max(bottom, next_bottom)


def _bands(rows: list[list[Rect]]) -> list[tuple[float, float]]:
    """(top, bottom) per row: its extent, cut where it overlaps a neighbour's halfway between their centres.

    The engine gives a box's text by intersection, so bands must not overlap or text would repeat.
    """
    bands = [list(_extent(row)) for row in rows]
    for upper, lower in pairwise(bands):
        if lower[0] > upper[1]:
            upper[1] = lower[0] = (sum(upper) + sum(lower)) / 4
    return [(top, bottom) for top, bottom in bands]


def _column_edges(box: Rect, body: list[Rect], rule_xs: list[float]) -> list[float]:
    """Column edges: vertical rules, and the middle of each x-range wider than a cell gap that no body text covers.

    `body` is not empty: `_ruled_grid` has returned before when the region holds no text.
    """
    edges = set(rule_xs)
    gap = _wide_gap(median(rect[3] - rect[1] for rect in body))
    spans = sorted((rect[0], rect[2]) for rect in body)
    reach = spans[0][1]
    for left, right in spans[1:]:
        if left - reach >= gap and not any(reach <= x <= left for x in rule_xs):
            edges.add((reach + left) / 2)
        reach = max(reach, right)
    return [box[0], *sorted(edges), box[2]]


def _row_cells(edges: list[float], row: list[Rect], band: tuple[float, float]) -> list[Cell]:
    """One text row's cells; a text run across an edge (a spanning header, a merged cell) joins the cells it crosses."""
    joined = [any(left < edge - _SNAP and edge + _SNAP < right for left, _, right, _ in row) for edge in edges[1:-1]]
    cells: list[Cell] = []
    for index, (left, right) in enumerate(pairwise(edges)):
        spanned = index > 0 and joined[index - 1]
        if spanned:
            next(cell for cell in reversed(cells) if not cell.spanned).x1 = right
        cells.append(Cell(left, right, *band, spanned=spanned))
    return cells

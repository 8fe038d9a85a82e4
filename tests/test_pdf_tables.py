"""Engine-free table rules: the gap gate, ruled regions, spanning cells, figures, prose between tables."""

from __future__ import annotations

from doc_reader.convert.pdf_tables import Rect, fill_text, row_gaps, ruled_grids

# Three columns at x 72, 172 and 272; rows 15 points apart, text 8 points high.
COLUMNS = (72.0, 172.0, 272.0)


def row(y: float, *widths: float) -> list[Rect]:
    return [(x, y, x + width, y + 8) for x, width in zip(COLUMNS, widths, strict=False) if width]


def rule(y: float, left: float = 70, right: float = 340) -> Rect:
    return (left, y - 0.2, right, y + 0.2)


def texts(rects: list[Rect]) -> list[list[str]]:
    """Run the ruled-table search and name each cell by its box, as the engine's text would fill it."""
    grids = ruled_grids([rule(760), rule(745), rule(700)], rects)
    fill_text(grids, lambda cell: f"{cell.x0:.0f}")
    return [[cell.text for cell in cells] for grid in grids for cells in grid.rows]


def test_row_gaps_counts_wide_jumps_per_line() -> None:
    rects = [*row(750, 40, 40, 40), (72, 730, 300, 738)]
    assert list(row_gaps(rects).values()) == [2]
    assert row_gaps([(72, 730, 300, 738), (72, 715, 300, 723)]) == {}


def test_booktabs_rules_give_columns_from_gaps() -> None:
    rects = row(749, 30, 30, 30) + row(730, 40, 20, 20) + row(715, 40, 20, 20)
    assert texts(rects) == [["70", "142", "232"]] * 3


def test_header_across_two_columns_joins_their_cells() -> None:
    rects = [(72, 749, 80, 757), (150, 749, 250, 757), *row(730, 40, 20, 20), *row(715, 40, 20, 20)]
    assert texts(rects) == [["70", "142", ""], ["70", "142", "232"], ["70", "142", "232"]]


def test_a_region_full_of_drawings_is_a_figure() -> None:
    rects = row(749, 30, 30, 30) + row(730, 40, 20, 20)
    curves = [(80 + step, 705, 90 + step, 715) for step in range(0, 200, 10)]
    assert ruled_grids([rule(760), rule(745), rule(700), *curves], rects) == []


def test_prose_between_rules_splits_the_region() -> None:
    table = row(749, 30, 30, 30) + row(730, 40, 20, 20)
    prose = [(72, 690, 330, 698)]
    grids = ruled_grids([rule(760), rule(722), rule(680)], table + prose)
    assert [grid.box for grid in grids] == [(70, 722.0, 340, 760.0)]

"""Engine-free layout rules: text cleaning, grids, running lines, headings."""

from __future__ import annotations

from doc_reader.convert.pdf_layout import HeadingRules, Line, Page, clean_text, remove_running_lines
from doc_reader.convert.pdf_tables import find_grids


def line(text: str, top: float, size: float = 10, x0: float = 72, bold: bool = False) -> Line:
    return Line(text, x0, x0 + 6 * len(text), top, top - size, size, bold)


def test_clean_text_ligatures_hyphens_and_controls() -> None:
    assert clean_text("ﬁne eﬀort\x01") == "fine effort"
    assert clean_text("disper\ufffesion and model it") == "dispersion\nand model it"


def test_find_grids_needs_three_aligned_rows() -> None:
    rows = [(72, y, 100, y + 10) for y in (700, 687, 674)]
    cells = [(200, y, 230, y + 10) for y in (700, 687, 674)]
    grids = find_grids(rows + cells)
    assert [[(cell.x0, cell.x1) for cell in row] for row in grids[0].rows] == [[(72, 100), (200, 230)]] * 3
    assert find_grids(rows[:2] + cells[:2]) == []


def test_running_lines_removed_only_when_repeated_at_an_edge() -> None:
    pages = [Page(n, 800, [line(f"Journal {n}", 790), line("Body text", 400), line(str(n), 20)]) for n in (1, 2, 3)]
    remove_running_lines(pages)
    assert [[item.text for item in page.lines] for page in pages] == [["Body text"]] * 3


def test_heading_levels_from_sizes_and_outline() -> None:
    pages = [Page(1, 800, [line("Big Title", 700, 20), line("Section", 600, 14), *[line("body " * 9, 500)] * 5])]
    rules = HeadingRules(pages, [])
    assert [rules.level(item) for item in pages[0].lines[:3]] == [1, 2, None]
    with_outline = HeadingRules(pages, [("Section", 0)])
    assert with_outline.level(pages[0].lines[1]) == 1

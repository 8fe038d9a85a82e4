"""The PDF converter on the generated fixtures in fixtures/pdf (built by fixtures/pdf/make_fixtures.py)."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from doc_reader.convert import ConvertOptions, Deadline, StreamInfo, convert_stream
from doc_reader.convert.pdf import _MARKER, _convert_pypdf, _lines
from doc_reader.document import Document
from doc_reader.errors import ConversionError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pdf"
PDF = StreamInfo(kind="pdf")

PAGE_1 = """<!-- page 1 -->

# Annual Widget Survey

This report describes the yearly survey of widgets in the field. We took careful
measurements of every widget we could find and wrote them down in a notebook,
one line per widget.

## 1 Methods

The full protocol is on the [project site](https://example.com/widgets) for anyone to read.

### 1.1 Sampling

We sampled three regions:

- North, near the river
- South
- East and the hills

1. Count the widgets.
2. Weigh the widgets.
3. Write it all down."""

PAGE_2 = """<!-- page 2 -->

## 2 Results

The left column starts here and
talks about the northern region
where most widgets were found.

The right column follows with
the southern region, which had
fewer widgets than expected."""

PAGE_3 = """<!-- page 3 -->

## 3 Tables

| Region | Widgets | Weight (kg) |
| --- | --- | --- |
| North | 120 | 35.5 |
| South | 64 | 18.25 |

Table 2 has no rules; its columns are aligned.

| Year | Count | Change |
| --- | --- | --- |
| 2024 | 150 | +4 |
| 2025 | 184 | +34 |"""


TABLES = """<!-- page 1 -->

# Column tables

The left column is prose that
the reader must keep apart from
the table in the right column,
even where their lines sit at
the same height on the page.
Weights by site:

| Site | Mass | Count |
| --- | --- | --- |
| Alpha | 12.5 | 3 |
| Beta | 7.25 | 11 |
| Gamma | 0.5 | 42 |

Gamma was weighed twice.

<!-- page 2 -->

# Ruled tables

| Region | Soil | Plots |
| --- | --- | --- |
| North | Sandy soil near | 4 |
|  | the river |  |
| South | Clay |  |
| East | Loam | 9 |

A ruled note follows this table; it has no columns, so it stays text.

Key Meaning
Plots counted by two people, not one, in May.
N/A not counted
"""

FOOTNOTES = """<!-- page 1 -->

# Footnotes

Most widgets were blue.^1 A few were red^2, none green.
The count was checked^* twice by the team^†.
Water is H2O and nothing else.

^1 Counted by hand in March.
^2 Only in the north.
^* By two people.
"""

SCALED_FONTS = """<!-- page 1 -->

# Scaled Report

Every line of this page is set at font size one, and the text matrix
scales it to the size the reader sees, as some PDF generators do.

## Findings

The heading above is larger than this paragraph.
"""


def convert(name: str, **options: object) -> Document:
    return convert_stream((FIXTURES / name).read_bytes(), PDF, ConvertOptions(**options))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def report() -> Document:
    return convert("report.pdf")


def test_headings_lists_and_links(report: Document) -> None:
    assert report.markdown.startswith(PAGE_1 + "\n\n<!-- page 2 -->")


def test_links_as_footnote_style_references() -> None:
    markdown = convert("report.pdf", links="references").markdown
    assert "on the project site[^1] for anyone to read." in markdown
    assert markdown.endswith("\n\n[^1]: https://example.com/widgets\n")
    assert "](" not in markdown


def test_interleaved_columns_read_column_by_column(report: Document) -> None:
    assert PAGE_2 in report.markdown


def test_ruled_and_aligned_tables(report: Document) -> None:
    assert PAGE_3 in report.markdown


def test_tables_from_ruling_lines_in_a_column_and_a_lattice() -> None:
    assert convert("tables.pdf").markdown == TABLES


def test_raised_footnote_markers_are_marked_and_their_lines_joined() -> None:
    assert convert("footnotes.pdf").markdown == FOOTNOTES


def test_report_footnote_starts_with_its_marker(report: Document) -> None:
    assert "Most widgets were blue.^1\n\n^1 Counted by hand in March." in report.markdown


@pytest.mark.parametrize(
    ("text", "candidates"),
    [
        ("Most widgets were blue.1 A few", ["1"]),
        ("checked* twice by the team†.", ["*", "†"]),
        ("12 Counted by hand", ["12"]),
        ("x2 + y2 = r2 in word123 and Fig. 12", []),
    ],
)
def test_marker_candidates_follow_a_word_or_start_a_line(text: str, candidates: list[str]) -> None:
    assert [match.group(1) or match.group(2) for match in _MARKER.finditer(text)] == candidates


def test_font_size_set_through_the_text_matrix() -> None:
    assert convert("scaled_fonts.pdf").markdown == SCALED_FONTS


def test_line_box_ends_at_its_last_character_outside_the_bmp() -> None:
    # 𝐳 (U+1D433) counts twice in pdfium's character indices and once in Python's.
    with pdfium.PdfDocument((FIXTURES / "non_bmp.pdf").read_bytes()) as pdf:
        lines = _lines(pdf[0].get_textpage())
    assert [line.text for line in lines] == ["Plain line before.", "𝐳𝐳𝐳𝐳 end of line"]
    # Courier 10 is 6 pt a character: 16 characters from x = 72.
    assert [(line.x0, line.x1) for line in lines] == [(72, 72 + 18 * 6), (72, 72 + 16 * 6)]
    assert convert("non_bmp.pdf").markdown.endswith("𝐳𝐳𝐳𝐳 end of line\n")


def test_running_header_and_page_numbers_removed(report: Document) -> None:
    assert "Internal" not in report.markdown
    assert "\n1\n" not in report.markdown and "\n3\n" not in report.markdown


def test_hyphenated_line_end_joined(report: Document) -> None:
    assert "notebook" in report.markdown and "note-" not in report.markdown


def test_metadata(report: Document) -> None:
    assert report.title == "Widget Survey 2026"
    assert report.page_count == 4
    assert report.metadata["author"] == "Ada Example"
    assert report.metadata["subject"] == "Widgets in the field"
    assert report.metadata["creator"] == "make_fixtures.py"
    assert report.metadata["producer"].startswith("ReportLab")
    assert report.metadata["creation_date"] and report.metadata["modification_date"]


def test_page_without_text_layer_is_noted(report: Document) -> None:
    assert report.markdown.endswith("<!-- page 4 -->\n")
    assert report.notes == ["Pages with no text layer (scanned images?), not read: 4."]


def test_pages_selection() -> None:
    document = convert("report.pdf", pages="3,2")
    assert document.markdown.startswith("<!-- page 2 -->")
    assert "<!-- page 1 -->" not in document.markdown and "<!-- page 3 -->" in document.markdown
    assert document.page_count == 4


def test_page_budget_note_says_how_to_read_the_rest() -> None:
    document = convert("report.pdf", max_pages=1, pages="1-3")
    assert "<!-- page 2 -->" not in document.markdown
    assert document.notes == ['Pages 2-3 not read (page budget reached); call again with pages="2-3".']


def test_progress_reported_per_batch() -> None:
    calls: list[tuple[int, int, str]] = []
    convert("report.pdf", progress=lambda done, total, message: calls.append((done, total, message)))
    assert calls == [(4, 4, "Read page 4 of 4")]


def test_deadline_checked_between_pages() -> None:
    deadline = Deadline(None)
    deadline.cancel()
    with pytest.raises(ConversionError, match="cancelled"):
        convert("report.pdf", deadline=deadline)


def test_empty_user_password_is_read() -> None:
    document = convert("encrypted_empty_password.pdf")
    assert PAGE_3 in document.markdown and document.title == "Widget Survey 2026"


@pytest.mark.parametrize(
    ("name", "message"),
    [("encrypted.pdf", "encrypted and needs a password"), ("truncated.pdf", "damaged"), ("corrupt.pdf", "damaged")],
)
def test_unreadable_files_give_one_clear_sentence(name: str, message: str) -> None:
    with pytest.raises(ConversionError, match=message) as error:
        convert(name)
    assert "\n" not in str(error.value) and "Error" not in str(error.value)


def test_broken_xref_is_repaired() -> None:
    assert PAGE_1 in convert("broken_xref.pdf").markdown


def test_odd_fonts_do_not_fail() -> None:
    markdown = convert("odd_fonts.pdf").markdown
    assert "Plain text before the odd fonts." in markdown
    assert "Rotated words." in markdown and "Invisible OCR words." in markdown


def test_pypdf_fallback_reads_plain_text() -> None:
    document = _convert_pypdf((FIXTURES / "report.pdf").read_bytes(), ConvertOptions(pages="1"))
    assert "Annual Widget Survey" in document.markdown and document.page_count == 4
    assert document.notes == ["This PDF is damaged; its text was recovered without layout (no headings or tables)."]

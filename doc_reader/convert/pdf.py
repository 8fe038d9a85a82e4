"""PDF to Markdown: pypdfium2 reads text, layout, outline, links and metadata; pypdf reads what pdfium cannot.

Pages are read one at a time and closed at once, so memory stays flat on long documents.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import logging
import math
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from doc_reader.convert.base import ConvertOptions, StreamInfo
from doc_reader.convert.links import Links
from doc_reader.convert.pdf_layout import HeadingRules, Line, Page, clean_text, page_markdown, remove_running_lines
from doc_reader.convert.pdf_pages import format_pages, parse_pages
from doc_reader.convert.pdf_tables import THIN, Grid, Rect, fill_text, find_grids, row_gaps, ruled_grids, spanned_grids
from doc_reader.document import Document
from doc_reader.errors import ConversionError

if TYPE_CHECKING:
    import pypdf

log = logging.getLogger(__name__)
# pypdf logs a warning for every repair it makes on a broken file; they are noise for a server.
logging.getLogger("pypdf").setLevel(logging.ERROR)
_T = TypeVar("_T")

_BOLD_NAME = re.compile(rb"bold|black|heavy|semibold|demi|CMBX|\.B\b", re.IGNORECASE)
_PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD
_BATCH = 10  # pages per progress report
_MAX_OBJECTS = 2000  # page objects walked to find ruling lines
_MAX_PATHS = 200
_BOX_SEGMENTS = 5  # a rectangle path: move, three lines, close
# A footnote marker: one or two digits or reference symbols glued to the end of a word (or to the
# punctuation after it) and followed by a space, punctuation or the line end; or at the start of a
# line (the footnote text). Only candidates: `_LineSampler` keeps those set above the baseline.
_MARK = r"\d{1,2}|[*†‡§¶]{1,2}"
_MARKER = re.compile(
    # The leading lookahead spares the two lookbehinds on most characters (3x faster on prose lines).
    rf"(?=[\d*†‡§¶])(?:(?<=[^\W\d_]{{2}})|(?<=[^\W\d_][.,;:)’”]))({_MARK})(?=[\s.,;:)]|$)"
    rf"|^({_MARK})\s?(?=[^\W\d_])"
)
_RAISE = 0.2  # a marker's baseline is at least this part of the font size above its neighbour's
_ENDS_MARKED = re.compile(rf"\^(?:{_MARK})$")  # a line ending with a marker as `_LineSampler` writes it
_METADATA_KEYS = {
    "/Title": "title",
    "/Author": "author",
    "/Subject": "subject",
    "/Creator": "creator",
    "/Producer": "producer",
    "/CreationDate": "creation_date",
    "/ModDate": "modification_date",
}
_ENCRYPTED = "This PDF is encrypted and needs a password; ask for an unprotected copy."
_CORRUPT = "This PDF is damaged and could not be read; try another copy of the file."


def page_marker(number: int) -> str:
    """The line that separates pages in the Markdown (1-based page number)."""
    return f"<!-- page {number} -->"


def _open_pypdf(data: bytes) -> pypdf.PdfReader | None:
    """A pypdf reader for files pdfium cannot open, or None when pypdf cannot parse them either."""
    import pypdf  # only damaged files need it; importing it costs about 0.1 s

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return None
    except Exception:  # pypdf raises many types on broken files; pdfium stays the primary reader
        log.debug("pypdf could not open the PDF", exc_info=True)
        return None
    return reader


def _metadata(source: pypdf.PdfReader | pdfium.PdfDocument) -> dict[str, str]:
    """Title, author, subject, creator, producer and dates from the Info dictionary."""
    raw: dict[str, str] = {}
    with contextlib.suppress(Exception):  # both engines raise many types on broken Info dictionaries
        if isinstance(source, pdfium.PdfDocument):
            raw = {f"/{key}": value for key, value in source.get_metadata_dict().items()}
        else:
            raw = {key: str(value) for key, value in (source.metadata or {}).items()}
    return {name: raw[key].strip() for key, name in _METADATA_KEYS.items() if raw.get(key, "").strip()}


def _outline(pdf: pdfium.PdfDocument) -> list[tuple[str, int]]:
    """(title, depth) for every outline entry, depth 0 at the top; empty if there is none or it is broken."""
    with contextlib.suppress(pdfium.PdfiumError):
        return [(bookmark.get_title(), bookmark.level) for bookmark in pdf.get_toc(max_depth=6)]
    return []


def _uris(pdf: pdfium.PdfDocument, page: pdfium.PdfPage) -> list[tuple[Rect, str]]:
    """(left, bottom, right, top) and URI of each URI link annotation on a page."""
    links = []
    position, link = ctypes.c_int(0), pdfium_c.FPDF_LINK()
    while pdfium_c.FPDFLink_Enumerate(page.raw, position, link):
        action = pdfium_c.FPDFLink_GetAction(link)
        if not action or pdfium_c.FPDFAction_GetType(action) != pdfium_c.PDFACTION_URI:
            continue
        size = pdfium_c.FPDFAction_GetURIPath(pdf.raw, action, None, 0)
        buffer = ctypes.create_string_buffer(size)
        pdfium_c.FPDFAction_GetURIPath(pdf.raw, action, buffer, size)
        rect = pdfium_c.FS_RECTF()
        if pdfium_c.FPDFLink_GetAnnotRect(link, rect):
            box = (
                min(rect.left, rect.right),
                min(rect.top, rect.bottom),
                max(rect.left, rect.right),
                max(rect.top, rect.bottom),
            )
            links.append((box, buffer.value.decode("latin-1")))
    return links


def _read_page(pdf: pdfium.PdfDocument, index: int) -> Page:
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        try:
            lines = _lines(textpage)
            grids = _grids(page, textpage, lines)
            links = [(_anchor(textpage, box), uri) for box, uri in _uris(pdf, page)]
            return Page(index + 1, page.get_height(), lines, grids, [link for link in links if link[0]])
        finally:
            textpage.close()
    finally:
        page.close()


def _grids(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, lines: list[Line]) -> list[Grid]:
    """Tables and columns where the engine read a line across a wide gap; ruled tables first."""
    rects = _text_rects(textpage)
    gaps = row_gaps(rects)
    if not gaps:
        return []
    # Ruling lines need a walk over every page object, as costly as the page itself on busy pages:
    # only done where two rows were read across two gaps or more, as rows of a table are (a reference
    # list's labels and equation numbers give one gap a row).
    ruled = ruled_grids(_paths(page), rects) if sum(count >= 2 for count in gaps.values()) >= 2 else []
    aligned = [grid for grid in spanned_grids(find_grids(rects), lines) if not any(_on(grid, table) for table in ruled)]
    grids = ruled + aligned
    fill_text(grids, lambda cell: textpage.get_text_bounded(cell.x0, cell.bottom, cell.x1, cell.top))
    return grids


def _on(grid: Grid, table: Grid) -> bool:
    return grid.bottom < table.top and table.bottom < grid.top


def _paths(page: pdfium.PdfPage) -> list[Rect]:
    """Bounds (left, bottom, right, top) of the page's path objects; a rectangle gives its sides if stroked
    (a cell's border) and nothing if only filled (shading, whose bounds would look like a drawing).

    A page with more than `_MAX_OBJECTS` objects or `_MAX_PATHS` paths (a vector figure, a map) gives
    none: a table needs far fewer, and pdfium's bounds of curves are slow.
    """
    raw = page.raw
    count = pdfium_c.FPDFPage_CountObjects(raw)
    if count > _MAX_OBJECTS:
        return []
    objects = (pdfium_c.FPDFPage_GetObject(raw, index) for index in range(count))
    handles = [obj for obj in objects if pdfium_c.FPDFPageObj_GetType(obj) == pdfium_c.FPDF_PAGEOBJ_PATH]
    if len(handles) > _MAX_PATHS:
        return []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    corners = (ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top))
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    modes = (ctypes.byref(fill), ctypes.byref(stroke))
    paths: list[Rect] = []
    for obj in handles:
        if not pdfium_c.FPDFPageObj_GetBounds(obj, *corners):
            continue
        box = (left.value, bottom.value, right.value, top.value)
        if min(box[2] - box[0], box[3] - box[1]) < THIN or pdfium_c.FPDFPath_CountSegments(obj) > _BOX_SEGMENTS:
            paths.append(box)  # a rule (a line, or a thin filled rectangle as LaTeX and Word draw them) or a drawing
        elif pdfium_c.FPDFPath_GetDrawMode(obj, *modes) and stroke.value:
            paths.extend(_sides(box))
    return paths


def _sides(box: Rect) -> list[Rect]:
    left, bottom, right, top = box
    return [
        (left, bottom, right, bottom),
        (left, top, right, top),
        (left, bottom, left, top),
        (right, bottom, right, top),
    ]


def _read_page_or_none(pdf: pdfium.PdfDocument, index: int) -> Page | None:
    """The page, or None when pdfium cannot load it (a damaged page must not lose the others)."""
    try:
        return _read_page(pdf, index)
    except pdfium.PdfiumError:
        log.debug("pdfium could not read page %d", index + 1, exc_info=True)
        return None


def _anchor(textpage: pdfium.PdfTextPage, box: Rect) -> str:
    return " ".join(clean_text(textpage.get_text_bounded(*box)).split())


def _lines(textpage: pdfium.PdfTextPage) -> list[Line]:
    """The engine's lines in its reading order, each with a box, font size and weight sampled from a few characters."""
    text = textpage.get_text_range()
    # Characters outside the BMP count twice in pdfium's indices (UTF-16), once in Python's.
    wide = len(text) != textpage.count_chars()
    sample = _LineSampler(textpage.raw, wide)
    lines: list[Line] = []
    offset = 0
    for chunk in text.split("\r\n"):
        stripped = chunk.strip()
        if stripped:
            first = offset + len(chunk) - len(chunk.lstrip())
            lines.append(sample(stripped, first))
        offset += (len(chunk.encode("utf-16-le")) // 2 if wide else len(chunk)) + 2
    return _join_after_marks(lines)


def _join_after_marks(lines: list[Line]) -> list[Line]:
    """Join the lines pdfium splits after a raised footnote marker when the text goes on in the same row."""
    joined: list[Line] = []
    for line in lines:
        previous = joined[-1] if joined else None
        if previous is None or not _continues(previous, line):
            joined.append(line)
            continue
        space = " " if line.x0 - previous.x1 > 0.15 * previous.size else ""
        previous.text += space + line.text
        previous.x1, previous.top, previous.bottom = line.x1, max(previous.top, line.top), line.bottom
    return joined


def _continues(previous: Line, line: Line) -> bool:
    """True if `previous` ends with a marker and `line` starts right after it, in the same row."""
    return (
        _ENDS_MARKED.search(previous.text) is not None
        and line.top > previous.bottom
        and line.bottom < previous.top
        and previous.x1 - 1 <= line.x0 < previous.x1 + 2 * previous.size
    )


class _LineSampler:
    """Reads a line's box from its first and last characters and its font from the middle one, and
    marks raised footnote markers (two baselines compared per candidate the text pattern finds).

    The ctypes buffers are made once per page: allocating them per line cost more than the calls.
    """

    def __init__(self, raw: ctypes.c_void_p, wide: bool) -> None:
        self.raw = raw
        self.wide = wide
        self.box = pdfium_c.FS_RECTF()
        self.box_ref = ctypes.byref(self.box)
        self.matrix = pdfium_c.FS_MATRIX()
        self.matrix_ref = ctypes.byref(self.matrix)
        self.x, self.y = ctypes.c_double(), ctypes.c_double()
        self.origin_refs = (ctypes.byref(self.x), ctypes.byref(self.y))
        self.name = ctypes.create_string_buffer(64)
        self.bold_names: dict[bytes, bool] = {}

    def __call__(self, text: str, first: int) -> Line:
        """The line `text` whose first character is pdfium's character `first`."""
        raw, box = self.raw, self.box
        last = self._index(text, first, len(text) - 1)
        pdfium_c.FPDFText_GetLooseCharBox(raw, first, self.box_ref)
        x0, top = box.left, box.top
        pdfium_c.FPDFText_GetLooseCharBox(raw, last, self.box_ref)
        middle = (first + last) // 2
        size = self._size(middle)
        text = self._mark_footnotes(text, first, size)
        return Line(text, x0, box.right, top, box.bottom, size, self._bold(middle))

    def _size(self, index: int) -> float:
        """The font size on the page: the size set with the font times the text matrix's scale.

        Some generators set every font at size 1 and scale the text matrix instead.
        """
        pdfium_c.FPDFText_GetMatrix(self.raw, index, self.matrix_ref)
        matrix = self.matrix
        scale = math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
        return pdfium_c.FPDFText_GetFontSize(self.raw, index) * scale

    def _mark_footnotes(self, text: str, first: int, size: float) -> str:
        """`text` with each footnote marker set above its neighbour's baseline written `^1`.

        `^` reads as "raised" whether the mark is a footnote, an affiliation or an exponent (`MR^2`),
        which the detector cannot tell apart; a note's text starts `^1 `.
        """
        pieces: list[str] = []
        end = 0
        for match in _MARKER.finditer(text):
            marker = self._index(text, first, match.start())
            inline = match.group(1) is not None
            neighbour = marker - 1 if inline else self._index(text, first, match.end())
            if self._raise(marker, neighbour) > _RAISE * size:
                mark = f"^{match.group(1)}" if inline else f"^{match.group(2)} "
                pieces += [text[end : match.start()], mark]
                end = match.end()
        return "".join(pieces) + text[end:]

    def _index(self, text: str, first: int, position: int) -> int:
        """pdfium's index of the character at `position` in a line starting at index `first`."""
        return first + (len(text[:position].encode("utf-16-le")) // 2 if self.wide else position)

    def _raise(self, index: int, neighbour: int) -> float:
        """How far the baseline of character `index` is above that of character `neighbour`."""
        pdfium_c.FPDFText_GetCharOrigin(self.raw, neighbour, *self.origin_refs)
        base = self.y.value
        pdfium_c.FPDFText_GetCharOrigin(self.raw, index, *self.origin_refs)
        return self.y.value - base

    def _bold(self, index: int) -> bool:
        """Bold by weight or by name; one font name is one font, so the answer is kept per name."""
        pdfium_c.FPDFText_GetFontInfo(self.raw, index, self.name, 64, None)
        name = self.name.value
        bold = self.bold_names.get(name) if name else None
        if bold is None:
            bold = pdfium_c.FPDFText_GetFontWeight(self.raw, index) >= 600 or _BOLD_NAME.search(name) is not None
            if name:
                self.bold_names[name] = bold
        return bold


def _text_rects(textpage: pdfium.PdfTextPage) -> list[Rect]:
    """pdfium's text rectangles (left, bottom, right, top) in reading order: runs of one text object on a line."""
    raw = textpage.raw
    left, bottom, right, top = (ctypes.c_double() for _ in range(4))
    refs = (ctypes.byref(left), ctypes.byref(top), ctypes.byref(right), ctypes.byref(bottom))
    rects = []
    for index in range(pdfium_c.FPDFText_CountRects(raw, 0, -1)):
        pdfium_c.FPDFText_GetRect(raw, index, *refs)
        rects.append((left.value, bottom.value, right.value, top.value))
    return rects


def _read_all(to_read: list[int], read: Callable[[int], _T], options: ConvertOptions, page_count: int) -> list[_T]:
    """Read pages one by one, checking the deadline before each and reporting progress per batch."""
    results = []
    for done, index in enumerate(to_read, start=1):
        options.deadline.check()
        results.append(read(index))
        if options.progress and (done % _BATCH == 0 or done == len(to_read)):
            options.progress(done, len(to_read), f"Read page {index + 1} of {page_count}")
    return results


def _document(
    parts: list[tuple[int, str]], page_count: int, metadata: dict[str, str], notes: list[str], damaged: list[int]
) -> Document:
    empty = [number for number, markdown in parts if not markdown.strip() and number not in damaged]
    if empty:
        notes.insert(0, f"Pages with no text layer (scanned images?), not read: {format_pages(empty)}.")
    if damaged:
        notes.insert(0, f"Pages too damaged to read, skipped: {format_pages(damaged)}.")
    return Document(
        markdown="\n\n".join(f"{page_marker(number)}\n\n{markdown}".rstrip() for number, markdown in parts) + "\n",
        kind="pdf",
        title=metadata.get("title"),
        page_count=page_count,
        metadata=metadata,
        notes=notes,
    )


def _selection(options: ConvertOptions, page_count: int) -> tuple[list[int], list[str]]:
    """The page indices to read in this call, and a note about those left for another call."""
    selected = parse_pages(options.pages, page_count) if options.pages else list(range(page_count))
    unread = [index + 1 for index in selected[options.max_pages :]]
    if not unread:
        return selected, []
    rest = format_pages(unread)
    label = "Page" if len(unread) == 1 else "Pages"
    return selected[: options.max_pages], [
        f'{label} {rest} not read (page budget reached); call again with pages="{rest}".'
    ]


def _convert_pdfium(pdf: pdfium.PdfDocument, options: ConvertOptions) -> Document:
    page_count = len(pdf)
    to_read, notes = _selection(options, page_count)
    metadata = _metadata(pdf)
    read = _read_all(to_read, lambda index: _read_page_or_none(pdf, index), options, page_count)
    damaged = [index + 1 for index, page in zip(to_read, read, strict=True) if page is None]
    pages = [page or Page(index + 1, 0.0, []) for index, page in zip(to_read, read, strict=True)]
    remove_running_lines(pages)
    rules = HeadingRules(pages, _outline(pdf))
    writer = Links(options.links)
    parts = [(page.number, page_markdown(page, rules, writer)) for page in pages]
    document = _document(parts, page_count, metadata, notes, damaged)
    return document.model_copy(update={"markdown": writer.finish(document.markdown)})


def _convert_pypdf(data: bytes, options: ConvertOptions) -> Document:
    """Fallback for files pdfium cannot open: pypdf's repairing parser, plain text without layout."""
    reader = _open_pypdf(data)
    try:
        page_count = len(reader.pages) if reader is not None else 0
    except Exception:  # pypdf raises many types on broken page trees
        page_count = 0
    if reader is None or page_count == 0:
        raise ConversionError(_CORRUPT)
    to_read, notes = _selection(options, page_count)
    texts = _read_all(to_read, lambda index: _pypdf_text(reader, index), options, page_count)
    notes.append("This PDF is damaged; its text was recovered without layout (no headings or tables).")
    parts = list(zip([index + 1 for index in to_read], texts, strict=True))
    return _document(parts, page_count, _metadata(reader), notes, [])


def _pypdf_text(reader: pypdf.PdfReader, index: int) -> str:
    """One page's plain text from pypdf, or "" when that page is broken."""
    try:
        return clean_text(reader.pages[index].extract_text()).strip()
    except Exception:  # one bad page must not lose the others
        log.debug("pypdf could not read page %d", index + 1, exc_info=True)
        return ""


# PDFium is not thread-safe, not even across documents (pypdfium2's documentation): one conversion at a
# time per process. Others wait here, and the pypdf fallback runs outside the lock.
_PDFIUM_LOCK = threading.Lock()


class PdfConverter:
    """Converts PDF bytes to Markdown with page markers."""

    def accepts(self, info: StreamInfo) -> bool:
        """True for PDFs."""
        return info.kind == "pdf"

    def convert(self, data: bytes, info: StreamInfo, options: ConvertOptions) -> Document:
        """Convert the selected pages of a PDF (at most `options.max_pages` of them)."""
        with _PDFIUM_LOCK:
            try:
                pdf = pdfium.PdfDocument(data)
            except pdfium.PdfiumError as error:
                if error.err_code == _PASSWORD_ERROR:
                    raise ConversionError(_ENCRYPTED) from None
                pdf = None
            if pdf is not None:
                try:
                    return _convert_pdfium(pdf, options)
                finally:
                    pdf.close()
        return _convert_pypdf(data, options)


CONVERTER = PdfConverter()

"""PDF to Markdown: pypdfium2 reads text and layout, pypdf reads metadata, outline, links and broken files.

Pages are read one at a time and closed at once, so memory stays flat on long documents.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator

import pypdf
import pypdfium2 as pdfium

from doc_reader.convert.base import ConvertOptions, StreamInfo
from doc_reader.convert.pdf_pages import parse_pages
from doc_reader.document import Document
from doc_reader.errors import ConversionError

log = logging.getLogger(__name__)

_PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD
_BATCH = 10  # pages per progress report
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


@contextlib.contextmanager
def _open_pdfium(data: bytes) -> Iterator[pdfium.PdfDocument]:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if error.err_code == _PASSWORD_ERROR:
            raise ConversionError(_ENCRYPTED) from None
        raise ConversionError(_CORRUPT) from None
    try:
        yield pdf
    finally:
        pdf.close()


def _open_pypdf(data: bytes) -> pypdf.PdfReader | None:
    """A pypdf reader for metadata, outline and links, or None when pypdf cannot parse the file."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return None
    except Exception:  # pypdf raises many types on broken files; pdfium stays the primary reader
        log.debug("pypdf could not open the PDF", exc_info=True)
        return None
    return reader


def _metadata(reader: pypdf.PdfReader | None, pdf: pdfium.PdfDocument) -> dict[str, str]:
    """Title, author, subject, creator, producer and dates; pypdf first, pdfium's Info dict if pypdf failed."""
    raw: dict[str, str] = {}
    if reader is not None:
        with contextlib.suppress(Exception):
            raw = {key: str(value) for key, value in (reader.metadata or {}).items()}
    if not raw:
        with contextlib.suppress(pdfium.PdfiumError):
            raw = {f"/{key}": value for key, value in pdf.get_metadata_dict().items()}
    metadata = {name: raw[key].strip() for key, name in _METADATA_KEYS.items() if raw.get(key, "").strip()}
    return metadata


def _page_text(pdf: pdfium.PdfDocument, index: int) -> str:
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
        finally:
            textpage.close()
    finally:
        page.close()


def _budget_note(unread: list[int]) -> str:
    first, last = unread[0] + 1, unread[-1] + 1
    return f'Pages {first}-{last} not read (page budget reached); call again with pages="{first}-{last}".'


class PdfConverter:
    """Converts PDF bytes to Markdown with page markers."""

    def accepts(self, info: StreamInfo) -> bool:
        """True for PDFs."""
        return info.kind == "pdf"

    def convert(self, data: bytes, info: StreamInfo, options: ConvertOptions) -> Document:
        """Convert the selected pages of a PDF (at most `options.max_pages` of them)."""
        with _open_pdfium(data) as pdf:
            page_count = len(pdf)
            selected = parse_pages(options.pages, page_count) if options.pages else list(range(page_count))
            to_read, unread = selected[: options.max_pages], selected[options.max_pages :]
            metadata = _metadata(_open_pypdf(data), pdf)
            parts: list[str] = []
            empty: list[int] = []
            for done, index in enumerate(to_read, start=1):
                options.deadline.check()
                text = _page_text(pdf, index).strip()
                if not text:
                    empty.append(index + 1)
                parts.append(f"{page_marker(index + 1)}\n\n{text}".rstrip())
                if options.progress and (done % _BATCH == 0 or done == len(to_read)):
                    options.progress(done, len(to_read), f"Read page {index + 1} of {page_count}")
        notes = []
        if empty:
            notes.append(f"Pages without a text layer (scanned images?): {', '.join(map(str, empty))}.")
        if unread:
            notes.append(_budget_note(unread))
        return Document(
            markdown="\n\n".join(parts) + "\n",
            kind="pdf",
            title=metadata.get("title"),
            page_count=page_count,
            metadata=metadata,
            notes=notes,
        )


CONVERTER = PdfConverter()

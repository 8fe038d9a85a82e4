"""Decide what kind of document some bytes are: magic bytes first, then Content-Type, then extension."""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from doc_reader.charset import bom_encoding
from doc_reader.convert.base import StreamInfo
from doc_reader.document import Kind
from doc_reader.errors import UnsupportedTypeError

# Formats we recognise only to refuse them by name.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a BMP image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office/EPUB file)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office file"),
    (b"{\\rtf", "an RTF file"),
    (b"ID3", "an MP3 audio file"),
    (b"OggS", "an Ogg media file"),
    (b"fLaC", "a FLAC audio file"),
    (b"\x7fELF", "an executable"),
    (b"MZ", "an executable"),
    (b"\x00asm", "a WebAssembly module"),
    (b"wOFF", "a web font"),
    (b"wOF2", "a web font"),
)
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_HTML_TAGS = re.compile(rb"<(?:html|head|body|title|div|p|meta|h1|table|article)\b[^>]*>", re.I)

_TYPE_KINDS: dict[str, Kind] = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "application/json": "json",
    "text/json": "json",
    "text/plain": "text",
}
_EXTENSION_KINDS: dict[str, Kind] = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".json": "json",
    ".txt": "text",
    ".text": "text",
    ".csv": "text",
    ".log": "text",
}


def _media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def _binary_name(head: bytes) -> str | None:
    for magic, name in _BINARY_MAGIC:
        # Two- and three-letter magics also start ordinary text ("BMW...", "MZ...", "ID3 tags"):
        # real files of those kinds have NUL bytes in their header.
        plain_text_too = len(magic) <= 3 and magic.isalnum()
        if head.startswith(magic) and (not plain_text_too or b"\x00" in head[:64]):
            return name
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "a WebP image", b"WAVE": "a WAV audio file", b"AVI ": "an AVI video"}[head[8:12]]
    if head[4:8] == b"ftyp":
        return "an MP4/QuickTime media file"
    return None


def _looks_textual(head: bytes) -> bool:
    if bom_encoding(head):
        return True
    if b"\x00" in head:
        return False
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls <= len(head) // 100


def _looks_like_json(data: bytes) -> bool:
    stripped = data.lstrip()
    if stripped[:1] not in (b"{", b"["):
        return False
    try:
        json.loads(data)
    except (ValueError, RecursionError):  # deeply nested JSON is still JSON-shaped text, not a crash
        return False
    return True


def sniff(data: bytes, content_type: str | None = None, filename: str | None = None) -> Kind:
    """Return the kind of `data`, or raise UnsupportedTypeError naming what was found.

    Magic bytes win over a lying Content-Type; the type header wins over the
    file extension; text that is none of the richer kinds is plain text.
    """
    if not data.strip():
        raise UnsupportedTypeError("The document is empty.")
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    binary = _binary_name(head)
    if binary:
        raise UnsupportedTypeError(f"This is {binary}, which doc-reader cannot read; give it an HTML page or a PDF.")
    ascii_head = _ascii_view(head)
    if _HTML_START.search(ascii_head):
        return "html"  # a page that opens as HTML is HTML, whatever stray control bytes it holds
    if not _looks_textual(head):
        raise UnsupportedTypeError("This is a binary file of an unknown type; give doc-reader an HTML page or a PDF.")
    declared = _TYPE_KINDS.get(_media_type(content_type) or "")
    by_extension = _EXTENSION_KINDS.get(PurePosixPath(filename or "").suffix.lower())
    hint = declared or by_extension
    if hint == "pdf":
        raise UnsupportedTypeError("The document says it is a PDF but is not one; it may be truncated or corrupt.")
    if hint == "json" and not _looks_like_json(data):
        hint = "text"
    if hint is None and _looks_like_json(data):
        hint = "json"
    if hint in (None, "text") and len(_HTML_TAGS.findall(ascii_head)) >= 2:
        hint = "html"
    media = _media_type(content_type)
    if hint is None and media and not media.startswith("text/") and media not in ("application/xml", "text/xml"):
        raise UnsupportedTypeError(
            f"The server sent {media}, which doc-reader cannot read; give it an HTML page or a PDF."
        )
    return hint or "text"


def _ascii_view(head: bytes) -> bytes:
    """The start of the document as ASCII-compatible bytes, so UTF-16 HTML is recognised too."""
    encoding = bom_encoding(head)
    if (encoding and encoding.startswith("utf-16")) or encoding == "utf-32":
        return head.decode(encoding, "ignore").encode("ascii", "ignore")
    return head


def charset_param(content_type: str | None) -> str | None:
    """The `charset=` parameter of a Content-Type header, if any."""
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def describe(
    data: bytes, content_type: str | None = None, filename: str | None = None, url: str | None = None
) -> StreamInfo:
    """Sniff `data` and return the frozen record converters receive."""
    kind = sniff(data, content_type, filename or (urlsplit(url).path if url else None))
    return StreamInfo(
        kind=kind,
        content_type=_media_type(content_type),
        charset=charset_param(content_type),
        filename=filename,
        url=url,
    )

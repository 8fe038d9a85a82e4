"""Size limits applied around a converter: how much HTML goes in, how much Markdown comes out.

Both cut rather than refuse: the reader gets what fits plus a note saying where
the document was cut and why.
"""

from __future__ import annotations

import re

from doc_reader.charset import bom_encoding
from doc_reader.convert.base import StreamInfo
from doc_reader.document import Document
from doc_reader.settings import MB

_INVISIBLE_START = re.compile(rb"<(?:(script|style)\b|!--)")
_JSON_LD = b"application/ld+json"
# Metadata JSON-LD is a few kB; a larger block (a whole product catalogue) would crowd out the page.
_MAX_JSON_LD_BYTES = 64 * 1024
# A cut looks back at most this far for a tag start or line end, so it does not split one.
_LOOKBACK = 64 * 1024


def clip_input(data: bytes, info: StreamInfo, max_html_bytes: int) -> tuple[bytes, list[str]]:
    """Cut HTML longer than `max_html_bytes` just before a tag, returning the bytes and a note (other kinds pass).

    Scripts (except JSON-LD metadata), styles and comments are removed first (the converter drops them
    anyway): on many large pages they are most of the bytes, and the visible content then fits.
    """
    if info.kind != "html" or len(data) <= max_html_bytes:
        return data, []
    utf16 = (bom_encoding(data) or "").startswith("utf-16")
    if not utf16:
        data = strip_invisible(data)
        if len(data) <= max_html_bytes:
            return data, []
    tag = b"<\x00" if data.startswith(b"\xff\xfe") else b"\x00<" if utf16 else b"<"
    cut = data.rfind(tag, max(0, max_html_bytes - _LOOKBACK), max_html_bytes)
    if cut <= 0:
        cut = max_html_bytes
    if utf16:
        cut -= cut % 2
    note = f"The page is larger than {max_html_bytes / MB:g} MB; only its first {max_html_bytes / MB:g} MB were read."
    return data[:cut], [note]


def strip_invisible(data: bytes) -> bytes:
    """Remove `<script>`, `<style>` and comment blocks in one linear pass (an unclosed block ends the page).

    JSON-LD scripts of up to 64 kB stay: the title, author, date and page kind are read from them.
    """
    lowered = data.lower()
    parts: list[bytes] = []
    position = 0
    while (match := _INVISIBLE_START.search(lowered, position)) is not None:
        parts.append(data[position : match.start()])
        tag = match.group(1)
        end = lowered.find(b"</" + tag if tag else b"-->", match.end())
        if end == -1:
            return b"".join(parts)
        position = (lowered.find(b">", end) + 1) or len(data)
        start_tag_end = lowered.find(b">", match.end(), end)
        json_ld = tag == b"script" and start_tag_end != -1 and _JSON_LD in lowered[match.end() : start_tag_end]
        if json_ld and position - match.start() <= _MAX_JSON_LD_BYTES:
            parts.append(data[match.start() : position])
    parts.append(data[position:])
    return b"".join(parts)


def clip_output(document: Document, max_chars: int, notes: list[str]) -> Document:
    """Cut Markdown longer than `max_chars` at a line end near the limit, and add `notes` plus a note on the cut."""
    markdown = document.markdown
    extra = list(notes)
    if len(markdown) > max_chars:
        end = markdown.rfind("\n", max(0, max_chars - _LOOKBACK), max_chars) + 1 or max_chars
        markdown = markdown[:end]
        extra.append(
            f"The document's Markdown is longer than {max_chars} characters; only the first {end} are available."
        )
    if not extra:
        return document
    return document.model_copy(update={"markdown": markdown, "notes": [*document.notes, *extra]})

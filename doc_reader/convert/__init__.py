"""Converters, one module per format, loaded only when a document of that kind arrives.

Lazy loading keeps stdio cold start short: a call that reads a PDF never imports
BeautifulSoup, and `tools/list` imports neither.
"""

from __future__ import annotations

import importlib

from doc_reader.convert.base import Converter, ConvertOptions, Deadline, StreamInfo
from doc_reader.document import Document, Kind
from doc_reader.errors import UnsupportedTypeError

# Each module exposes `CONVERTER`, an object implementing `Converter`.
_MODULES: dict[Kind, str] = {
    "html": "doc_reader.convert.html",
    "pdf": "doc_reader.convert.pdf",
    "text": "doc_reader.convert.text",
    "markdown": "doc_reader.convert.text",
    "json": "doc_reader.convert.text",
}


def converter_for(info: StreamInfo) -> Converter:
    """Return the converter for `info.kind`, importing its module on first use."""
    converter: Converter = importlib.import_module(_MODULES[info.kind]).CONVERTER
    if not converter.accepts(info):
        raise UnsupportedTypeError(f"No converter accepts documents of type {info.kind}.")
    return converter


def convert_stream(data: bytes, info: StreamInfo, options: ConvertOptions) -> Document:
    """Convert bytes whose kind is already known. Runs synchronously; call it off the event loop."""
    return converter_for(info).convert(data, info, options)


__all__ = ["ConvertOptions", "Converter", "Deadline", "StreamInfo", "convert_stream", "converter_for"]

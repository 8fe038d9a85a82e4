"""Plain text, Markdown and JSON: little to convert, but decoded and framed correctly."""

from __future__ import annotations

import json
import re

from doc_reader.charset import decode
from doc_reader.convert.base import ConvertOptions, StreamInfo
from doc_reader.document import Document

_ATX_TITLE = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", re.M)
_BLANK_RUNS = re.compile(r"\n{3,}")


class TextConverter:
    """Converter for `text`, `markdown` and `json` documents."""

    def accepts(self, info: StreamInfo) -> bool:
        """Plain text, Markdown (passed through untouched) and JSON."""
        return info.kind in ("text", "markdown", "json")

    def convert(self, data: bytes, info: StreamInfo, options: ConvertOptions) -> Document:
        """Decode the bytes; pretty-print JSON in a fenced block; pass Markdown through."""
        text = decode(data, info.charset).replace("\r\n", "\n").replace("\r", "\n")
        if info.kind == "json":
            return Document(markdown=_json_block(text), kind="json")
        if info.kind == "markdown":
            match = _ATX_TITLE.search(text)
            return Document(markdown=text, kind="markdown", title=match.group(1) if match else None)
        return Document(markdown=_BLANK_RUNS.sub("\n\n", text).strip() + "\n", kind="text")


def _json_block(text: str) -> str:
    try:
        pretty = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        pretty = text.strip()
    fence = "```"
    while fence in pretty:
        fence += "`"
    return f"{fence}json\n{pretty}\n{fence}\n"


CONVERTER = TextConverter()

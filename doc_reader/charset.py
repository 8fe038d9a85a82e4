"""Bytes to text with the right character set.

Order of evidence: byte-order mark, the charset the transport declared, an HTML
`<meta charset>` / `http-equiv` near the top, then statistical detection.
"""

from __future__ import annotations

import codecs
import re

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
# Labels that browsers treat as another encoding (WHATWG Encoding Standard).
_ALIASES = {"iso-8859-1": "windows-1252", "latin1": "windows-1252", "ascii": "windows-1252", "us-ascii": "windows-1252"}


def bom_encoding(data: bytes) -> str | None:
    """The encoding named by a byte-order mark at the start of `data`, if any."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def _usable(label: str | None) -> str | None:
    if not label:
        return None
    label = _ALIASES.get(label.strip().lower(), label.strip().lower())
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def meta_charset(data: bytes) -> str | None:
    """The charset an HTML document declares in a `<meta>` tag within its first 4 KB."""
    match = _META_CHARSET.search(data[:4096])
    return _usable(match.group(1).decode("ascii", "ignore")) if match else None


def detect_encoding(data: bytes, declared: str | None = None, *, html: bool = False) -> str:
    """Choose the encoding for `data` from the BOM, the declared charset, `<meta>` (HTML), then detection."""
    found = bom_encoding(data) or _usable(declared) or (meta_charset(data) if html else None)
    if found:
        # A meta tag claiming UTF-16 in a document we could read as ASCII is a lie browsers ignore.
        return "utf-8" if found.startswith("utf-16") and bom_encoding(data) is None else found
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # imported lazily: only needed for undeclared non-UTF-8 text

    best = from_bytes(data[:200_000]).best()
    return best.encoding if best is not None else "windows-1252"


def decode(data: bytes, declared: str | None = None, *, html: bool = False) -> str:
    """Decode `data` to text, never failing: undecodable bytes become U+FFFD."""
    return data.decode(detect_encoding(data, declared, html=html), errors="replace")

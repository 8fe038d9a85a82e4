"""Bytes to text with the right character set.

Order of evidence: byte-order mark; bytes that are valid UTF-8 and not plain ASCII
(whatever the labels say: text in any other charset is almost never valid UTF-8,
while servers that label UTF-8 pages ISO-8859-1 by default are common); the charset
the transport declared; an HTML `<meta charset>` / `http-equiv` near the top; then
statistical detection.

Text that was UTF-8 before someone decoded it as Windows-1252 or Latin-1 and stored
it again (`Ã©` for `é`, `â€™` for `’`: a CMS or a crawler that guessed wrong) is
repaired after decoding.
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
    """Choose the encoding for `data`: BOM, valid non-ASCII UTF-8, the declared charset, `<meta>` (HTML), detection."""
    bom = bom_encoding(data)
    if bom:
        return bom
    if not data.isascii() and _is_utf8(data):
        return "utf-8"
    found = _usable(declared) or (meta_charset(data) if html else None)
    if found:
        # A meta tag claiming UTF-16 in a document we could read as ASCII is a lie browsers ignore.
        return "utf-8" if found.startswith("utf-16") else found
    if data.isascii():
        return "utf-8"
    from charset_normalizer import from_bytes  # imported lazily: only needed for undeclared non-UTF-8 text

    best = from_bytes(data[:200_000]).best()
    return best.encoding if best is not None else "windows-1252"


def _is_utf8(data: bytes) -> bool:
    """True when `data` is valid UTF-8, allowing a character cut off at the end (a capped download)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def decode(data: bytes, declared: str | None = None, *, html: bool = False) -> str:
    """Decode `data` to text, never failing: undecodable bytes become U+FFFD; text decoded twice is repaired."""
    encoding = detect_encoding(data, declared, html=html)
    text = data.decode(encoding, errors="replace")
    if encoding.startswith("utf-8") and (_EVIDENCE_BYTES.search(data) or _CONTROL_BYTES.search(data)):
        return undo_double_encoding(text)
    return text


# What a UTF-8 sequence read as Windows-1252 or Latin-1 becomes: a lead character (the lead byte
# 0xC2-0xF4 read alone) and one to three continuation characters (the bytes 0x80-0xBF, some of them
# Windows-1252's curly quotes, dashes, euro sign...).
_WINDOWS_1252_HIGH = {bytes([byte]).decode("cp1252", "ignore"): byte for byte in range(0x80, 0xA0)}
del _WINDOWS_1252_HIGH[""]  # the five bytes Windows-1252 leaves undefined stay Latin-1's control characters
_CONTINUATION = "[\u0080-\u00bf" + "".join(_WINDOWS_1252_HIGH) + "]"
_DOUBLE_ENCODED = re.compile(
    f"(?:[\u00c2-\u00df]{_CONTINUATION}|[\u00e0-\u00ef]{_CONTINUATION}{{2}}|[\u00f0-\u00f4]{_CONTINUATION}{{3}})+"
)
# Evidence: the traces honest text never holds. `Ã` or `Â` before a continuation character (é, no-break
# space, ©), `â€` or `â` and a C1 control (curly quotes, dashes), `ðŸ` or `ð` and a C1 control (emoji).
# Other leads are letters (`ß“` ends a German quote, `é »` a French one): they are repaired on a page
# the evidence convicts, but never count as evidence.
_EVIDENCE = re.compile(f"[\u00c2\u00c3]{_CONTINUATION}|\u00e2[\u20ac\u0080]|\u00f0[\u0178\u009f]")
# The same traces and a few more, in UTF-8 bytes, found in a fortieth of the time: the check every page gets.
_EVIDENCE_BYTES = re.compile(
    rb"\xc3(?:[\x82\x83](?:\xc2[\x80-\xbf]|\xe2[\x80-\x84][\x80-\xbf]|[\xc5\xc6\xcb][\x80-\xbf])"
    rb"|\xa2(?:\xe2\x82\xac|\xc2\x80)|\xb0(?:\xc5\xb8|\xc2\x9f))"
)
_MIN_EVIDENCE = 3
# A C1 control character (U+0080-U+009F): honest text never holds one, so a run with one is repaired alone.
_CONTROL = re.compile("[\u0080-\u009f]")
# The same in UTF-8 bytes, searched apart: one alternation with `_EVIDENCE_BYTES` takes ten times as long.
_CONTROL_BYTES = re.compile(rb"\xc2[\x80-\x9f]")
# Text decoded twice, twice over (`ÃƒÂ©`), takes one pass per time.
_MAX_PASSES = 3


def undo_double_encoding(text: str) -> str:
    """`text` with every run of UTF-8-read-as-Windows-1252 turned back into the characters it encoded.

    The whole text is repaired only when it holds at least `_MIN_EVIDENCE` unmistakable traces;
    each further pass needs its own (the first pass may leave honest `é »` that looks like a trace).
    With fewer, only the runs holding a C1 control character are: honest text never holds one
    (HTML reads even `&#146;` as Windows-1252's apostrophe), so such a run convicts itself.
    A run whose bytes are not valid UTF-8 is left as it is.
    """
    for _ in range(_MAX_PASSES):
        if len(_EVIDENCE.findall(text)) < _MIN_EVIDENCE:
            break
        text = _DOUBLE_ENCODED.sub(_redecode, text)
    return _DOUBLE_ENCODED.sub(_redecode_with_control, text) if _CONTROL.search(text) else text


def _redecode_with_control(match: re.Match[str]) -> str:
    return _redecode(match) if _CONTROL.search(match.group()) else match.group()


def _redecode(match: re.Match[str]) -> str:
    run = match.group()
    try:
        return bytes(_WINDOWS_1252_HIGH.get(char, ord(char)) for char in run).decode("utf-8")
    except UnicodeDecodeError:
        return run

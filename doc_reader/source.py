"""Where a document's bytes come from: a guarded fetch of a URL, or the caller's base64."""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from doc_reader.errors import InputError
from doc_reader.fetch.guard import Resolver, system_resolver
from doc_reader.settings import MB, Settings

if TYPE_CHECKING:  # the fetch client (httpx) is imported by `load_url`: base64 reads never load it
    from doc_reader.fetch.client import Progress

_DATA_URL_PREFIX = re.compile(r"^data:[^,]*;base64,", re.I)
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Source:
    """Raw document bytes with the transport's description of them."""

    data: bytes
    content_type: str | None = None
    filename: str | None = None
    url: str | None = None
    final_url: str | None = None


def decode_base64(text: str, max_bytes: int) -> bytes:
    """Decode standard or URL-safe base64 (a `data:` URL prefix and line breaks are fine), within `max_bytes`."""
    compact = _WHITESPACE.sub("", _DATA_URL_PREFIX.sub("", text.strip()))
    if len(compact) // 4 * 3 > max_bytes + 2:
        raise InputError(_too_large(max_bytes))
    compact = compact.replace("-", "+").replace("_", "/")
    compact += "=" * (-len(compact) % 4)
    try:
        data = binascii.a2b_base64(compact, strict_mode=True)
    except (binascii.Error, ValueError):  # ValueError: non-ASCII characters
        raise InputError("content_base64 is not valid base64; encode the file's bytes with standard base64.") from None
    if not data:
        raise InputError("content_base64 is empty; send the document's bytes.")
    if len(data) > max_bytes:
        raise InputError(_too_large(max_bytes))
    return data


def _too_large(max_bytes: int) -> str:
    return f"content_base64 is larger than the {max_bytes / MB:g} MB limit; send a smaller file."


async def load_url(
    url: str, settings: Settings, *, resolver: Resolver = system_resolver, progress: Progress | None = None
) -> Source:
    """Fetch `url` through the guard and return its bytes."""
    from doc_reader.fetch.client import fetch

    fetched = await fetch(url, settings, resolver=resolver, progress=progress)
    return Source(fetched.data, fetched.content_type, None, url, fetched.final_url)


def load_base64(content_base64: str, filename: str | None, settings: Settings) -> Source:
    """Decode the caller's base64 document."""
    return Source(decode_base64(content_base64, settings.max_input_bytes), None, filename)

"""The converter interface: one small protocol, one file per format.

A converter gets the raw bytes plus a frozen `StreamInfo` record (what the
sniffer and the transport told us about them) and the caller's `ConvertOptions`,
and returns a `Document`. Adding a format is one new module with a class that
implements `accepts()` and `convert()`, listed in `doc_reader.convert.CONVERTERS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from doc_reader.convert.links import LinkStyle
from doc_reader.document import Document, Kind
from doc_reader.errors import ConversionError

Extract = Literal["main", "full"]
TOO_SLOW = "Converting this document took too long; for a PDF, ask for fewer `pages`."


@dataclass(frozen=True)
class StreamInfo:
    """What is known about the bytes before conversion."""

    kind: Kind
    content_type: str | None = None
    charset: str | None = None
    filename: str | None = None
    url: str | None = None


class Deadline:
    """A point in monotonic time after which conversion must stop, or an earlier cancellation.

    Converters call `check()` between units of work (pages, elements) so that a
    heavy document cannot hold a worker thread past its budget, and so that a
    client's cancellation stops the work.
    """

    def __init__(self, seconds: float | None) -> None:
        self._at = None if seconds is None else time.monotonic() + seconds
        self._cancelled = False

    def cancel(self) -> None:
        """Ask the conversion to stop at its next `check()` (the caller went away)."""
        self._cancelled = True

    def remaining(self) -> float | None:
        """Seconds left, or None when there is no deadline."""
        return None if self._at is None else self._at - time.monotonic()

    def expired(self) -> bool:
        """True once the deadline has passed."""
        return self._at is not None and time.monotonic() >= self._at

    def check(self) -> None:
        """Raise ConversionError if the deadline has passed or the work was cancelled."""
        if self._cancelled:
            raise ConversionError("The request was cancelled.")
        if self.expired():
            raise ConversionError(TOO_SLOW)


@dataclass(frozen=True)
class ConvertOptions:
    """Caller choices that change the output (all of them are part of the cache key)."""

    extract: Extract = "main"
    pages: str | None = None
    max_pages: int = 500
    images: bool = True
    links: LinkStyle = "inline"
    deadline: Deadline = field(default_factory=lambda: Deadline(None), compare=False, hash=False)
    # Called from the converting thread as progress(done, total, message), e.g. per batch of PDF pages.
    progress: Callable[[int, int, str], None] | None = field(default=None, compare=False, hash=False)


class Converter(Protocol):
    """Turns one family of formats into Markdown."""

    def accepts(self, info: StreamInfo) -> bool:
        """True if this converter handles bytes described by `info`."""
        ...

    def convert(self, data: bytes, info: StreamInfo, options: ConvertOptions) -> Document:
        """Convert `data` to a Document, or raise a DocReaderError subclass."""
        ...

"""Cut a long Markdown document into windows that reassemble exactly."""

from __future__ import annotations

from dataclasses import dataclass

from doc_reader.errors import InputError

# A cut looks back at most this share of the window for a paragraph or line boundary.
_LOOKBACK = 0.2
_BOUNDARIES = ("\n\n", "\n", ". ", " ")


@dataclass(frozen=True)
class Window:
    """`text` is `document[start:end]`; `next_start` is None when nothing is left."""

    text: str
    start: int
    end: int
    total: int

    @property
    def next_start(self) -> int | None:
        """Where the next call should start, or None at the end of the document."""
        return self.end if self.end < self.total else None


def window(document: str, start: int, max_length: int) -> Window:
    """The window of at most `max_length` characters starting at `start`, cut on a boundary when one is near.

    Windows taken one after another with `start = next_start` concatenate to the
    whole document: no gap, no overlap.
    """
    total = len(document)
    if start > total:
        raise InputError(f"start_index {start} is past the end of the document ({total} characters); start lower.")
    end = min(start + max_length, total)
    if end < total:
        end = _boundary(document, start, end)
    return Window(document[start:end], start, end, total)


def _boundary(document: str, start: int, end: int) -> int:
    earliest = max(start + 1, end - int((end - start) * _LOOKBACK))
    for mark in _BOUNDARIES:
        found = document.rfind(mark, earliest, end)
        if found != -1:
            return found + len(mark)
    return end


def continuation_hint(win: Window) -> str:
    """One line telling the model how to read on (empty at the end of the document)."""
    if win.next_start is None:
        return ""
    return (
        f"[doc-reader: characters {win.start}-{win.end} of {win.total} shown. "
        f"To continue, call read_document again with the same arguments and start_index={win.next_start}.]"
    )

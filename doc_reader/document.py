"""The result of converting one document: Markdown plus what we learned about it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal["html", "pdf", "text", "markdown", "json"]


class Document(BaseModel):
    """A converted document.

    `markdown` is the whole document; paging happens later, on this text.
    """

    markdown: str
    kind: Kind
    title: str | None = None
    page_count: int | None = Field(default=None, description="Pages in the PDF (all of them, not only those read).")
    metadata: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(
        default_factory=list,
        description="Things the reader should know: limits reached, pages without a text layer, and so on.",
    )

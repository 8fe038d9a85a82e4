"""HTML -> Markdown: decode, parse, read metadata, clean, select the main content, render.

The steps live in small modules: `html_clean` (parsing, hidden and non-text
content), `html_metadata` (title and page facts), `html_classify` (main content:
`html_blocks` cuts the page into blocks, `html_extract`'s rules and the
`html_model` classifier choose among them) and `html_markdown` (rendering).
"""

from __future__ import annotations

import re

from doc_reader.charset import decode
from doc_reader.convert.base import ConvertOptions, StreamInfo
from doc_reader.convert.html_classify import Predict, select_main
from doc_reader.convert.html_clean import base_url, clean, make_links_absolute, parse
from doc_reader.convert.html_extract import body_of
from doc_reader.convert.html_markdown import render
from doc_reader.convert.html_metadata import name_key, read_metadata
from doc_reader.document import Document

_FIRST_HEADING = re.compile(r"^(#{1,6}) ", re.MULTILINE)
# Any heading, also inside a list item or quote ("- # Title").
_HEADING_TEXT = re.compile(r"^(?:[-*+>] |\d+\. | )*#{1,6} (.+)$", re.MULTILINE)


class HtmlConverter:
    """Converts HTML pages to Markdown."""

    def accepts(self, info: StreamInfo) -> bool:
        """True for HTML."""
        return info.kind == "html"

    def convert(self, data: bytes, info: StreamInfo, options: ConvertOptions) -> Document:
        """Convert an HTML page to a Document whose Markdown opens with the page title."""
        return html_document(data, info, options)


def html_document(data: bytes, info: StreamInfo, options: ConvertOptions, predict: Predict | None = None) -> Document:
    """The Document for an HTML page; `predict` replaces the shipped block classifier (for training)."""
    options.deadline.check()
    root, truncated = parse(decode(data, info.charset, html=True))
    if root is None:
        return Document(markdown="", kind="html", notes=["The page has no text."])
    meta = read_metadata(root, info.url)
    base = base_url(root, info.url)
    clean(root, options.deadline)
    options.deadline.check()
    content = select_main(root, meta.kinds, options.deadline, predict) if options.extract == "main" else body_of(root)
    make_links_absolute(content, base)
    options.deadline.check()
    markdown = render(content, images=options.images, deadline=options.deadline, links=options.links)
    markdown = with_title(markdown, meta.title)
    notes = [] if markdown.strip() else [_empty_page_note(meta.metadata)]
    if truncated:
        notes.append("The page nests elements too deeply; only the text before that point was read.")
    return Document(markdown=markdown, kind="html", title=meta.title, metadata=meta.metadata, notes=notes)


def _empty_page_note(metadata: dict[str, str]) -> str:
    """What to tell the reader of a page without visible text (a script-drawn app shell, as a rule)."""
    note = "The page has no visible text; scripts probably draw its content in a browser."
    return f"{note} Its own summary is in the metadata's description." if metadata.get("description") else note


def with_title(markdown: str, title: str | None) -> str:
    """Prefix `# title` unless the content is empty, opens with a top-level heading or has the title as a heading."""
    first = _FIRST_HEADING.search(markdown)
    if not title or not markdown.strip() or (first and first.group(1) == "#"):
        return markdown
    key = name_key(title)
    if any(name_key(heading) == key for heading in _HEADING_TEXT.findall(markdown)):
        return markdown
    return f"# {' '.join(title.split())}\n\n{markdown}".rstrip("\n") + "\n"


CONVERTER = HtmlConverter()

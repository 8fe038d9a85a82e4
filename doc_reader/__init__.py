"""doc-reader: documents (web pages, PDFs, text) to clean Markdown for AI agents.

The public Python API is `convert()`, which turns bytes into a `Document`:

    >>> from doc_reader import convert
    >>> convert(b"<h1>Hi</h1><p>there</p>", content_type="text/html").markdown
    '# Hi\\n\\nthere\\n'
"""

from __future__ import annotations

from doc_reader.convert import ConvertOptions, Deadline, convert_stream
from doc_reader.convert.base import Extract
from doc_reader.convert.links import LinkStyle
from doc_reader.document import Document
from doc_reader.sniff import describe

__version__ = "0.1.0"


def convert(
    data: bytes,
    *,
    content_type: str | None = None,
    filename: str | None = None,
    url: str | None = None,
    extract: Extract = "main",
    pages: str | None = None,
    max_pages: int = ConvertOptions.max_pages,
    images: bool = True,
    links: LinkStyle = "inline",
    timeout: float | None = None,
) -> Document:
    """Convert a document's bytes to Markdown.

    `content_type` and `filename` are hints (magic bytes win); `url` is where the
    bytes came from, used to make links absolute. `extract="main"` keeps a web
    page's readable main content, `"full"` the whole visible page. `pages`
    selects PDF pages ("1-3,7") and `max_pages` caps how many are read; `images=False`
    drops images; `links="references"` writes `text[^1]` and lists the URLs at the end; `timeout`
    bounds the conversion in seconds. Raises a `doc_reader.errors.DocReaderError`
    subclass with a readable message when the document cannot be converted.
    """
    info = describe(data, content_type, filename, url)
    options = ConvertOptions(
        extract=extract, pages=pages, max_pages=max_pages, images=images, links=links, deadline=Deadline(timeout)
    )
    return convert_stream(data, info, options)


__all__ = ["Document", "__version__", "convert"]

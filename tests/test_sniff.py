"""Type detection: magic bytes, then Content-Type, then extension."""

from __future__ import annotations

import re

import pytest

from doc_reader.errors import UnsupportedTypeError
from doc_reader.sniff import describe, sniff


@pytest.mark.parametrize(
    ("data", "content_type", "filename", "kind"),
    [
        (b"%PDF-1.7\n...", "text/html", None, "pdf"),  # magic beats a lying type
        (b"<!DOCTYPE html><p>x</p>", "application/octet-stream", None, "html"),
        (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'><body/></html>", None, None, "html"),
        (b"# Title\n\ntext", "text/markdown; charset=utf-8", None, "markdown"),
        (b"# Title\n\ntext", None, "notes.md", "markdown"),
        (b'{"a": [1, 2]}', None, None, "json"),
        (b'{"a": broken', "application/json", None, "text"),
        (b"just words", None, None, "text"),
        (b"<div><p>fragment</p></div>", "text/plain", None, "html"),
        ("<html><body>é</body></html>".encode("utf-16"), None, None, "html"),
        (b"<html><body>\x1f\x01 stray control bytes</body></html>", None, None, "html"),
    ],
)
def test_kinds(data: bytes, content_type: str | None, filename: str | None, kind: str) -> None:
    assert sniff(data, content_type, filename) == kind


@pytest.mark.parametrize(
    ("data", "content_type", "named"),
    [
        (b"\xff\xd8\xff\xe0jpeg", None, "JPEG image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old office", None, "legacy Office"),
        (b"\x00\x01\x02\x03\x04binary", None, "binary file"),
        (b"", None, "empty"),
        (b"plain words", "application/pdf", "not one"),
        (b"abc", "image/svg+xml; charset=utf-8", "image/svg+xml"),
    ],
)
def test_unsupported_types_are_named(data: bytes, content_type: str | None, named: str) -> None:
    with pytest.raises(UnsupportedTypeError, match=re.escape(named)):
        sniff(data, content_type)


def test_describe_carries_charset_and_uses_the_url_path_as_a_hint() -> None:
    info = describe(b"# Hi", "text/plain; charset=ISO-8859-1", None, "https://x.test/readme.md")
    assert info.kind == "text" and info.charset == "ISO-8859-1"
    assert describe(b"# Hi", None, None, "https://x.test/readme.md").kind == "markdown"

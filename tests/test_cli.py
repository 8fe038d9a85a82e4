"""The `doc-reader` command line and the public `convert()` API."""

from __future__ import annotations

import subprocess

import pytest

import doc_reader
from doc_reader.errors import UnsupportedTypeError
from tests.conftest import ROOT, VENV_BIN, process_env


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "doc-reader"), "read", *args],
        cwd=ROOT,
        env=process_env(DOC_READER_LOG_LEVEL="WARNING", **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_read_a_local_file_prints_markdown() -> None:
    main = run_cli("fixtures/site/article.html")
    full = run_cli("fixtures/site/article.html", "--extract", "full")
    assert main.returncode == 0 and full.returncode == 0, main.stderr + full.stderr
    assert main.stdout.startswith("# Field Guide to Widgets\n") and "About us" not in main.stdout
    assert "# Field Guide to Widgets\n" in full.stdout and "About us" in full.stdout
    assert main.stderr == ""
    short = run_cli("fixtures/site/article.html", "--links", "references", "--no-images")
    assert short.returncode == 0, short.stderr
    assert "many habitats[^1]" in short.stdout and "](" not in short.stdout and "\n[^1]: " in short.stdout


def test_read_a_url_with_pages_and_max_length(site) -> None:
    allow = {"DOC_READER_ALLOW_HOSTS": "127.0.0.1"}
    pdf = run_cli(site.url("pdf/report.pdf"), "--pages", "1-2", **allow)
    assert pdf.returncode == 0, pdf.stderr
    assert pdf.stdout.startswith("<!-- page 1 -->") and "<!-- page 2 -->" in pdf.stdout
    assert "<!-- page 3 -->" not in pdf.stdout
    long = run_cli(site.url("site/long.md"), "--max-length", "1000", **allow)
    assert long.returncode == 0 and 0 < len(long.stdout) <= 1000
    assert "rerun with --start-index" in long.stderr


def test_read_errors_are_one_line_and_exit_non_zero() -> None:
    result = run_cli("http://127.0.0.1:9/private")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "doc-reader: This address is not allowed or does not exist: doc-reader only reads public web addresses; "
        "check the URL."
    )
    assert "Traceback" not in result.stderr


def test_convert_api_returns_a_document() -> None:
    doc = doc_reader.convert(
        (ROOT / "fixtures/site/article.html").read_bytes(), content_type="text/html", url="https://example.org/a/"
    )
    assert doc.kind == "html" and doc.title == "Field Guide to Widgets" and doc.page_count is None
    assert "[many habitats](https://example.org/a/docs/habitat.html)" in doc.markdown
    pdf = doc_reader.convert((ROOT / "fixtures/pdf/report.pdf").read_bytes(), pages="1")
    assert pdf.kind == "pdf" and pdf.page_count == 4 and pdf.metadata["author"] == "Ada Example"
    with pytest.raises(UnsupportedTypeError, match="PNG"):
        doc_reader.convert(b"\x89PNG\r\n\x1a\n....")

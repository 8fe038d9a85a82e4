"""Peak memory of single read_document calls at the size caps, each in a fresh process.

    .venv/bin/python -m bench.memory            # every scenario, one table
    .venv/bin/python -m bench.memory --one pdf600

Documents are served by the tests' loopback fixture server or sent as base64; nothing leaves the
machine. Peak RSS is the process's `ru_maxrss`, fixture server included, so it is an upper bound
for a worker serving the same call.
"""

from __future__ import annotations

import argparse
import base64
import io
import resource
import subprocess
import sys
import time

import anyio

from doc_reader.reader import Reader, ReadRequest
from doc_reader.settings import Settings
from tests.fixture_server import BLOBS, FIXTURES, FixtureServer

MB = 1024 * 1024
SCENARIOS = {
    "text25": "25 MB text download (at the download cap)",
    "bomb": "1 GB gzip bomb",
    "b64_10": "10 MB base64 upload (at the input cap)",
    "pdf600": "600-page PDF upload (page cap 500)",
    "html2": "2 MB dense HTML (at the HTML cap)",
    "html25": "25 MB dense HTML download",
}


def _dense_html(megabytes: float) -> bytes:
    unit = b"<div><p>Paragraph with <a href='/x'>a link</a> and <b>bold</b> words.</p><ul><li>a</li></ul></div>"
    return b"<html><body>" + unit * int(megabytes * MB / len(unit)) + b"</body></html>"


def _long_pdf(pages: int) -> bytes:
    import pypdf

    source = pypdf.PdfReader(FIXTURES / "pdf" / "report.pdf")
    writer = pypdf.PdfWriter()
    while len(writer.pages) < pages:
        writer.add_page(source.pages[len(writer.pages) % 3])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _request(name: str, site: FixtureServer) -> ReadRequest:
    if name == "text25":
        return ReadRequest(url=site.url(f"big?size={25 * MB - 1024}&length=honest"))
    if name == "bomb":
        return ReadRequest(url=site.url(f"bomb?size={1024 * MB}&coding=gzip"))
    if name == "b64_10":
        return ReadRequest(content_base64=base64.b64encode(b"word " * (2 * MB)).decode(), filename="a.txt")
    if name == "pdf600":
        return ReadRequest(content_base64=base64.b64encode(_long_pdf(600)).decode())
    BLOBS[name] = (_dense_html(2 if name == "html2" else 25), "text/html")
    return ReadRequest(url=site.url(f"blob?name={name}"))


async def _one(name: str) -> None:
    with FixtureServer() as site:
        reader = Reader(Settings(allow_hosts=["127.0.0.1"], cache_ttl=0, convert_timeout=60, request_timeout=90))
        request = _request(name, site)
        started = time.monotonic()
        try:
            result = await reader.read(request)
            outcome = f"ok, {result.total_length} chars" + (f", note: {result.notes[0][:60]}" if result.notes else "")
        except Exception as exc:  # the table reports refusals too
            outcome = f"refused: {str(exc)[:70]}"
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"| {SCENARIOS[name]} | {time.monotonic() - started:.1f} | {peak:.0f} | {outcome} |")


def main() -> None:
    """Run one scenario (--one) or all of them, each in its own process."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--one", choices=sorted(SCENARIOS))
    args = parser.parse_args()
    if args.one:
        anyio.run(_one, args.one)
        return
    print("| request | seconds | peak RSS (MB) | result |\n| --- | ---: | ---: | --- |", flush=True)
    for name in SCENARIOS:
        subprocess.run([sys.executable, "-m", "bench.memory", "--one", name], check=False)


if __name__ == "__main__":
    main()

"""A loopback HTTP server for tests: serves files under fixtures/ plus scripted routes.

Routes are functions of the request handler; add one with `@route("/path")`.
Every request is counted per path so tests can tell whether a call hit the network.
"""

from __future__ import annotations

import functools
import gzip
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html",
    ".pdf": "application/pdf",
    ".md": "text/markdown; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
}

Handler = Callable[["FixtureHandler", dict[str, list[str]]], None]
ROUTES: dict[str, Handler] = {}


def route(path: str) -> Callable[[Handler], Handler]:
    """Register a scripted route."""

    def register(fn: Handler) -> Handler:
        ROUTES[path] = fn
        return fn

    return register


class FixtureHandler(BaseHTTPRequestHandler):
    """Serves ROUTES first, then files under fixtures/ (with ?type= to override the Content-Type)."""

    protocol_version = "HTTP/1.1"
    hits: ClassVar[Counter[str]] = Counter()

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        return

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        FixtureHandler.hits[parts.path] += 1
        if parts.path in ROUTES:
            ROUTES[parts.path](self, query)
            return
        file = (FIXTURES / parts.path.lstrip("/")).resolve()
        if FIXTURES not in file.parents or not file.is_file():
            self.send_body(404, b"not found", "text/plain")
            return
        content_type = query.get("type", [_TYPES.get(file.suffix, "application/octet-stream")])[0]
        self.send_body(200, file.read_bytes(), content_type)

    def send_body(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        """Send a complete response."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@route("/redirect")
def _redirect(handler: FixtureHandler, query: dict[str, list[str]]) -> None:
    handler.send_body(302, b"", "text/plain", {"Location": query["to"][0]})


@route("/status")
def _status(handler: FixtureHandler, query: dict[str, list[str]]) -> None:
    handler.send_body(int(query["code"][0]), b"<h1>error page</h1>", "text/html")


@route("/slow")
def _slow(handler: FixtureHandler, query: dict[str, list[str]]) -> None:
    time.sleep(float(query.get("seconds", ["60"])[0]))
    handler.send_body(200, b"<h1>late</h1>", "text/html")


@route("/negotiate")
def _negotiate(handler: FixtureHandler, query: dict[str, list[str]]) -> None:
    # A "markdown for agents" server: Markdown for clients that ask for it, HTML for the rest.
    if "text/markdown" in handler.headers.get("Accept", ""):
        handler.send_body(200, b"# Agent copy\n\n<b>kept as written</b>\n", "text/markdown; charset=utf-8")
    else:
        handler.send_body(200, b"<h1>Browser copy</h1><nav>menu</nav>", "text/html")


@route("/gzip")
def _gzip(handler: FixtureHandler, query: dict[str, list[str]]) -> None:
    size = int(query.get("size", ["1000"])[0])
    handler.send_body(200, gzip.compress(b"a" * size), "text/plain", {"Content-Encoding": "gzip"})


class QuietServer(ThreadingHTTPServer):
    """Clients that hang up mid-response (the tests' timeouts do this on purpose) are not errors."""

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serving(httpd: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    """Serve `httpd` from a daemon thread until the block ends, then shut it down and close its socket."""
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


class FixtureServer:
    """Start/stop wrapper; `url(path)` gives the loopback URL of a fixture or route."""

    def __init__(self) -> None:
        self.httpd = QuietServer(("127.0.0.1", 0), FixtureHandler)
        self.port = self.httpd.server_address[1]
        self._running = ExitStack()

    def url(self, path: str) -> str:
        """Absolute URL for `path` on this server."""
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def hits(self, path: str) -> int:
        """How many times `path` was requested."""
        return FixtureHandler.hits["/" + path.lstrip("/").split("?", 1)[0]]

    def __enter__(self) -> FixtureServer:
        self._running.enter_context(serving(self.httpd))
        return self

    def __exit__(self, *exc: object) -> None:
        self._running.close()


# --- Routes for the security and bounds tests (tests/test_ssrf*.py, test_bounds*.py, test_bad_input*.py) ---

# Documents a test registers by name and fetches from /blob?name=...: (body, Content-Type).
BLOBS: dict[str, tuple[bytes, str]] = {}


@route("/blob")
def _blob(handler: FixtureHandler, query: dict[str, list[str]]) -> None:
    body, content_type = BLOBS[query["name"][0]]
    handler.send_body(200, body, content_type)


@route("/drip")
def _drip(handler: FixtureHandler, query: dict[str, list[str]]) -> None:
    """Headers at once, then one byte every `interval` seconds (a body that never stalls but never ends)."""
    size, interval = int(query.get("bytes", ["1000"])[0]), float(query.get("interval", ["1"])[0])
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.send_header("Content-Length", str(size))
    handler.end_headers()
    try:
        for _ in range(size):
            handler.wfile.write(b"a")
            handler.wfile.flush()
            time.sleep(interval)
    except OSError:  # the client hung up, as it should
        handler.close_connection = True


@route("/chain")
def _chain(handler: FixtureHandler, query: dict[str, list[str]]) -> None:
    """`n` more redirects, then a page."""
    left = int(query["n"][0])
    if left > 0:
        handler.send_body(302, b"", "text/plain", {"Location": f"/chain?n={left - 1}"})
    else:
        handler.send_body(200, b"<h1>End of the chain</h1><p>Arrived.</p>", "text/html")


def _deflate_stream(size: int, wbits: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = b"a" * (1024 * 1024)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    return b"".join([*parts, packer.compress(b"a" * (size % len(block))), packer.flush()])


@functools.lru_cache(maxsize=16)
def _bomb_body(size: int, coding: str) -> tuple[bytes, str]:
    if coding == "gzip":
        return _deflate_stream(size, 16 + zlib.MAX_WBITS), "gzip"
    if coding == "deflate":
        return _deflate_stream(size, zlib.MAX_WBITS), "deflate"
    if coding == "raw-deflate":
        return _deflate_stream(size, -zlib.MAX_WBITS), "deflate"
    if coding == "double":
        return gzip.compress(_deflate_stream(size, 16 + zlib.MAX_WBITS)), "gzip, gzip"
    return b"\x00" * 64, coding  # an encoding nobody asked for (br, zstd...)


@route("/bomb")
def _bomb(handler: FixtureHandler, query: dict[str, list[str]]) -> None:
    """`size` bytes of "a", compressed with `coding` (gzip, deflate, raw-deflate, double, or any other name)."""
    body, encoding = _bomb_body(int(query.get("size", ["1000"])[0]), query.get("coding", ["gzip"])[0])
    handler.send_body(200, body, "text/plain", {"Content-Encoding": encoding})


@route("/big")
def _big(handler: FixtureHandler, query: dict[str, list[str]]) -> None:
    """`size` bytes of text, framed by `length`: honest Content-Length, lie, none (close-delimited) or chunked."""
    size, framing = int(query.get("size", ["1000"])[0]), query.get("length", ["honest"])[0]
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    if framing == "honest":
        handler.send_header("Content-Length", str(size))
    elif framing == "lie":  # claims 100 bytes, sends `size`
        handler.send_header("Content-Length", "100")
        handler.close_connection = True
    elif framing == "chunked":
        handler.send_header("Transfer-Encoding", "chunked")
    else:
        handler.send_header("Connection", "close")
        handler.close_connection = True
    handler.end_headers()
    block = b"word " * 13107  # 65535 bytes
    sent = 0
    try:
        while sent < size:
            piece = block[: size - sent]
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if framing == "chunked" else piece)
            sent += len(piece)
        if framing == "chunked":
            handler.wfile.write(b"0\r\n\r\n")
    except OSError:
        handler.close_connection = True


@route("/reason")
def _reason(handler: FixtureHandler, query: dict[str, list[str]]) -> None:
    """An error status with a server-chosen reason phrase (which must never reach the model)."""
    body = b"<h1>error page</h1>"
    handler.send_response(int(query["code"][0]), query["text"][0])
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)

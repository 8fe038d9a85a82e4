"""A loopback HTTP server for tests: serves files under fixtures/ plus scripted routes.

Routes are functions of the request handler; add one with `@route("/path")`.
Every request is counted per path so tests can tell whether a call hit the network.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from collections.abc import Callable
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


@route("/gzip")
def _gzip(handler: FixtureHandler, query: dict[str, list[str]]) -> None:
    size = int(query.get("size", ["1000"])[0])
    handler.send_body(200, gzip.compress(b"a" * size), "text/plain", {"Content-Encoding": "gzip"})


class FixtureServer:
    """Start/stop wrapper; `url(path)` gives the loopback URL of a fixture or route."""

    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), FixtureHandler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        """Absolute URL for `path` on this server."""
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def hits(self, path: str) -> int:
        """How many times `path` was requested."""
        return FixtureHandler.hits["/" + path.lstrip("/").split("?", 1)[0]]

    def __enter__(self) -> FixtureServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

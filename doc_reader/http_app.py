"""The ASGI app gunicorn serves: Streamable HTTP at /mcp, /healthz, auth and transport security."""

from __future__ import annotations

import ipaddress
import json
import logging
from fnmatch import fnmatchcase

from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from doc_reader import __version__
from doc_reader.auth import key_matches, presented_key
from doc_reader.server import build_server
from doc_reader.settings import Settings, get_settings

log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/healthz"})


class UnsafeBindError(SystemExit):
    """Raised at start-up when the server would listen on a public address with no authentication."""


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def ensure_safe_bind(host: str, settings: Settings) -> None:
    """Refuse to serve a non-loopback address with no API key; on loopback without one, warn that it is open."""
    if settings.api_keys:
        return
    if not is_loopback(host):
        raise UnsafeBindError(
            f"doc-reader refuses to listen on {host} without authentication: set API_KEY "
            "(comma-separated keys) or bind to 127.0.0.1."
        )
    log.warning("No API_KEY set: the HTTP server on %s is open to anyone who can reach it (loopback only).", host)


def _allowed(value: str, patterns: list[str]) -> bool:
    return any(fnmatchcase(value, pattern) for pattern in patterns)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps({"error": message}), status_code=status, media_type="application/json", headers=headers
    )


class GateMiddleware:
    """Checks every HTTP request before the MCP transport sees it: Host, Origin, then credentials."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer refused requests with a JSON error; pass the rest (and lifespan events) through."""
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> Response | None:
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if self.settings.http_allowed_hosts and not _allowed(host, self.settings.http_allowed_hosts):
            return _error(421, "This Host is not served here.")
        origin = headers.get("origin")
        if origin and not _allowed(origin, self.settings.allowed_origins):
            return _error(403, "This Origin is not allowed to call doc-reader.")
        if scope["path"] in PUBLIC_PATHS or not self.settings.api_keys:
            return None
        if not key_matches(presented_key(headers), self.settings.api_keys):
            return _error(
                401,
                "Missing or invalid API key: send Authorization: Bearer <key> or x-api-key: <key>.",
                {"WWW-Authenticate": 'Bearer realm="doc-reader"'},
            )
        return None


def create_app(settings: Settings | None = None) -> ASGIApp:
    """Build the HTTP app: stateless Streamable HTTP (so any worker or dyno can answer any request)."""
    settings = settings or get_settings()
    server = build_server(settings)

    @server.custom_route("/healthz", methods=["GET"], include_in_schema=False)
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__})

    app = server.streamable_http_app(
        stateless_http=True,
        max_request_body_size=settings.max_request_body_bytes,
        # Host and Origin are checked by GateMiddleware, with patterns that work behind the Heroku router.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    return GateMiddleware(app, settings)

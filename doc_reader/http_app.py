"""The ASGI app gunicorn serves: Streamable HTTP at /mcp, /healthz, auth and transport security."""

from __future__ import annotations

import json
import logging
import re
import time
from fnmatch import fnmatchcase

from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from doc_reader import __version__, logs
from doc_reader.auth import bearer_token, is_loopback, matching_key, presented_key
from doc_reader.cache import make_cache, redis_client
from doc_reader.oauth import Denied, OAuthGate, make_oauth
from doc_reader.ratelimit import RateLimiter, make_limiter, retry_after
from doc_reader.reader import Reader
from doc_reader.server import build_server
from doc_reader.settings import Settings, get_settings

log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset({"/healthz"})
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class UnsafeBindError(SystemExit):
    """Raised at start-up when the server would listen on a public address with no authentication."""


def ensure_safe_bind(host: str, settings: Settings) -> None:
    """Refuse to serve a non-loopback address with no API key; on loopback without one, warn that it is open."""
    if settings.api_keys or settings.oauth_issuer:
        return
    if not is_loopback(host):
        raise UnsafeBindError(
            f"doc-reader refuses to listen on {host} without authentication: set API_KEY "
            "(comma-separated keys) or DOC_READER_OAUTH_ISSUER, or bind to 127.0.0.1."
        )
    log.warning("No API_KEY set: the HTTP server on %s is open to anyone who can reach it (loopback only).", host)


def _allowed(value: str, patterns: list[str]) -> bool:
    return any(fnmatchcase(value, pattern) for pattern in patterns)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps({"error": message}), status_code=status, media_type="application/json", headers=headers)


class GateMiddleware:
    """Checks every HTTP request before the MCP transport sees it: Host, Origin, credentials, then rate limits.

    A request passes with a valid API key or (when OAuth is configured) a valid access token. Each request
    gets a request id (Heroku's X-Request-ID, or a new one) for the logs and the response's X-Request-ID.
    """

    def __init__(
        self, app: ASGIApp, settings: Settings, oauth: OAuthGate | None = None, limiter: RateLimiter | None = None
    ) -> None:
        self.app = app
        self.settings = settings
        self.oauth = oauth
        self.limiter = limiter
        self.public = PUBLIC_PATHS | (oauth.paths if oauth else frozenset())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer refused requests with a JSON error; pass the rest (and lifespan events) through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = headers.get("x-request-id", "")
        rid = given if _REQUEST_ID.fullmatch(given) else logs.new_request_id()
        context = logs.request_id.set(rid)
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
            await send(message)

        caller = None
        try:
            refusal, caller = await self._admit(scope, headers)
            await (refusal or self.app)(scope, receive, send_with_id)
        finally:
            if scope["path"] not in PUBLIC_PATHS:
                duration = round((time.perf_counter() - started) * 1000, 1)
                extra = {"method": scope["method"], "path": scope["path"], "status": status, "duration_ms": duration}
                log.info("http %s %s %s", scope["method"], scope["path"], status, extra={**extra, "caller": caller})
            logs.request_id.reset(context)

    async def _admit(self, scope: Scope, headers: Headers) -> tuple[ASGIApp | None, str | None]:
        """A refusal (or None) and the caller's identity for rate limits and logs."""
        host = headers.get("host", "")
        if self.settings.http_allowed_hosts and not _allowed(host, self.settings.http_allowed_hosts):
            return _error(421, "This Host is not served here."), None
        origin = headers.get("origin")
        if origin and not _allowed(origin, self.settings.allowed_origins):
            return _error(403, "This Origin is not allowed to call doc-reader."), None
        if scope["path"] in self.public:
            return None, None
        refusal, caller = await self._authenticate(scope, headers)
        if refusal is None and self.limiter is not None:
            wait = await self.limiter.take(caller)
            if wait > 0:
                log.info("rate limited", extra={"caller": caller})
                message = "Too many requests: slow down and retry after the Retry-After delay."
                return _error(429, message, {"Retry-After": retry_after(wait)}), caller
        return refusal, caller

    async def _authenticate(self, scope: Scope, headers: Headers) -> tuple[Response | None, str]:
        if not self.settings.api_keys and self.oauth is None:
            client = scope.get("client")
            return None, f"ip:{client[0] if client else 'unknown'}"
        if self.settings.api_keys:
            position = matching_key(presented_key(headers), self.settings.api_keys)
            if position is not None:
                return None, f"key:{position}"
        if self.oauth is None:
            return _error(
                401,
                "Missing or invalid API key: send Authorization: Bearer <key> or x-api-key: <key>.",
                {"WWW-Authenticate": 'Bearer realm="doc-reader"'},
            ), "unauthenticated"
        checked = await self.oauth.check(bearer_token(headers))
        if isinstance(checked, Denied):
            body = {"error": checked.error, "error_description": checked.description}
            return JSONResponse(body, checked.status, {"WWW-Authenticate": checked.challenge}), "unauthenticated"
        return None, f"oauth:{checked.subject or checked.client_id}"


def create_app(settings: Settings | None = None) -> ASGIApp:
    """Build the HTTP app: stateless Streamable HTTP (so any worker or dyno can answer any request)."""
    settings = settings or get_settings()
    # One Redis client (one connection pool) for the cache and the rate limiter.
    redis = redis_client(settings.redis_url, settings.redis_timeout) if settings.redis_url else None
    server = build_server(settings, Reader(settings, cache=make_cache(settings, redis)))

    @server.custom_route("/healthz", methods=["GET"], include_in_schema=False)
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__})

    app = server.streamable_http_app(
        stateless_http=True,
        max_request_body_size=settings.max_request_body_bytes,
        # Host and Origin are checked by GateMiddleware, with patterns that work behind the Heroku router.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    oauth = make_oauth(settings)
    if oauth is not None:
        app.router.routes.extend(oauth.routes())
    return GateMiddleware(app, settings, oauth, make_limiter(settings, redis))

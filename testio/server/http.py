"""MCP over streamable HTTP: one server for a team's AI clients, `testio serve --http`.

Every request to `/mcp` must carry `Authorization: Bearer <token>` with one of the tokens of
`TESTIO_HTTP_TOKENS` (compared in constant time); anything else is 401 with
`WWW-Authenticate: Bearer`. The TestIO API token is never a client token. Browsers are kept
out unless their origin is listed in `TESTIO_HTTP_ALLOWED_ORIGINS`: no CORS header is sent
and preflights are refused. All clients share one app (one cache engine, one API client),
opened once for the life of the server.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import logging
import signal
from collections.abc import AsyncGenerator, Sequence
from typing import Any, Final

from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from testio.config import Settings
from testio.errors import ConfigError
from testio.server.mcp_server import build_server

log = logging.getLogger("testio.http")

MCP_PATH: Final = "/mcp"
DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8080
MIN_TOKEN_LENGTH: Final = 16
CORS_HEADERS: Final = (
    "authorization, content-type, mcp-session-id, mcp-protocol-version, last-event-id"
)


def client_tokens(settings: Settings) -> tuple[bytes, ...]:
    """The client tokens, checked: at least one, long enough, and never the TestIO API token."""
    tokens = settings.client_tokens()
    if not tokens:
        raise ConfigError(
            "`testio serve --http` needs client tokens: set TESTIO_HTTP_TOKENS to one or more "
            "comma-separated secrets (e.g. from `python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'`) and give each client one."
        )
    if settings.api_token and settings.api_token in tokens:
        raise ConfigError(
            "TESTIO_HTTP_TOKENS contains the TestIO API token; give HTTP clients tokens of "
            "their own, never the API token."
        )
    if any(len(t) < MIN_TOKEN_LENGTH for t in tokens):
        raise ConfigError(
            f"Every TESTIO_HTTP_TOKENS entry must be at least {MIN_TOKEN_LENGTH} characters long."
        )
    return tuple(t.encode() for t in tokens)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


async def _respond(
    send: Send, status: int, body: dict[str, Any] | None, headers: Sequence[tuple[bytes, bytes]]
) -> None:
    payload = b"" if body is None else json.dumps(body).encode()
    all_headers = [*headers, (b"content-length", str(len(payload)).encode())]
    if body is not None:
        all_headers.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": payload})


class Guard:
    """ASGI middleware: CORS (closed unless origins are allowed), then the bearer token check."""

    def __init__(self, app: ASGIApp, *, tokens: Sequence[bytes], origins: Sequence[str]) -> None:
        self._app = app
        self._tokens = tuple(tokens)
        self._origins = frozenset(origins)

    def _authorized(self, scope: Scope) -> bool:
        header = _header(scope, b"authorization") or ""
        scheme, _, presented = header.partition(" ")
        if scheme.lower() != "bearer" or not presented:
            return False
        candidate = presented.strip().encode()
        # Every token is compared, so the time taken says nothing about which one is close.
        matches = [hmac.compare_digest(candidate, token) for token in self._tokens]
        return any(matches)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        origin = _header(scope, b"origin")
        allowed = origin is not None and origin.rstrip("/") in self._origins
        cors: list[tuple[bytes, bytes]] = []
        if allowed and origin is not None:
            cors = [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-expose-headers", b"mcp-session-id"),
                (b"vary", b"origin"),
            ]
        if scope["method"] == "OPTIONS":
            if not allowed:
                await _respond(send, 403, {"error": "Cross-origin requests are not allowed."}, [])
                return
            await _respond(
                send,
                204,
                None,
                [
                    *cors,
                    (b"access-control-allow-methods", b"GET, POST, DELETE"),
                    (b"access-control-allow-headers", CORS_HEADERS.encode()),
                    (b"access-control-max-age", b"600"),
                ],
            )
            return
        if origin is not None and not allowed:
            await _respond(send, 403, {"error": "Cross-origin requests are not allowed."}, [])
            return
        if not self._authorized(scope):
            await _respond(
                send,
                401,
                {"error": "A valid bearer token is required (Authorization: Bearer <token>)."},
                [*cors, (b"www-authenticate", b'Bearer realm="testio"')],
            )
            return
        if not cors:
            await self._app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *cors]}
            await send(message)

        await self._app(scope, receive, send_with_cors)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _security(host: str, origins: Sequence[str]) -> TransportSecuritySettings:
    """DNS-rebinding protection on loopback; bearer tokens guard other interfaces."""
    if not _loopback(host):
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    hosts = [f"{name}:*" for name in ("127.0.0.1", "localhost", "[::1]", host)]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=list(origins)
    )


def http_app(settings: Settings, *, host: str = DEFAULT_HOST, server: Any = None) -> Starlette:
    """The ASGI app of `testio serve --http` (`server` replaces `build_server(settings)`)."""
    tokens = client_tokens(settings)
    mcp_server = server if server is not None else build_server(settings)
    origins = settings.allowed_origins()
    manager = StreamableHTTPSessionManager(
        app=mcp_server, security_settings=_security(host, origins)
    )
    endpoint = Guard(manager.handle_request, tokens=tokens, origins=origins)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncGenerator[None]:
        async with manager.run():
            yield

    return Starlette(
        routes=[Route(MCP_PATH, endpoint=endpoint, methods=["GET", "POST", "DELETE", "OPTIONS"])],
        lifespan=lifespan,
    )


def run(settings: Settings, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Entry point of `testio serve --http` (blocking; SIGTERM or Ctrl-C stops it)."""
    import uvicorn

    app = http_app(settings, host=host)
    if not _loopback(host):
        log.warning(
            "serving MCP on %s:%d without TLS; put a TLS-terminating proxy in front of it",
            host,
            port,
        )
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it to the handler found at
    # start: this one makes that a normal exit (status 0) instead of death by signal.
    signal.signal(signal.SIGTERM, _exit_normally)
    uvicorn.Server(config).run()


def _exit_normally(signum: int, frame: object) -> None:
    raise SystemExit(0)

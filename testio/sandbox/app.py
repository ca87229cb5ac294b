"""The Starlette application that serves a sandbox."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from testio.sandbox.admin import admin_routes
from testio.sandbox.api import PREFIX, api_routes, route_key
from testio.sandbox.config import SandboxConfig
from testio.sandbox.faults import FaultInjector
from testio.sandbox.sandbox import Sandbox


def _error(status: int, message: str) -> Response:
    """Answer with a JSON error body."""
    body = json.dumps({"error": message}).encode()
    return Response(
        body,
        status_code=status,
        media_type="application/json",
        headers={"cache-control": "no-cache"},
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    """Answer routing errors (unknown path, wrong method) with JSON."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = {404: "Not found", 405: "Method Not Allowed"}.get(status, "Internal Server Error")
    return _error(status, message)


async def _crash(request: Request, exc: Exception) -> Response:
    """Answer any unexpected exception with a JSON 500, never a traceback page."""
    return _error(500, "Internal Server Error")


class SandboxApp(Starlette):
    """A Starlette app whose API requests pass through the fault injector first.

    The injector sits outside Starlette's own middleware so that it receives the server's
    untouched `send`, which is what lets it drop a real connection.
    """

    def __init__(self, sandbox: Sandbox) -> None:
        super().__init__(
            routes=[*api_routes(sandbox), *admin_routes(sandbox)],
            exception_handlers={HTTPException: _http_error, Exception: _crash},
        )
        self.router.redirect_slashes = False  # the API has no trailing-slash forms
        self.sandbox = sandbox
        self.state.sandbox = sandbox

        def count(scope: Any) -> None:
            sandbox.count(route_key(str(scope["method"]), str(scope["path"])))

        self._injector = FaultInjector(lambda: sandbox.faults, count)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope["path"]).startswith(PREFIX):
            await self._injector(scope, receive, send, super().__call__)
        else:
            await super().__call__(scope, receive, send)


def create_app(config: SandboxConfig | Sandbox | None = None) -> SandboxApp:
    """Build the ASGI app of a sandbox from its configuration (or an existing Sandbox)."""
    sandbox = config if isinstance(config, Sandbox) else Sandbox(config or SandboxConfig())
    return SandboxApp(sandbox)


def sandbox_of(app: Starlette) -> Sandbox:
    """Return the Sandbox an app created by `create_app` serves."""
    sandbox = app.state.sandbox
    if not isinstance(sandbox, Sandbox):
        raise TypeError("This app was not created by testio.sandbox.create_app.")
    return sandbox

"""The admin endpoints under /_admin: counters, faults, ground truth and the clock."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from testio.sandbox.api import parse_object
from testio.sandbox.clock import parse_instant, utc_stamp
from testio.sandbox.errors import BadRequest
from testio.sandbox.sandbox import Sandbox

ADMIN_PREFIX = "/_admin"


def _json(value: object, status: int = 200) -> Response:
    """Answer with a JSON body."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(
        body,
        status_code=status,
        media_type="application/json",
        headers={"cache-control": "no-cache"},
    )


async def _body(request: Request) -> dict[str, object] | Response:
    """Parse a JSON object body, or return the 400 response to send."""
    try:
        return parse_object(await request.body())
    except BadRequest as exc:
        return _json({"error": exc.message}, 400)


def admin_routes(sandbox: Sandbox) -> list[Route]:
    """Build the admin routes of a sandbox."""

    async def counters(request: Request) -> Response:
        return _json(sandbox.counters())

    async def reset_counters(request: Request) -> Response:
        sandbox.reset_counters()
        return _json(sandbox.counters())

    async def get_faults(request: Request) -> Response:
        return _json(sandbox.faults.to_json())

    async def put_faults(request: Request) -> Response:
        body = await _body(request)
        if isinstance(body, Response):
            return body
        try:
            sandbox.set_faults(sandbox.faults.updated(body))
        except (TypeError, ValueError) as exc:
            return _json({"error": str(exc)}, 400)
        return _json(sandbox.faults.to_json())

    async def ground_truth(request: Request) -> Response:
        return _json(sandbox.ground_truth())

    async def get_now(request: Request) -> Response:
        return _json({"now": utc_stamp(sandbox.now()), "pinned": sandbox.config.now is not None})

    async def put_now(request: Request) -> Response:
        body = await _body(request)
        if isinstance(body, Response):
            return body
        raw = body.get("now")
        try:
            sandbox.set_now(None if raw is None else parse_instant(str(raw)))
        except ValueError as exc:
            return _json({"error": str(exc)}, 400)
        return _json({"now": utc_stamp(sandbox.now())})

    async def tokens(request: Request) -> Response:
        return _json({"tokens": sandbox.tokens})

    table: list[tuple[str, str, Callable[[Request], Awaitable[Response]]]] = [
        ("GET", "/counters", counters),
        ("POST", "/counters/reset", reset_counters),
        ("GET", "/faults", get_faults),
        ("PUT", "/faults", put_faults),
        ("GET", "/ground-truth", ground_truth),
        ("GET", "/now", get_now),
        ("PUT", "/now", put_now),
        ("GET", "/tokens", tokens),
    ]
    return [
        Route(ADMIN_PREFIX + path, handler, methods=[method]) for method, path, handler in table
    ]

"""An ASGI app in front of the sandbox that fails or rewrites chosen API responses.

Tests use it for faults the sandbox has no switch for (one endpoint failing for good) and for
hostile payloads: a rule matches requests by a regular expression on `path?query` and either
answers with an error status itself or hands the sandbox's JSON body to a function that
returns the bytes to send instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import attrs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]
Rewrite = Callable[[Any], bytes]


@attrs.define
class _Rule:
    pattern: re.Pattern[str]
    status: int | None = None
    rewrite: Rewrite | None = None


class RewritingApi:
    """Wraps an ASGI app; requests matching no rule pass through untouched."""

    def __init__(self, app: Asgi) -> None:
        self._app = app
        self._rules: list[_Rule] = []
        self.hits = 0
        """How many requests the rules have answered or rewritten so far."""

    def fail(self, pattern: str, status: int = 503) -> None:
        """Answer every request matching `pattern` with `status` and a JSON error body."""
        self._rules.append(_Rule(re.compile(pattern), status=status))

    def rewrite(self, pattern: str, rewrite: Rewrite) -> None:
        """Send `rewrite(decoded body)` instead of the successful JSON body of matching requests."""
        self._rules.append(_Rule(re.compile(pattern), rewrite=rewrite))

    def clear(self) -> None:
        """Drop every rule: the API behaves again."""
        self._rules.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self._match(scope)
        if rule is None:
            await self._app(scope, receive, send)
            return
        self.hits += 1
        if rule.status is not None:
            await _answer(send, rule.status, b'{"error":"Service Unavailable"}')
            return
        assert rule.rewrite is not None
        await self._app(scope, receive, _Rewriting(send, rule.rewrite))

    def _match(self, scope: Scope) -> _Rule | None:
        if scope["type"] != "http":
            return None
        target = f"{scope['path']}?{bytes(scope.get('query_string', b'')).decode()}"
        return next((r for r in self._rules if r.pattern.search(target)), None)


async def _answer(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class _Rewriting:
    """An ASGI `send` that collects a successful body and sends its rewritten form."""

    def __init__(self, send: Send, rewrite: Rewrite) -> None:
        self._send = send
        self._rewrite = rewrite
        self._start: Message | None = None
        self._body = bytearray()

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._start = message
            return
        self._body.extend(message.get("body", b""))
        if message.get("more_body", False):
            return
        assert self._start is not None
        status = int(self._start["status"])
        body = bytes(self._body)
        if status == 200:
            body = self._rewrite(json.loads(body))
        headers = [
            (k, v) for k, v in self._start.get("headers", []) if k.lower() != b"content-length"
        ]
        headers.append((b"content-length", str(len(body)).encode()))
        await self._send({"type": "http.response.start", "status": status, "headers": headers})
        await self._send({"type": "http.response.body", "body": body, "more_body": False})

"""Fault injection in front of the API: latency, rate limits, 5xx, dropped connections, bad JSON."""

from __future__ import annotations

import asyncio
import math
import re
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from email.utils import formatdate
from random import Random
from typing import Any

import httpx

from testio.sandbox.config import Faults

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

BAD_GATEWAY = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1></body></html>"
)


HANG_S = 600.0
"""How long a timed-out write keeps a real connection waiting: longer than any client waits."""
_BUG_PATH = re.compile(r"^/customer/v2/bugs/(\d+)(?:/(\w+))?$")


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised in-process when there is no socket to drop; clients see it as httpx's own error."""


class RequestTimedOut(httpx.ReadTimeout):
    """Raised in-process instead of keeping the request waiting; clients see a read timeout."""


class TokenBucket:
    """A token bucket refilled at `rate` tokens per second, holding at most max(1, rate)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Take a token; return 0 on success, else the seconds until one is available."""
        with self._lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return 0.0
            return (1.0 - self.tokens) / self.rate


async def send_response(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Send a complete response through a raw ASGI `send`."""
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-cache"),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def drop_connection(send: Send) -> None:
    """Close the client's connection without sending a single byte.

    Under uvicorn the ASGI `send` is a method of the request cycle, which holds the socket's
    transport; closing it is what a crashed upstream looks like. Anywhere else there is no
    socket to close, so ConnectionDropped (an httpx.RemoteProtocolError) is raised instead,
    which httpx.ASGITransport hands to the client as it would a real dropped connection.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if not isinstance(transport, asyncio.BaseTransport):
        raise ConnectionDropped("The sandbox dropped the connection.")
    transport.close()
    for _ in range(100):  # let the server see the closed connection before the app returns
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0)


async def _swallow(message: Message) -> None:
    """An ASGI `send` that loses the response (the write still happened)."""


async def time_out(send: Send) -> None:
    """Never answer: in-process raise a read timeout; over a socket wait, then hang up."""
    cycle = getattr(send, "__self__", None)
    if not isinstance(getattr(cycle, "transport", None), asyncio.BaseTransport):
        raise RequestTimedOut("The sandbox did not answer in time.")
    await asyncio.sleep(HANG_S)
    await drop_connection(send)


class FaultInjector:
    """Counts API requests and applies the sandbox's fault switches to them."""

    def __init__(self, faults: Callable[[], Faults], count: Callable[[Scope], None]) -> None:
        self._faults = faults
        self._count = count
        self._seen: Faults | None = None
        self._rng = Random(0)
        self._bucket: TokenBucket | None = None
        self._lock = threading.Lock()
        self._down: set[int] = set()

    def _draws(self) -> tuple[Faults, float, float, float, float]:
        """Return the switches and this request's random draws (latency, drop, error, malformed)."""
        with self._lock:
            faults = self._faults()
            if faults is not self._seen:
                self._seen = faults
                self._rng = Random(faults.fault_seed)
                self._bucket = (
                    None
                    if faults.rate_limit_per_s is None
                    else TokenBucket(faults.rate_limit_per_s)
                )
                self._down = set()
            rng = self._rng
            low, high = faults.latency_ms
            latency = rng.uniform(low, high) if high > 0 else 0.0
            drop = rng.random() if faults.drop_rate > 0 else 1.0
            error = rng.random() if faults.error_rate > 0 else 1.0
            malformed = rng.random() if faults.malformed_rate > 0 else 1.0
            return faults, latency, drop, error, malformed

    async def __call__(self, scope: Scope, receive: Receive, send: Send, app: App) -> None:
        self._count(scope)
        faults, latency, drop, error, malformed = self._draws()
        if faults.write_faults and await self._write_fault(scope, receive, send, app, faults):
            return
        bucket = self._bucket
        if bucket is not None:
            wait = bucket.take()
            if wait > 0:
                await self._too_many(send, faults, wait)
                return
        if latency > 0:
            await asyncio.sleep(latency / 1000)
        if drop < faults.drop_rate:
            await drop_connection(send)
            return
        if error < faults.error_rate:
            if error < faults.error_rate / 2:
                await send_response(send, 502, BAD_GATEWAY, b"text/html; charset=UTF-8")
            else:
                await send_response(
                    send, 503, b'{"error":"Service Unavailable"}', b"application/json"
                )
            return
        if malformed < faults.malformed_rate:
            await app(scope, receive, _Truncating(send))
            return
        await app(scope, receive, send)

    async def _write_fault(
        self, scope: Scope, receive: Receive, send: Send, app: App, faults: Faults
    ) -> bool:
        """Apply the write fault of the bug this request is about; False when there is none."""
        match = _BUG_PATH.match(str(scope["path"]))
        if match is None:
            return False
        bug_id = int(match.group(1))
        if bug_id in self._down:
            await send_response(send, 503, b'{"error":"Service Unavailable"}', b"application/json")
            return True
        fault = faults.write_fault(bug_id)
        if fault is None or scope["method"] != "PUT" or match.group(2) is None:
            return False
        if fault in ("lost", "lost_then_down"):
            await app(scope, receive, _swallow)
            if fault == "lost_then_down":
                with self._lock:
                    self._down.add(bug_id)
            await time_out(send)
            return True
        if fault == "timeout":
            await time_out(send)
            return True
        status = int(fault)
        body = b'{"error":"Forbidden"}' if status == 403 else b'{"error":"Write refused"}'
        await send_response(send, status, body, b"application/json")
        return True

    async def _too_many(self, send: Send, faults: Faults, wait: float) -> None:
        """Answer 429 with a Retry-After in seconds or as an HTTP-date."""
        seconds = max(1, math.ceil(wait))
        if faults.retry_after_form == "http-date":
            retry_after = formatdate(time.time() + seconds, usegmt=True)
        else:
            retry_after = str(seconds)
        body = b'{"error":"Too many requests"}'
        await send_response(
            send, 429, body, b"application/json", [(b"retry-after", retry_after.encode())]
        )


class _Truncating:
    """An ASGI `send` that cuts a successful JSON body in half, keeping the headers consistent."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._start: Message | None = None
        self._body = bytearray()

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._start = message
            return
        self._body.extend(message.get("body", b""))
        if message.get("more_body", False):
            return
        start = self._start or {"type": "http.response.start", "status": 500, "headers": []}
        body = bytes(self._body)
        if start["status"] == 200:
            body = body[: max(1, len(body) // 2)]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self._send(
            {"type": "http.response.start", "status": start["status"], "headers": headers}
        )
        await self._send({"type": "http.response.body", "body": body, "more_body": False})

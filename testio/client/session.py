"""The HTTP session behind `TestIOClient`: one pooled httpx client, the in-flight cap, the retries.

It turns every answer into parsed JSON or one typed `ApiError`, and knows nothing about endpoints.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

import anyio
import attrs
import httpx

from testio.client.ratelimit import RatePause
from testio.client.redaction import Redactor
from testio.client.responses import GATEWAY_TIMEOUT, BadShape, error_text, status_error
from testio.client.retry import RetryPolicy, Tries, parse_retry_after
from testio.errors import MalformedResponseError, PayloadError
from testio.version import __version__

logger = logging.getLogger("testio.client")

T = TypeVar("T")

MAX_BODY_BYTES = 64 * 1024 * 1024
ERROR_BODY_BYTES = 4096  # enough to log an `error` key, never a whole HTML error page
_TRANSIENT = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.ProxyError,
)


class _TooLarge(Exception):
    """A body beyond the size the client accepts."""


class RequestCounter:
    """Counts the HTTP requests made on behalf of one public call."""

    def __init__(self) -> None:
        self.value = 0


@attrs.frozen
class _Reply:
    status: int
    body: bytes
    retry_after: str | None


@attrs.frozen
class _Dropped:
    reason: str  # already redacted
    transient: bool


class Session:
    """The HTTP side of `TestIOClient`: one pooled httpx client, the in-flight cap, the retries.

    It turns every answer into parsed JSON or one typed `ApiError`, and knows nothing about
    endpoints.
    """

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        timeout_s: float,
        policy: RetryPolicy,
        in_flight: anyio.Semaphore,
        transport: httpx.AsyncBaseTransport | None,
        max_body_bytes: int,
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        self._base_url = base_url
        self._policy = policy
        self._slots = in_flight
        self._max_body_bytes = max_body_bytes
        self._sleep = sleep
        self._redact = Redactor(token)
        self._rng = random.Random()
        self._pause = RatePause(policy, sleep=sleep, rng=self._rng)
        self.requests_made = 0
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers={
                "Authorization": f"Token {token}",
                "User-Agent": f"testio/{__version__}",
                "Accept": "application/json",
            },
            timeout=httpx.Timeout(timeout_s, connect=10.0, pool=10.0),
            limits=httpx.Limits(
                max_connections=20, max_keepalive_connections=20, keepalive_expiry=20.0
            ),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"<Session {self._base_url}, {self.requests_made} requests>"

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def get_json(
        self,
        path: str,
        parse: Callable[[Any], T],
        *,
        query: Mapping[str, str | int] | None = None,
        counter: RequestCounter | None = None,
        tries_on_500: int | None = None,
        on_500: Callable[[], None] | None = None,
    ) -> T:
        """GET `path` and parse its JSON, retrying what may pass and raising a typed error otherwise.

        `tries_on_500` gives HTTP 500 only that many tries (a poisoned test page fails every
        time); other 5xx answers and dropped connections keep the policy's attempts. `on_500`
        is called on each HTTP 500. Backoff and `Retry-After` waits happen outside the
        in-flight slot, so a waiting retry never holds up other requests.

        A 429 pauses the whole session: every request waits until the latest `Retry-After`
        deadline (capped), plus a little jitter, before it is sent. A request gives up with
        `RateLimitedError` once it has spent the policy's `rate_limit_budget` seconds waiting
        on rate limits.
        """
        return await self._request(
            "GET",
            path,
            parse,
            query=query,
            counter=counter,
            tries_on_500=tries_on_500,
            on_500=on_500,
            policy=self._policy,
        )

    async def put_json(
        self,
        path: str,
        parse: Callable[[Any], T],
        *,
        body: Mapping[str, object] | None = None,
        retry: bool,
    ) -> T:
        """PUT `path` with a JSON body and parse the answer, as `get_json` does for a GET.

        `retry=False` sends it once: a timeout, a dropped connection or a 5xx then raises at
        once, because the write may have been applied and only the caller can find out
        (by reading the resource) whether sending it again is safe. A 429 is always waited
        for and sent again: a rate-limited request was not applied.
        """
        policy = self._policy if retry else attrs.evolve(self._policy, attempts=1)
        content = json.dumps(dict(body or {}), separators=(",", ":")).encode()
        return await self._request("PUT", path, parse, policy=policy, content=content)

    async def _request(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        *,
        policy: RetryPolicy,
        query: Mapping[str, str | int] | None = None,
        counter: RequestCounter | None = None,
        tries_on_500: int | None = None,
        on_500: Callable[[], None] | None = None,
        content: bytes | None = None,
    ) -> T:
        target = f"{path}?{urlencode(query, safe=',')}" if query else path
        request = f"{method} {target if len(target) <= 120 else target[:119] + '…'}"
        tries = Tries(policy, request, path)
        while True:
            delay, tries.waited_for = await self._pause.wait(tries.waited_for)
            tries.charge(delay)
            try:
                reply: _Reply | _Dropped = await self._exchange(method, target, counter, content)
            except _TooLarge:
                raise MalformedResponseError(
                    f"TestIO answered {request} with a body over {self._max_body_bytes} bytes; "
                    "ask for less at once.",
                    path=path,
                ) from None
            except httpx.HTTPError as exc:
                reply = _Dropped(
                    self._redact(f"{type(exc).__name__}: {exc}".rstrip(": "), 160),
                    transient=isinstance(exc, _TRANSIENT),
                )
            # Errors are raised outside the `except` blocks, so they carry no `__context__`:
            # an httpx error holds its request, and the request holds the token.
            if isinstance(reply, _Dropped):
                tries.dropped(reply.reason, transient=reply.transient, base_url=self._base_url)
                await self._back_off(tries, reply.reason, policy.attempts)
                continue
            status = reply.status
            if 200 <= status < 300:
                try:
                    return parse(json.loads(reply.body))
                except (ValueError, RecursionError, BadShape, PayloadError) as exc:
                    reason = f"unexpected body: {type(exc).__name__}"
                tries.bad_body(status)
                await self._back_off(tries, reason, policy.attempts)
                continue
            self._log_error_body(request, status, reply.body)
            if status == 429:
                retry_after = parse_retry_after(reply.retry_after)
                tries.rate_limited(retry_after)
                delay, tries.waited_for = self._pause.extend(retry_after)
                logger.warning("%s was rate-limited (HTTP 429); waiting %.1f s.", request, delay)
                await self._sleep(delay)
                tries.charge(delay, per_429=True)
                continue
            if status >= 500 and status != GATEWAY_TIMEOUT:
                limit = policy.attempts
                if status == 500 and tries_on_500 is not None:
                    limit = tries_on_500
                if status == 500 and on_500 is not None:
                    on_500()
                tries.server_error(status, limit=limit)
                await self._back_off(tries, f"HTTP {status}", limit)
                continue
            raise status_error(status, request, path)

    async def _exchange(
        self, method: str, target: str, counter: RequestCounter | None, content: bytes | None
    ) -> _Reply:
        """One HTTP request, holding an in-flight slot only while it is on the wire."""
        headers = {"Content-Type": "application/json"} if content is not None else None
        async with self._slots:
            self.requests_made += 1
            if counter is not None:
                counter.value += 1
            started = time.perf_counter()
            try:
                async with self._http.stream(
                    method, target, content=content, headers=headers
                ) as response:
                    strict = response.is_success
                    limit = self._max_body_bytes if strict else ERROR_BODY_BYTES
                    body = await _read_body(response, limit, strict=strict)
            except httpx.HTTPError as exc:
                logger.debug(
                    "%s %s failed in %.0f ms (%s)",
                    method,
                    target,
                    _ms(started),
                    type(exc).__name__,
                )
                raise
            logger.debug(
                "%s %s -> %d in %.0f ms", method, target, response.status_code, _ms(started)
            )
            return _Reply(response.status_code, body, response.headers.get("Retry-After"))

    async def _back_off(self, tries: Tries, reason: str, attempts: int) -> None:
        delay = self._policy.backoff(tries.failures, self._rng)
        logger.warning(
            "%s failed (%s); retrying in %.2f s (attempt %d of %d).",
            tries.request,
            reason,
            delay,
            tries.failures + 1,
            attempts,
        )
        await self._sleep(delay)

    def _log_error_body(self, request: str, status: int, body: bytes) -> None:
        """Log the `error` key of a JSON error body; no decision ever depends on it."""
        error = error_text(body)
        if error is not None:
            logger.debug("%s answered HTTP %d: %s", request, status, self._redact(error, 200))


async def _read_body(response: httpx.Response, limit: int, *, strict: bool) -> bytes:
    """The body up to `limit` bytes; beyond it `_TooLarge` when `strict`, else just the start."""
    declared = response.headers.get("Content-Length")
    if strict and declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        if size + len(chunk) > limit:
            if strict:
                raise _TooLarge
            chunks.append(chunk[: limit - size])
            break
        size += len(chunk)
        chunks.append(chunk)
    return b"".join(chunks)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000

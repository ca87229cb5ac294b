"""How the client talks to TestIO: the retry loop, typed errors for statuses, and redaction.

`ApiSession` owns the pooled `httpx.AsyncClient` and the cap on requests in flight, and turns
every answer into parsed JSON or one typed `ApiError`. It knows nothing about endpoints;
`TestIOClient` builds on it.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

import anyio
import attrs
import httpx

from testio import __version__
from testio.errors import (
    ApiError,
    ApiUnreachableError,
    ApiValidationError,
    AuthenticationError,
    ForbiddenError,
    GatewayTimeoutError,
    MalformedResponseError,
    NotFoundError,
    PayloadError,
    RateLimitedError,
    ServerError,
)
from testio.retry import RetryPolicy, parse_retry_after

logger = logging.getLogger("testio.client")

T = TypeVar("T")

MAX_BODY_BYTES = 64 * 1024 * 1024
ERROR_BODY_BYTES = 4096  # enough to log an `error` key, never a whole HTML error page
GATEWAY_TIMEOUT = 524  # the CDN's "origin took too long": retrying the same request rarely helps
_TRANSIENT = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.ProxyError,
)


def status_error(status: int, request: str, path: str, *, attempts: int = 1) -> ApiError:
    """The typed error for an HTTP status the client will not (or no longer) retry."""
    if status == 401:
        return AuthenticationError(
            f"TestIO rejected the API token on {request} (HTTP 401); check TESTIO_API_TOKEN.",
            status=status,
            path=path,
        )
    if status == 403:
        return ForbiddenError(
            f"The API token may not read {request} (HTTP 403); "
            "use the token of the account that owns it.",
            status=status,
            path=path,
        )
    if status == 404:
        return NotFoundError(
            f"TestIO has nothing at {request} for this token (HTTP 404); check the id.",
            status=status,
            path=path,
        )
    if status in (400, 422):
        return ApiValidationError(
            f"TestIO refused {request} as invalid (HTTP {status}); check the ids and arguments.",
            status=status,
            path=path,
        )
    if status == GATEWAY_TIMEOUT:
        return GatewayTimeoutError(
            f"TestIO's gateway timed out on {request} (HTTP 524); ask for fewer items at once.",
            status=status,
            path=path,
        )
    if status >= 500:
        return ServerError(
            f"TestIO kept failing on {request} with HTTP {status} ({attempts} attempts); "
            "try again later.",
            status=status,
            path=path,
        )
    return ApiError(
        f"TestIO answered {request} with unexpected HTTP {status}; report it if it persists.",
        status=status,
        path=path,
    )


_HEADER_VALUE = re.compile(r"(?i)(authorization\W{1,3}(?:token|bearer)?\s*)[^\s'\",;]+")


@attrs.frozen
class Redactor:
    """Removes one secret (and any `Authorization:` header value) from text bound for a person."""

    secret: str = attrs.field(repr=False)

    def __call__(self, text: str, limit: int = 300) -> str:
        """`text` with the secret replaced, cut to `limit` characters."""
        if self.secret:
            text = text.replace(self.secret, "[redacted]")
        text = _HEADER_VALUE.sub(r"\1[redacted]", text)
        return text if len(text) <= limit else text[: limit - 1] + "…"


class BadShape(Exception):
    """A 2xx body that is JSON but not the envelope the endpoint promises."""


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


class ApiSession:
    """The HTTP side of `TestIOClient`: one pooled httpx client, the in-flight cap, the retries."""

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
        return f"<ApiSession {self._base_url}, {self.requests_made} requests>"

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
        page_errors: bool = False,
    ) -> T:
        """GET `path` and parse its JSON, retrying what may pass and raising a typed error otherwise.

        `page_errors` gives HTTP 500 only `policy.page_error_attempts` tries (a poisoned test
        page fails every time). Backoff and `Retry-After` waits happen outside the in-flight
        slot, so a waiting retry never holds up other requests.
        """
        target = f"{path}?{urlencode(query, safe=',')}" if query else path
        request = f"GET {target if len(target) <= 120 else target[:119] + '…'}"
        policy = self._policy
        failures = 0
        rate_limited = 0
        while True:
            try:
                reply: _Reply | _Dropped = await self._exchange(target, counter)
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
                failures += 1
                if not reply.transient or failures >= policy.attempts:
                    raise ApiUnreachableError(
                        f"Could not reach TestIO at {self._base_url} for {request} "
                        f"({reply.reason}; {failures} attempts); "
                        "check the network and TESTIO_API_URL.",
                        path=path,
                    )
                await self._back_off(request, reply.reason, failures, policy.attempts)
                continue
            status = reply.status
            if 200 <= status < 300:
                try:
                    return parse(json.loads(reply.body))
                except (ValueError, RecursionError, BadShape, PayloadError) as exc:
                    reason = f"unexpected body: {type(exc).__name__}"
                failures += 1
                if failures >= policy.attempts:
                    raise MalformedResponseError(
                        f"TestIO answered {request} with a body that is not the expected JSON "
                        f"({failures} attempts); try again later.",
                        status=status,
                        path=path,
                    )
                await self._back_off(request, reason, failures, policy.attempts)
                continue
            self._log_error_body(request, status, reply.body)
            if status == 429:
                retry_after = parse_retry_after(reply.retry_after)
                rate_limited += 1
                if rate_limited > policy.rate_limit_waits:
                    raise RateLimitedError(
                        f"TestIO kept rate-limiting {request} (HTTP 429 after "
                        f"{policy.rate_limit_waits} waits); try again in {retry_after:.0f} s.",
                        retry_after=retry_after,
                        path=path,
                    )
                wait = policy.rate_limit_wait(retry_after)
                logger.warning("%s was rate-limited (HTTP 429); waiting %.1f s.", request, wait)
                await self._sleep(wait)
                continue
            if status >= 500 and status != GATEWAY_TIMEOUT:
                failures += 1
                page_error = page_errors and status == 500
                limit = policy.page_error_attempts if page_error else policy.attempts
                if failures >= limit:
                    raise status_error(status, request, path, attempts=failures)
                await self._back_off(request, f"HTTP {status}", failures, limit)
                continue
            raise status_error(status, request, path)

    async def _exchange(self, target: str, counter: RequestCounter | None) -> _Reply:
        """One HTTP request, holding an in-flight slot only while it is on the wire."""
        async with self._slots:
            self.requests_made += 1
            if counter is not None:
                counter.value += 1
            started = time.perf_counter()
            try:
                async with self._http.stream("GET", target) as response:
                    strict = response.is_success
                    limit = self._max_body_bytes if strict else ERROR_BODY_BYTES
                    body = await _read_body(response, limit, strict=strict)
            except httpx.HTTPError as exc:
                logger.debug(
                    "GET %s failed in %.0f ms (%s)", target, _ms(started), type(exc).__name__
                )
                raise
            logger.debug("GET %s -> %d in %.0f ms", target, response.status_code, _ms(started))
            return _Reply(response.status_code, body, response.headers.get("Retry-After"))

    async def _back_off(self, request: str, reason: str, failures: int, attempts: int) -> None:
        delay = self._policy.backoff(failures, self._rng)
        logger.warning(
            "%s failed (%s); retrying in %.2f s (attempt %d of %d).",
            request,
            reason,
            delay,
            failures + 1,
            attempts,
        )
        await self._sleep(delay)

    def _log_error_body(self, request: str, status: int, body: bytes) -> None:
        """Log the `error` key of a JSON error body; no decision ever depends on it."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return
        if isinstance(data, dict):
            error = cast(dict[str, object], data).get("error")
            if isinstance(error, str):
                logger.debug("%s answered HTTP %d: %s", request, status, self._redact(error, 200))


def list_in(key: str) -> Callable[[Any], list[object]]:
    """A parser for `{key: [...]}` that returns the list."""

    def take(data: Any) -> list[object]:
        value = _member(data, key)
        if not isinstance(value, list):
            raise BadShape(f"{key!r} is not a list")
        return cast(list[object], value)

    return take


def one_in(key: str, parse: Callable[[Any], T]) -> Callable[[Any], T]:
    """A parser for `{key: {...}}` that returns `parse` of the object."""

    def take(data: Any) -> T:
        return parse(_member(data, key))

    return take


def _member(data: object, key: str) -> object:
    if not isinstance(data, dict) or key not in data:
        raise BadShape(f"the body is not an object with {key!r}")
    return cast(dict[str, object], data)[key]


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

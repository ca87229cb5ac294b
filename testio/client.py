"""TestIOClient: the only module that speaks HTTP to the TestIO Customer API.

Every httpx call lives here: one pooled `httpx.AsyncClient` per open client, a cap on requests
in flight, the request/retry loop and body reading with a size cap. The API's known quirks are
handled here too, so callers do not see them: poisoned test pages are shrunk around, heavy bug
batches are split, and sectioned products are read section by section. Items that cannot be
parsed are skipped and reported as `Problem`s.

The decisions that need no I/O live in small modules: `testio.retry` (how long to wait, and
when a request stops trying), `testio.ratelimit` (the client-wide pause after a 429),
`testio.responses` (what a status or body means), `testio.recovery` (shrinking and splitting),
`testio.listings` (the results, assembled from raw items) and `testio.redaction`.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Self, TypeVar
from urllib.parse import urlencode

import anyio
import attrs
import httpx

from testio.config import Settings
from testio.errors import (
    ApiValidationError,
    ConfigError,
    ForbiddenError,
    InvalidArgumentError,
    MalformedResponseError,
    NotFoundError,
    PayloadError,
    ServerError,
    ServiceStateError,
)
from testio.listings import (
    BugBatch,
    Catalogue,
    TestPage,
    bug_batch,
    full_page,
    parse_features,
    parse_products,
    plain_catalogue,
    salvaged_page,
    sectioned_catalogue,
)
from testio.payloads import Feature, Product, Test
from testio.ratelimit import RatePause
from testio.recovery import Problem, gather, salvage_window, split_batch
from testio.redaction import Redactor
from testio.responses import (
    GATEWAY_TIMEOUT,
    BadShape,
    error_text,
    list_in,
    one_in,
    status_error,
)
from testio.retry import RetryPolicy, Tries, parse_retry_after
from testio.version import __version__

__all__ = ["BugBatch", "Problem", "TestIOClient", "TestPage"]

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
_TOKEN_CHARS = re.compile(r"[!-~]+")  # visible ASCII: anything else cannot go into a header


class _TooLarge(Exception):
    """A body beyond the size the client accepts."""


class _RequestCounter:
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


class _Session:
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
        return f"<_Session {self._base_url}, {self.requests_made} requests>"

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def get_json(
        self,
        path: str,
        parse: Callable[[Any], T],
        *,
        query: Mapping[str, str | int] | None = None,
        counter: _RequestCounter | None = None,
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
        target = f"{path}?{urlencode(query, safe=',')}" if query else path
        request = f"GET {target if len(target) <= 120 else target[:119] + '…'}"
        tries = Tries(self._policy, request, path)
        while True:
            delay, tries.waited_for = await self._pause.wait(tries.waited_for)
            tries.charge(delay)
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
                tries.dropped(reply.reason, transient=reply.transient, base_url=self._base_url)
                await self._back_off(tries, reply.reason, self._policy.attempts)
                continue
            status = reply.status
            if 200 <= status < 300:
                try:
                    return parse(json.loads(reply.body))
                except (ValueError, RecursionError, BadShape, PayloadError) as exc:
                    reason = f"unexpected body: {type(exc).__name__}"
                tries.bad_body(status)
                await self._back_off(tries, reason, self._policy.attempts)
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
                limit = self._policy.attempts
                if status == 500 and tries_on_500 is not None:
                    limit = tries_on_500
                if status == 500 and on_500 is not None:
                    on_500()
                tries.server_error(status, limit=limit)
                await self._back_off(tries, f"HTTP {status}", limit)
                continue
            raise status_error(status, request, path)

    async def _exchange(self, target: str, counter: _RequestCounter | None) -> _Reply:
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


class TestIOClient:
    """Async client for TestIO's Customer API v2; use it as `async with TestIOClient(settings)`."""

    __test__ = False

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_base: float = 0.5,
        rate_limit_budget_s: float = 300.0,
        retry_after_cap: float = 60.0,
        max_body_bytes: int = MAX_BODY_BYTES,
        in_flight: anyio.Semaphore | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        """Check the settings; nothing connects until `async with`.

        `in_flight` lets clients for several tokens share one cap (TestIO limits per IP address);
        `rate_limit_budget_s` is how long one request may wait on HTTP 429s before it gives up;
        `sleep` is how every wait happens, so tests can watch the waits instead of taking them.
        """
        token = settings.require_token().strip()
        if not _TOKEN_CHARS.fullmatch(token):
            raise ConfigError(
                "TESTIO_API_TOKEN holds characters that cannot be sent in a header; "
                "copy it again from TestIO (Integrations → API)."
            )
        self._token = token
        self._settings = settings
        self._transport = transport
        self._policy = RetryPolicy(
            attempts=max(1, settings.max_retries),
            backoff_base=backoff_base,
            rate_limit_budget=rate_limit_budget_s,
            retry_after_cap=retry_after_cap,
        )
        self._max_body_bytes = max_body_bytes
        self._in_flight = in_flight
        self._sleep = sleep
        self._redact = Redactor(token)
        self._session: _Session | None = None
        self._state: Literal["new", "open", "closed"] = "new"
        self._requests_before_close = 0
        # Per product, how many offsets of its test list a page has shown to exist (a lower
        # bound on its length); only decides how much of a failing window is read at once.
        self._list_reach: dict[int, int] = {}

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far, retries included."""
        if self._session is None:
            return self._requests_before_close
        return self._session.requests_made

    def __repr__(self) -> str:
        return (
            f"<TestIOClient {self._settings.api_url} {self._state}, {self.requests_made} requests>"
        )

    async def __aenter__(self) -> Self:
        if self._state == "open":
            raise ServiceStateError("This TestIOClient is already open; enter it only once.")
        if self._state == "closed":
            raise ServiceStateError("This TestIOClient is closed; create a new one.")
        self._session = _Session(
            base_url=self._settings.api_url,
            token=self._token,
            timeout_s=self._settings.timeout_s,
            policy=self._policy,
            in_flight=self._in_flight or anyio.Semaphore(self._settings.max_in_flight),
            transport=self._transport,
            max_body_bytes=self._max_body_bytes,
            sleep=self._sleep,
        )
        self._state = "open"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool; harmless to call twice, and the client stays closed."""
        self._state = "closed"
        session, self._session = self._session, None
        if session is None:
            return
        self._requests_before_close = session.requests_made
        with anyio.CancelScope(shield=True):
            try:
                await session.aclose()
            except Exception as exc:  # a failed close must never mask the caller's own error
                logger.warning(
                    "Closing the TestIO connection pool failed (%s).", type(exc).__name__
                )

    def _get(
        self,
        path: str,
        parse: Callable[[Any], T],
        *,
        query: Mapping[str, str | int] | None = None,
        counter: _RequestCounter | None = None,
        tries_on_500: int | None = None,
        on_500: Callable[[], None] | None = None,
    ) -> Awaitable[T]:
        if self._session is None:
            raise ServiceStateError(
                "This TestIOClient is not open; use it inside `async with TestIOClient(settings)`."
            )
        return self._session.get_json(
            path, parse, query=query, counter=counter, tries_on_500=tries_on_500, on_500=on_500
        )

    # ---- public API -------------------------------------------------------------------------

    async def ping(self) -> float:
        """Seconds one `GET products` takes, retries included; raises `ApiError` subclasses."""
        started = time.perf_counter()
        await self._get("products", list_in("products"))
        return time.perf_counter() - started

    async def list_products(self) -> tuple[list[Product], list[Problem]]:
        """Every product on the account, plus a problem for each item that could not be read."""
        raws = await self._get("products", list_in("products"))
        return parse_products(raws, self._redact)

    async def get_product(self, product_id: int) -> Product:
        """One product."""
        return await self._get(f"products/{product_id}", one_in("product", Product.from_api))

    async def get_test(self, test_id: int) -> Test:
        """One test (it may fail with `ServerError` for a poisoned test)."""
        return await self._get(
            f"exploratory_tests/{test_id}", one_in("exploratory_test", Test.from_api)
        )

    async def list_features(self, product: Product) -> tuple[Catalogue, list[Problem]]:
        """The product's feature catalogue, each feature with the section ids it appears in.

        A product without sections answers one call and its features carry no section ids;
        a sectioned product (or one whose plain call answers 422) is read per section.
        """
        if not product.has_sections:
            path = f"products/{product.id}/features"
            try:
                raws = await self._get(path, list_in("features"))
            except ApiValidationError as exc:
                if exc.status != 422:
                    raise
                logger.info(
                    "GET %s answered 422; reading product %d per section.", path, product.id
                )
            else:
                features, problems = parse_features(raws, path, product.id, self._redact)
                return plain_catalogue(features), problems
        return await self._features_by_section(product)

    async def get_test_page(
        self,
        product_id: int,
        page: int,
        per_page: int | None = None,
        *,
        on_500: Callable[[], None] | None = None,
    ) -> TestPage:
        """One page of a product's tests; a page that keeps failing with 500 is recovered.

        A 500 on the page is retried once (after a backoff). Then the recovery reads the same
        window with smaller pages (10, 5, 2, then 1), keeps every test it can, and reports each
        offset range that fails even alone as a `test_page` problem, with the tests on either
        side of the gap when this window holds them. Below the page itself a 500 is not
        retried (it is the poisoned offset, every time), and the smaller pages of one size are
        read concurrently where the list is known to reach them. `on_500` is called as soon
        as the page answers HTTP 500: the retry and the recovery take a while, so a caller
        reading pages ahead may go on meanwhile.
        """
        size = self._settings.page_size if per_page is None else per_page
        if page < 1 or size < 1:
            raise InvalidArgumentError(
                f"A test page needs page ≥ 1 and per_page ≥ 1 (got {page}, {size})."
            )
        try:
            raws = await self._test_window(
                product_id,
                page,
                size,
                tries_on_500=self._policy.page_error_attempts,
                on_500=on_500,
            )
        except ServerError as exc:
            if exc.status != 500:
                raise
            logger.warning(
                "Page %d of product %d's tests keeps failing with HTTP 500; shrinking the page.",
                page,
                product_id,
            )
            return await self._recover_test_page(product_id, page, size)
        return full_page(raws, page, size, product_id, self._redact)

    async def get_bugs(self, test_ids: Sequence[int]) -> BugBatch:
        """The bugs of these tests in one call, split in halves whenever the API gives up.

        A batch of several ids answering HTTP 500 is split at once, without a retry; a single
        id answering 500, and any batch answering 502 or 503 or dropping the connection, is
        retried with backoff first. A 524 splits at once, as always.

        A test whose bugs cannot be fetched even alone, or whose bug list holds an unreadable
        item, is in `failed_test_ids` with a problem explaining why.
        """
        ids = tuple(dict.fromkeys(test_ids))
        counter = _RequestCounter()
        raws, problems = await split_batch(self._bug_fetch(counter), ids) if ids else ([], [])
        return bug_batch(ids, raws, problems, requests=counter.value, redact=self._redact)

    # ---- quirks -----------------------------------------------------------------------------

    async def _features_by_section(self, product: Product) -> tuple[Catalogue, list[Problem]]:
        async def one(section_id: int) -> tuple[list[Feature], list[Problem]]:
            path = f"products/{product.id}/sections/{section_id}/features"
            try:
                raws = await self._get(path, list_in("features"))
            except (
                NotFoundError,
                ForbiddenError,
                ApiValidationError,
                ServerError,
                MalformedResponseError,
            ) as exc:
                message = f"Skipped the features of section {section_id} because {exc}"
                logger.warning("%s", message)
                return [], [Problem(kind="features", product_id=product.id, message=message)]
            return parse_features(raws, path, product.id, self._redact)

        sections = product.section_ids
        if not sections:
            message = (
                f"Product {product.id} lists no section to read features from, so it has none."
            )
            return [], [Problem(kind="features", product_id=product.id, message=message)]
        results = await gather([functools.partial(one, sid) for sid in sections])
        return sectioned_catalogue(sections, results)

    async def _test_window(
        self,
        product_id: int,
        page: int,
        per_page: int,
        *,
        tries_on_500: int,
        on_500: Callable[[], None] | None = None,
    ) -> list[object]:
        raws = await self._get(
            f"products/{product_id}/exploratory_tests",
            list_in("exploratory_tests"),
            query={"page": page, "per_page": per_page},
            tries_on_500=tries_on_500,
            on_500=on_500,
        )
        reach = (page - 1) * per_page + min(len(raws), per_page)
        if reach > self._list_reach.get(product_id, 0):
            self._list_reach[product_id] = reach
        return raws

    async def _recover_test_page(self, product_id: int, page: int, size: int) -> TestPage:
        async def fetch(sub_page: int, sub_size: int) -> list[object]:
            return await self._test_window(product_id, sub_page, sub_size, tries_on_500=1)

        end = page * size
        salvage = await salvage_window(
            fetch, end - size, end, size, known_length=lambda: self._list_reach.get(product_id, 0)
        )
        return salvaged_page(salvage, page, size, product_id, self._redact)

    def _bug_fetch(
        self, counter: _RequestCounter
    ) -> Callable[[tuple[int, ...]], Awaitable[list[object]]]:
        async def fetch(ids: tuple[int, ...]) -> list[object]:
            query = {"filter_test_cycle_ids": ",".join(str(i) for i in ids)}
            # A 500 on several ids is split at once (its halves are the retry); only a single
            # id gets the policy's retries. Other 5xx and dropped connections retry as usual.
            tries_on_500 = 1 if len(ids) > 1 else None
            return await self._get(
                "bugs", list_in("bugs"), query=query, counter=counter, tries_on_500=tries_on_500
            )

        return fetch


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

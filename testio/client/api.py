"""TestIOClient: the Customer API's endpoints, and the quirks callers never see.

Poisoned test pages are shrunk around, heavy bug batches are split, and sectioned products are
read section by section; items that cannot be parsed are skipped and reported as `Problem`s.
Requests go through one `Session` (`testio.client.session`); the decisions that need no I/O
live beside it: `retry` (how long to wait, and when a request stops trying), `ratelimit` (the
client-wide pause after a 429), `responses` (what a status or body means), `recovery`
(shrinking and splitting), `listings` (the results, assembled from raw items), `redaction`,
and for triage writes `writes` (what each action sends and leaves) and `triage` (sending one).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import anyio
import httpx

from testio.client.bug_payloads import Bug
from testio.client.catalogue import CatalogueReader
from testio.client.listings import (
    BugBatch,
    Catalogue,
    Stories,
    TestPage,
    bug_batch,
    full_page,
    parse_products,
    salvaged_page,
)
from testio.client.payloads import Product, Test
from testio.client.recovery import Problem, salvage_window, split_batch
from testio.client.redaction import Redactor
from testio.client.responses import (
    list_in,
    one_in,
)
from testio.client.retry import RetryPolicy
from testio.client.session import MAX_BODY_BYTES, RequestCounter, Session
from testio.client.triage import write_triage
from testio.client.writes import TriageAction, WriteAnswer
from testio.config import Settings
from testio.errors import (
    ConfigError,
    InvalidArgumentError,
    ServerError,
    ServiceStateError,
)

logger = logging.getLogger("testio.client")

T = TypeVar("T")

_TOKEN_CHARS = re.compile(r"[!-~]+")  # visible ASCII: anything else cannot go into a header


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
        self._session: Session | None = None
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
        self._session = Session(
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
        counter: RequestCounter | None = None,
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
        """The product's feature catalogue, each feature with the section ids it appears in."""
        return await CatalogueReader(self._get, self._redact).features(product)

    async def list_user_stories(self, product: Product) -> tuple[Stories, list[Problem]]:
        """The product's user stories, each with the section ids it appears in."""
        return await CatalogueReader(self._get, self._redact).user_stories(product)

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
        counter = RequestCounter()
        raws, problems = await split_batch(self._bug_fetch(counter), ids) if ids else ([], [])
        return bug_batch(ids, raws, problems, requests=counter.value, redact=self._redact)

    # ---- quirks -----------------------------------------------------------------------------

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
        self, counter: RequestCounter
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

    # ---- triage writes ----------------------------------------------------------------------

    async def get_bug(self, bug_id: int) -> Bug:
        """One bug as the API shows it now."""
        return await self._get(f"bugs/{bug_id}", one_in("bug", Bug.from_api))

    async def triage_bug(
        self,
        bug_id: int,
        action: TriageAction,
        *,
        reason: str | None = None,
        comment: str | None = None,
    ) -> WriteAnswer:
        """Accept, reject or mark one bug as known; never raises for an answer about the bug.

        See `testio.client.triage.write_triage` for what is retried and how a lost answer is
        resolved.
        """
        if self._session is None:
            raise ServiceStateError(
                "This TestIOClient is not open; use it inside `async with TestIOClient(settings)`."
            )
        return await write_triage(
            self._session,
            self.get_bug,
            bug_id,
            action,
            reason=reason,
            comment=comment,
            policy=self._policy,
            sleep=self._sleep,
        )

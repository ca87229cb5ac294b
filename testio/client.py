"""TestIOClient: the only module that speaks HTTP to the TestIO Customer API.

One `httpx.AsyncClient` per instance, a cap on requests in flight, bounded retries (see
`testio.transport_policy`), and the API's known quirks handled here so callers do not see them:
poisoned test pages are shrunk around, heavy bug batches are split, and sectioned products are
read section by section. Items that cannot be parsed are skipped and reported as `Problem`s.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

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
from testio.payloads import Bug, Feature, Product, Test
from testio.recovery import (
    Problem,
    gather,
    int_at,
    parse_items,
    payload_problem,
    salvage_window,
    split_batch,
)
from testio.retry import RetryPolicy
from testio.transport_policy import (
    MAX_BODY_BYTES,
    ApiSession,
    Redactor,
    RequestCounter,
    list_in,
    one_in,
)

__all__ = ["BugBatch", "Problem", "TestIOClient", "TestPage"]

logger = logging.getLogger("testio.client")

T = TypeVar("T")

_TOKEN_CHARS = re.compile(r"[!-~]+")  # visible ASCII: anything else cannot go into a header


@attrs.frozen
class TestPage:
    """One page of a product's test list (newest first), with whatever could not be read."""

    __test__ = False

    page: int
    per_page: int
    tests: tuple[Test, ...]
    problems: tuple[Problem, ...]
    is_last: bool


@attrs.frozen
class BugBatch:
    """The bugs of some tests; a test in `failed_test_ids` has an incomplete bug list."""

    test_ids: tuple[int, ...]
    bugs: tuple[Bug, ...]
    failed_test_ids: tuple[int, ...]
    problems: tuple[Problem, ...]
    requests: int


class TestIOClient:
    """Async client for TestIO's Customer API v2; use it as `async with TestIOClient(settings)`."""

    __test__ = False

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_base: float = 0.5,
        rate_limit_waits: int = 3,
        retry_after_cap: float = 60.0,
        max_body_bytes: int = MAX_BODY_BYTES,
        in_flight: anyio.Semaphore | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        """Check the settings; nothing connects until `async with`.

        `in_flight` lets clients for several tokens share one cap (TestIO limits per IP address);
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
            rate_limit_waits=rate_limit_waits,
            retry_after_cap=retry_after_cap,
        )
        self._max_body_bytes = max_body_bytes
        self._in_flight = in_flight
        self._sleep = sleep
        self._redact = Redactor(token)
        self._session: ApiSession | None = None
        self._state: Literal["new", "open", "closed"] = "new"
        self._requests_before_close = 0

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
        self._session = ApiSession(
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
        page_errors: bool = False,
    ) -> Awaitable[T]:
        if self._session is None:
            raise ServiceStateError(
                "This TestIOClient is not open; use it inside `async with TestIOClient(settings)`."
            )
        return self._session.get_json(
            path, parse, query=query, counter=counter, page_errors=page_errors
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
        return parse_items(
            raws, Product.from_api, where="GET products", product_id=None, redact=self._redact
        )

    async def get_product(self, product_id: int) -> Product:
        """One product."""
        return await self._get(f"products/{product_id}", one_in("product", Product.from_api))

    async def get_test(self, test_id: int) -> Test:
        """One test (it may fail with `ServerError` for a poisoned test)."""
        return await self._get(
            f"exploratory_tests/{test_id}", one_in("exploratory_test", Test.from_api)
        )

    async def list_features(
        self, product: Product
    ) -> tuple[list[tuple[Feature, tuple[int, ...]]], list[Problem]]:
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
                features, problems = self._parse_features(raws, path, product.id)
                unique: dict[int, Feature] = {}
                for feature in features:
                    unique.setdefault(feature.id, feature)
                return [(f, ()) for f in unique.values()], problems
        return await self._features_by_section(product)

    async def get_test_page(
        self, product_id: int, page: int, per_page: int | None = None
    ) -> TestPage:
        """One page of a product's tests; a page that keeps failing with 500 is recovered.

        The recovery reads the same window with smaller pages (10, 5, 2, then 1), keeps every
        test it can, and reports each offset range that fails even alone as a `test_page`
        problem, with the tests on either side of the gap when this window holds them.
        """
        size = self._settings.page_size if per_page is None else per_page
        if page < 1 or size < 1:
            raise InvalidArgumentError(
                f"A test page needs page ≥ 1 and per_page ≥ 1 (got {page}, {size})."
            )
        try:
            raws = await self._test_window(product_id, page, size)
        except ServerError as exc:
            if exc.status != 500:
                raise
            logger.warning(
                "Page %d of product %d's tests keeps failing with HTTP 500; shrinking the page.",
                page,
                product_id,
            )
            return await self._recover_test_page(product_id, page, size)
        tests, problems = self._parse_tests(raws, product_id)
        # More items than asked for means the server ignores paging (staging): that is everything.
        return TestPage(page, size, tuple(tests), tuple(problems), is_last=len(raws) != size)

    async def get_bugs(self, test_ids: Sequence[int]) -> BugBatch:
        """The bugs of these tests in one call, split in halves whenever the API gives up.

        A test whose bugs cannot be fetched even alone, or whose bug list holds an unreadable
        item, is in `failed_test_ids` with a problem explaining why.
        """
        ids = tuple(dict.fromkeys(test_ids))
        counter = RequestCounter()
        raws, problems = await split_batch(self._bug_fetch(counter), ids) if ids else ([], [])
        failed = [t for p in problems for t in p.test_ids]
        wanted = set(ids)
        bugs: dict[int, Bug] = {}
        for raw in raws:
            owner = int_at(raw, "test", "id")
            if owner is not None and owner not in wanted:
                continue  # the API does not send foreign bugs; if it ever does, they are not ours
            try:
                bug = Bug.from_api(raw)
            except PayloadError as exc:
                problems.append(payload_problem(exc, "GET bugs", None, owner, self._redact))
                if owner is not None:
                    failed.append(owner)
                continue
            bugs.setdefault(bug.id, bug)
        failed_set = set(failed)
        return BugBatch(
            test_ids=ids,
            bugs=tuple(bugs.values()),
            failed_test_ids=tuple(t for t in ids if t in failed_set),
            problems=tuple(problems),
            requests=counter.value,
        )

    # ---- quirks -----------------------------------------------------------------------------

    async def _features_by_section(
        self, product: Product
    ) -> tuple[list[tuple[Feature, tuple[int, ...]]], list[Problem]]:
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
            return self._parse_features(raws, path, product.id)

        sections = product.section_ids
        if not sections:
            message = (
                f"Product {product.id} lists no section to read features from, so it has none."
            )
            return [], [Problem(kind="features", product_id=product.id, message=message)]
        results = await gather([functools.partial(one, sid) for sid in sections])
        features: dict[int, Feature] = {}
        members: dict[int, list[int]] = {}
        problems: list[Problem] = []
        for section_id, (found, trouble) in zip(sections, results, strict=True):
            problems.extend(trouble)
            for feature in found:
                features.setdefault(feature.id, feature)
                if section_id not in members.setdefault(feature.id, []):
                    members[feature.id].append(section_id)
        return [(f, tuple(members[f.id])) for f in features.values()], problems

    async def _test_window(self, product_id: int, page: int, per_page: int) -> list[object]:
        return await self._get(
            f"products/{product_id}/exploratory_tests",
            list_in("exploratory_tests"),
            query={"page": page, "per_page": per_page},
            page_errors=True,
        )

    async def _recover_test_page(self, product_id: int, page: int, size: int) -> TestPage:
        async def fetch(sub_page: int, sub_size: int) -> list[object]:
            return await self._test_window(product_id, sub_page, sub_size)

        end = page * size
        salvage = await salvage_window(fetch, end - size, end, size)
        tests, problems = self._parse_tests(
            [salvage.found[o] for o in sorted(salvage.found)], product_id
        )
        # Skipped offsets count as present: only a short sub-page proves the list ends here.
        is_last = salvage.end is not None and salvage.end <= end
        return TestPage(
            page, size, tuple(tests), (*problems, *salvage.problems(product_id)), is_last
        )

    def _parse_tests(
        self, raws: Sequence[object], product_id: int
    ) -> tuple[list[Test], list[Problem]]:
        return parse_items(
            raws,
            lambda raw: Test.from_api(raw, product_id=product_id),
            where=f"product {product_id}'s test list",
            product_id=product_id,
            redact=self._redact,
            test_id_of=lambda raw: int_at(raw, "id"),
        )

    def _parse_features(
        self, raws: Sequence[object], path: str, product_id: int
    ) -> tuple[list[Feature], list[Problem]]:
        return parse_items(
            raws, Feature.from_api, where=f"GET {path}", product_id=product_id, redact=self._redact
        )

    def _bug_fetch(
        self, counter: RequestCounter
    ) -> Callable[[tuple[int, ...]], Awaitable[list[object]]]:
        async def fetch(ids: tuple[int, ...]) -> list[object]:
            query = {"filter_test_cycle_ids": ",".join(str(i) for i in ids)}
            return await self._get("bugs", list_in("bugs"), query=query, counter=counter)

        return fetch

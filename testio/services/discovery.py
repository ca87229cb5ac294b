"""Reading a product's test list into the cache: all of it, or only what is new.

The list is ordered by `end_at` descending with ties in no defined order, ids are not
ordered, and there is no paging metadata (a short page ends the list).

* A full read fetches pages concurrently, so latency overlaps (the client caps requests in
  flight for everyone, and products are read concurrently too). With tests cached, all the
  pages they suggest are requested at once. Beyond that, a page is requested only once
  the page before it is known not to be the last (a full page, or one that failed or is
  being recovered), and after `SHORT_LIST` such pages up to `AHEAD` pages past the
  furthest one. So a short list costs no request past its end and a long one at most
  `AHEAD - 1`, and a page being recovered holds up none of the pages after it (they also
  show the client how far the list reaches, so it can read the recovery's pages at once).
* An incremental read goes page by page, newest first, and stops after the first page
  whose last test ended strictly before the anchor: the first test on the pages read
  that the last complete read of this product had already seen ended (locked or
  archived). A test created since then ends after it, so it is listed above it; a test
  tied with it may be listed after it, hence "strictly", which reads one more page when
  the tie reaches a page boundary. Tests that were still scheduled or running do not
  anchor (new tests may end before them), and neither do tests cached by an unfinished
  run, so an interrupted sync resumes where it stopped. The caller may ask it to read on
  past the pages of older tests that still change (their records are refreshed in pages,
  not one request per test).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Final

import anyio
import attrs

from testio.client.api import TestIOClient
from testio.client.listings import TestPage
from testio.domain.sync import SyncPhase
from testio.errors import ApiError, AuthenticationError
from testio.repositories import NewProblem, Repositories, problem_key
from testio.services.writer import CacheWriter

log = logging.getLogger("testio.sync")

MAX_PAGE_FAILURES: Final = 3
"""A full read stops launching pages after this many pages failed outright."""

AHEAD: Final = 2
"""How many pages past the furthest page known not to be the last a full read requests."""

SHORT_LIST: Final = 3
"""Pages a full read requests one after another before it reads `AHEAD` pages ahead."""

SETTLED: Final = frozenset({"locked", "archived"})
"""Statuses of tests that have ended: their place in the list is fixed."""

LIST_PROBLEMS: Final = ("test_page", "payload")
"""Problem kinds a complete read of a product's test list can resolve."""


@attrs.define
class ProductTally:
    """What a sync has done so far for one product."""

    id: int
    name: str
    phase: SyncPhase = "tests"
    pages: int = 0
    tests_seen: int = 0
    tests_new: int = 0
    tests_updated: int = 0
    bug_batches_done: int = 0
    bug_batches_total: int = 0
    bugs_upserted: int = 0
    bugs_deleted: int = 0
    complete: bool = True


class TestDiscovery:
    """Reads the test list of products into the cache through a `CacheWriter`.

    `on_page(tally, test_ids)` is called after each page is stored.
    """

    __test__ = False

    def __init__(
        self,
        client: TestIOClient,
        writer: CacheWriter,
        *,
        per_page: int,
        max_window: int,
        on_page: Callable[[ProductTally, Sequence[int]], Awaitable[None]],
    ) -> None:
        self._client = client
        self._writer = writer
        self._per_page = per_page
        self._max_window = max(1, max_window)
        self._on_page = on_page

    async def _store(self, tally: ProductTally, page: TestPage) -> None:
        counts = await self._writer.write_tests(page.tests, page.problems, product_id=tally.id)
        tally.pages += 1 if page.tests else 0
        tally.tests_seen += len(page.tests)
        tally.tests_new += counts.new
        tally.tests_updated += counts.updated
        if page.problems:
            tally.complete = False
        await self._on_page(tally, [t.id for t in page.tests])

    async def _page_failed(self, tally: ProductTally, page: int, exc: ApiError) -> None:
        tally.complete = False
        start, end = (page - 1) * self._per_page, page * self._per_page
        message = (
            f"Page {page} of product {tally.id}'s test list could not be read ({exc}); "
            "its tests may be missing until a later sync reads it."
        )
        log.warning("%s", message)
        await self._writer.record(
            [
                NewProblem(
                    kind="test_page",
                    key=problem_key("test_page", tally.id, offset_start=start, offset_end=end),
                    product_id=tally.id,
                    message=message,
                    offset_start=start,
                    offset_end=end,
                )
            ]
        )

    async def incremental(
        self, tally: ProductTally, *, known_sync_id: int, reread_until: datetime | None = None
    ) -> bool:
        """Read new tests until the stop rule says the rest is cached; True if it got there.

        With `reread_until`, reading also goes on until a page ends before that instant, so
        the records of older tests that still change (locked ones) are read again.
        """
        anchor: datetime | None = None
        page = 1
        while True:
            try:
                found = await self._client.get_test_page(tally.id, page, self._per_page)
            except AuthenticationError:
                raise
            except ApiError as exc:
                await self._page_failed(tally, page, exc)
                return False
            ids = [t.id for t in found.tests]

            async def settled(repos: Repositories, ids: list[int] = ids) -> set[int]:
                return await repos.tests.known_ids(
                    ids, seen_by_sync_id=known_sync_id, statuses=SETTLED
                )

            anchors = await self._writer.read(settled)
            await self._store(tally, found)
            if anchor is None:
                anchor = next(
                    (t.end_at for t in found.tests if t.id in anchors and t.end_at is not None),
                    None,
                )
            if found.is_last:
                return True
            last_end = found.tests[-1].end_at if found.tests else None
            if (
                anchor is not None
                and last_end is not None
                and last_end < anchor
                and (reread_until is None or last_end < reread_until)
            ):
                return True
            page += 1

    async def full(self, tally: ProductTally, *, expected_tests: int = 0) -> bool:
        """Read every page, concurrently; True if every page was read (skipped poisoned
        offsets count as read; they are problems on the tally).

        `expected_tests` (the tests cached for the product) lets the pages they fill, and
        the one after them, be requested at once, at most `4 × max_window` at a time.
        """
        hint = expected_tests // self._per_page + 1 if expected_tests > 0 else 0
        cap = max(AHEAD, 4 * self._max_window)
        known = 0  # the furthest page known not to be the last
        next_page = 1
        in_flight = 0
        last_page: int | None = None
        failures = 0
        clean = True
        send, receive = anyio.create_memory_object_stream[tuple[int, TestPage | ApiError | None]](
            math.inf
        )

        async def fetch(page: int) -> None:
            def failing() -> None:  # a 500: the page is retried, then recovered
                send.send_nowait((page, None))

            try:
                result: TestPage | ApiError = await self._client.get_test_page(
                    tally.id, page, self._per_page, on_500=failing
                )
            except AuthenticationError:
                raise
            except ApiError as exc:
                result = exc
            send.send_nowait((page, result))

        with send, receive:
            async with anyio.create_task_group() as tg:

                def launch() -> None:
                    nonlocal next_page, in_flight
                    ahead = AHEAD if known >= SHORT_LIST else 1
                    while (
                        last_page is None
                        and in_flight < cap
                        and next_page <= max(hint, known + ahead)
                    ):
                        tg.start_soon(fetch, next_page)
                        next_page += 1
                        in_flight += 1

                while True:
                    launch()
                    if not in_flight:
                        break
                    page, result = await receive.receive()
                    if result is None:  # still in flight, but no reason to wait for it
                        known = max(known, page)
                        continue
                    in_flight -= 1
                    # The next pages go out before this one is stored: storing takes a while.
                    if isinstance(result, ApiError):
                        clean = False
                        failures += 1
                        known = max(known, page)  # assume it was full: read on past it
                        if failures >= MAX_PAGE_FAILURES and last_page is None:
                            last_page = next_page - 1
                        launch()
                        await self._page_failed(tally, page, result)
                        continue
                    if result.is_last:
                        last_page = page if last_page is None else min(last_page, page)
                    else:
                        known = max(known, page)
                    launch()
                    await self._store(tally, result)
        return clean

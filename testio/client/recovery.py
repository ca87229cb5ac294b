"""How the client recovers what TestIO will not serve in one piece, and records what is lost.

Two failures are known (API contract §1.7): a test page whose window holds a "poisoned" test
fails with HTTP 500 at every page size, and a heavy bug batch times out at the gateway (524).
Both are recovered by asking for less at a time; the fetch functions are passed in, so these
algorithms know nothing of HTTP. Whatever stays unreadable, down to single list items that fail
to parse, becomes a `Problem` for the caller to keep.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar, cast

import anyio
import attrs

from testio.errors import PayloadError, ServerError

logger = logging.getLogger("testio.client")

T = TypeVar("T")
M = TypeVar("M")

SHRINK_SIZES = (10, 5, 2, 1)  # page sizes tried, in turn, over a test page that keeps failing
PageFetch = Callable[[int, int], Awaitable[list[object]]]  # (page, per_page) -> items
BatchFetch = Callable[[tuple[int, ...]], Awaitable[list[object]]]  # ids -> items


@attrs.frozen
class Problem:
    """A piece of data that could not be fetched; `kind` is test_page, bug_batch, payload or features.

    `test_ids` names the tests concerned (bug_batch, payload); a test_page problem names the
    skipped offsets [offset_start, offset_end) of the list and, when known, the tests on either
    side of the gap.
    """

    kind: str
    product_id: int | None
    message: str
    test_ids: tuple[int, ...] = ()
    offset_start: int | None = None
    offset_end: int | None = None
    before_test_id: int | None = None
    after_test_id: int | None = None


@attrs.define
class Salvage:
    """What was read of a failing window of the test list, by absolute offset (0 = newest)."""

    found: dict[int, object] = attrs.Factory(dict[int, object])
    failed: set[int] = attrs.Factory(set[int])
    end: int | None = None  # the length of the list, once a short page has shown it
    reach: int = 0  # offsets below this are known to exist (a full sub-page showed them)

    def keep(self, first: int, items: Sequence[object], lo: int, hi: int, size: int) -> None:
        """Keep the items of the sub-page of `size` starting at offset `first` within [lo, hi)."""
        for position, item in enumerate(items[:size], start=first):
            if lo <= position < hi:
                self.found[position] = item
        if len(items) < size:
            end = first + len(items)
            self.end = end if self.end is None else min(self.end, end)
        else:
            self.reach = max(self.reach, first + size)

    def gaps(self) -> list[tuple[int, int]]:
        """The failed offsets as half-open runs: {1, 2, 5} → [(1, 3), (5, 6)]."""
        runs: list[tuple[int, int]] = []
        for offset in sorted(self.failed):
            if runs and runs[-1][1] == offset:
                runs[-1] = (runs[-1][0], offset + 1)
            else:
                runs.append((offset, offset + 1))
        return runs

    def problems(self, product_id: int) -> list[Problem]:
        """One `test_page` problem per gap, naming the tests read on either side of it."""
        problems: list[Problem] = []
        for start, end in self.gaps():
            where = f"offset {start}" if end - start == 1 else f"offsets {start}–{end - 1}"
            message = (
                f"TestIO fails with HTTP 500 at {where} of product {product_id}'s test list "
                "even one test at a time, so those tests are skipped; fetch them by id if known."
            )
            logger.warning("%s", message)
            problems.append(
                Problem(
                    kind="test_page",
                    product_id=product_id,
                    message=message,
                    offset_start=start,
                    offset_end=end,
                    before_test_id=int_at(self.found.get(start - 1), "id"),
                    after_test_id=int_at(self.found.get(end), "id"),
                )
            )
        return problems


async def salvage_window(
    fetch: PageFetch,
    start: int,
    end: int,
    size: int,
    *,
    known_length: Callable[[], int] = lambda: 0,
) -> Salvage:
    """Read offsets [start, end) of the list with ever smaller pages than `size`.

    Each sub-page that fails with 500 is read again, over its part of the window only, at the
    next smaller size; what still fails at size 1 is a poisoned offset. `fetch` should not
    retry a 500 itself: below the page that first failed, a 500 only ever means a poisoned
    offset. Reading stops early at the end of the list.

    The sub-pages of one size are read concurrently (the caller's cap on requests in flight
    bounds them) wherever the list is known to reach them: `known_length()` offsets exist
    (e.g. later pages of the list already arrived), or a full sibling showed it. Past that,
    a sub-page waits for the one before it, so nothing is read past the end of the list.
    """
    salvage = Salvage()
    await _salvage_into(fetch, start, end, size, salvage, known_length)
    return salvage


async def _salvage_into(
    fetch: PageFetch,
    lo: int,
    hi: int,
    size: int,
    salvage: Salvage,
    known_length: Callable[[], int],
) -> None:
    smaller = next((s for s in SHRINK_SIZES if s < size), None)
    if smaller is None:
        salvage.failed.update(range(lo, hi))
        return
    indices = range(lo // smaller, (hi - 1) // smaller + 1)
    # settled[k]: sub-page k is read (or recovered), or shown full, so sub-page k + 1 exists
    # or the end of the list is known.
    settled = [anyio.Event() for _ in indices]

    async def read(k: int) -> None:
        try:
            first = indices[k] * smaller
            sub_lo, sub_hi = max(lo, first), min(hi, first + smaller)
            if k and sub_lo >= max(salvage.reach, known_length()):
                await settled[k - 1].wait()
            if salvage.end is not None and sub_lo >= salvage.end:
                return
            try:
                items = await fetch(indices[k] + 1, smaller)
            except ServerError as exc:
                if exc.status != 500:
                    raise
                await _salvage_into(fetch, sub_lo, sub_hi, smaller, salvage, known_length)
                return
            salvage.keep(first, items, lo, hi, smaller)
        finally:
            settled[k].set()

    await gather([functools.partial(read, k) for k in range(len(indices))])


async def split_batch(
    fetch: BatchFetch, ids: tuple[int, ...]
) -> tuple[list[object], list[Problem]]:
    """Items for `ids`; a batch failing with a 5xx (524 included) is split in halves, recursively.

    The halves run concurrently. A test id that fails even alone gets a `bug_batch` problem;
    any other error ends the whole call. `fetch` decides what it retries before raising: the
    client splits a multi-id 500 without retrying it, so a batch that always fails costs no
    backoff until its single ids.
    """
    try:
        return await fetch(ids), []
    except ServerError as exc:
        if len(ids) == 1:
            message = (
                f"TestIO fails with HTTP {exc.status} on the bugs of test {ids[0]} even alone, "
                "so its bug list stays incomplete until a later sync."
            )
            logger.warning("%s", message)
            return [], [Problem(kind="bug_batch", product_id=None, message=message, test_ids=ids)]
        half = (len(ids) + 1) // 2
        logger.info("A batch of %d ids failed with HTTP %s; splitting it.", len(ids), exc.status)
        parts = await gather(
            [lambda: split_batch(fetch, ids[:half]), lambda: split_batch(fetch, ids[half:])]
        )
    return [i for items, _ in parts for i in items], [p for _, found in parts for p in found]


def parse_items(
    raws: Sequence[object],
    parse: Callable[[object], M],
    *,
    where: str,
    product_id: int | None,
    redact: Callable[[str], str],
    test_id_of: Callable[[object], int | None] = lambda _: None,
) -> tuple[list[M], list[Problem]]:
    """Each raw item parsed; an item raising `PayloadError` is skipped with a `payload` problem."""
    items: list[M] = []
    problems: list[Problem] = []
    for raw in raws:
        try:
            items.append(parse(raw))
        except PayloadError as exc:
            problems.append(payload_problem(exc, where, product_id, test_id_of(raw), redact))
    return items, problems


def payload_problem(
    exc: PayloadError,
    where: str,
    product_id: int | None,
    test_id: int | None,
    redact: Callable[[str], str],
) -> Problem:
    """The `payload` problem (and warning) for one item of `where` that could not be parsed."""
    reason = str(exc).rstrip(".")
    message = redact(f"Skipped an unreadable item of {where}: {reason[:1].lower()}{reason[1:]}.")
    logger.warning("%s", message)
    return Problem(
        kind="payload",
        product_id=product_id,
        message=message,
        test_ids=() if test_id is None else (test_id,),
    )


def int_at(raw: object, *keys: str) -> int | None:
    """The integer at a path of keys inside a JSON object, or None."""
    value = raw
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = cast(dict[str, object], value).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def gather(calls: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    """Run calls concurrently; the first error cancels the rest and is raised as itself."""
    results: dict[int, T] = {}
    errors: list[Exception] = []

    async with anyio.create_task_group() as group:

        async def run(index: int, call: Callable[[], Awaitable[T]]) -> None:
            try:
                results[index] = await call()
            except Exception as exc:  # raised again below, not wrapped in an ExceptionGroup
                errors.append(exc)
                group.cancel_scope.cancel()

        for index, call in enumerate(calls):
            group.start_soon(run, index, call)
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(calls))]

"""Test-list pages, and the recovery of a window that a poisoned test makes fail with 500."""

from __future__ import annotations

import anyio
import httpx
import pytest
from client_fakes import ClientFactory, RecordedSleep, build_client, exploratory_test
from hypothesis import given, settings
from hypothesis import strategies as st

from testio.client import TestPage
from testio.errors import ServerError


class PoisonedList:
    """A product's test list (ids 1000, 1001, …) where any window holding a poisoned offset is a 500."""

    def __init__(self, length: int, poisoned: set[int]) -> None:
        self.ids = [1000 + i for i in range(length)]
        self.poisoned = poisoned
        self.asked: list[tuple[int, int]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        per_page = int(request.url.params["per_page"])
        self.asked.append((page, per_page))
        window = range((page - 1) * per_page, page * per_page)
        if any(o in self.poisoned for o in window if o < len(self.ids)):
            return httpx.Response(500, json={"error": "Internal Server Error"})
        items = [exploratory_test(self.ids[o], pid=1) for o in window if o < len(self.ids)]
        return httpx.Response(200, json={"exploratory_tests": items})


def ids(page: TestPage) -> list[int]:
    return [t.id for t in page.tests]


async def test_a_full_page_is_not_the_last(make_client: ClientFactory) -> None:
    """A page holding `per_page` tests may have a successor."""
    api = PoisonedList(30, set())
    async with make_client(api) as client:
        page = await client.get_test_page(1, 1, per_page=10)
    assert ids(page) == list(range(1000, 1010))
    assert (page.page, page.per_page, page.is_last, page.problems) == (1, 10, False, ())
    assert api.asked == [(1, 10)]


async def test_a_short_page_is_the_last(make_client: ClientFactory) -> None:
    """A page with fewer tests than `per_page` ends the list."""
    async with make_client(PoisonedList(25, set())) as client:
        page = await client.get_test_page(1, 3, per_page=10)
    assert ids(page) == list(range(1020, 1025))
    assert page.is_last


async def test_the_page_size_defaults_to_the_settings(make_client: ClientFactory) -> None:
    """Without `per_page`, the page size is `settings.page_size`."""
    api = PoisonedList(5, set())
    async with make_client(api, page_size=7) as client:
        page = await client.get_test_page(1, 1)
    assert (page.per_page, api.asked) == (7, [(1, 7)])


async def test_a_poisoned_window_is_shrunk_around_the_bad_offset(
    make_client: ClientFactory, sleep: RecordedSleep
) -> None:
    """Offset 7 of 30 fails alone: every other test of page 1 is kept, and exactly that offset is reported.

    Only the page itself is retried (once, after a backoff); below it a 500 is the poisoned
    offset, so each smaller page is asked once. With nothing known about the list's length,
    the smaller pages are read in order, so nothing past the end of the list is asked for.
    """
    api = PoisonedList(30, {7})
    async with make_client(api) as client:
        page = await client.get_test_page(1, 1, per_page=25)

    assert ids(page) == [1000 + o for o in range(25) if o != 7]
    (problem,) = page.problems
    assert (problem.kind, problem.product_id) == ("test_page", 1)
    assert (problem.offset_start, problem.offset_end) == (7, 8)
    assert (problem.before_test_id, problem.after_test_id) == (1006, 1008)
    assert not page.is_last
    assert api.asked == [
        (1, 25), (1, 25),  # one retry, then shrink
        (1, 10),
        (1, 5), (2, 5),
        (3, 2), (4, 2),
        (7, 1), (8, 1),
        (5, 2),
        (2, 10), (3, 10),
    ]  # fmt: skip
    assert len(sleep.waits) == 1  # the page's retry; no wait below it


async def test_the_smaller_pages_of_one_size_are_read_at_once_where_the_list_reaches(
    make_client: ClientFactory, sleep: RecordedSleep
) -> None:
    """Once page 2 showed the list reaches offset 50, page 1's sub-pages of one size overlap.

    The handler holds every page of 10 until all three are in flight, so reading them one
    after another would time out.
    """
    api = PoisonedList(60, {7})
    tens: list[str] = []
    all_tens = anyio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["per_page"] == "10":
            tens.append(request.url.params["page"])
            if len(tens) == 3:
                all_tens.set()
            await all_tens.wait()
        return api(request)

    async with make_client(handler) as client:
        await client.get_test_page(1, 2, per_page=25)
        with anyio.fail_after(5):
            page = await client.get_test_page(1, 1, per_page=25)

    assert ids(page) == [1000 + o for o in range(25) if o != 7]
    assert [(p.offset_start, p.offset_end) for p in page.problems] == [(7, 8)]
    assert sorted(api.asked) == sorted([
        (2, 25), (1, 25), (1, 25),
        (1, 10), (2, 10), (3, 10),
        (1, 5), (2, 5),
        (3, 2), (4, 2), (5, 2),
        (7, 1), (8, 1),
    ])  # fmt: skip
    assert len(sleep.waits) == 1


async def test_a_transient_error_below_the_page_is_still_retried(
    make_client: ClientFactory, sleep: RecordedSleep
) -> None:
    """A 503 on a smaller page is retried after a backoff; only a 500 is taken as poisoned."""
    api = PoisonedList(30, {7})
    flaky = {(2, 5)}

    def handler(request: httpx.Request) -> httpx.Response:
        key = (int(request.url.params["page"]), int(request.url.params["per_page"]))
        if key in flaky:
            flaky.discard(key)
            api.asked.append(key)
            return httpx.Response(503)
        return api(request)

    async with make_client(handler) as client:
        page = await client.get_test_page(1, 1, per_page=25)

    assert ids(page) == [1000 + o for o in range(25) if o != 7]
    assert [(p.offset_start, p.offset_end) for p in page.problems] == [(7, 8)]
    assert api.asked.count((2, 5)) == 2  # the 503, then the 500 that is not retried
    assert len(sleep.waits) == 2  # the page's retry and the 503's


async def test_a_recovered_window_that_runs_past_the_end_is_the_last_page(
    make_client: ClientFactory,
) -> None:
    """With 12 tests and offset 3 poisoned, page 1 of 25 holds the other 11 and is the last."""
    api = PoisonedList(12, {3})
    async with make_client(api) as client:
        page = await client.get_test_page(1, 1, per_page=25)

    assert ids(page) == [1000 + o for o in range(12) if o != 3]
    assert [(p.offset_start, p.offset_end) for p in page.problems] == [(3, 4)]
    assert page.is_last
    assert (3, 10) not in api.asked  # nothing is read past the end of the list


async def test_adjacent_bad_offsets_are_one_problem(make_client: ClientFactory) -> None:
    """Offsets 4 and 5 failing alone are reported as the single range [4, 6)."""
    async with make_client(PoisonedList(20, {4, 5})) as client:
        page = await client.get_test_page(1, 1, per_page=10)

    assert ids(page) == [1000, 1001, 1002, 1003, 1006, 1007, 1008, 1009]
    (problem,) = page.problems
    assert (problem.offset_start, problem.offset_end) == (4, 6)
    assert (problem.before_test_id, problem.after_test_id) == (1003, 1006)


async def test_a_gap_at_the_window_edge_has_no_neighbour_outside_the_window(
    make_client: ClientFactory,
) -> None:
    """A bad first offset of page 2 has no known test before it, only the one after."""
    async with make_client(PoisonedList(30, {10})) as client:
        page = await client.get_test_page(1, 2, per_page=10)

    (problem,) = page.problems
    assert (problem.offset_start, problem.before_test_id, problem.after_test_id) == (10, None, 1011)


async def test_a_persistent_503_on_a_page_is_not_shrunk(make_client: ClientFactory) -> None:
    """Only a 500 means a poisoned window; a 503 on every attempt raises ServerError."""
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.query.decode())
        return httpx.Response(503)

    async with make_client(handler, max_retries=3) as client:
        with pytest.raises(ServerError):
            await client.get_test_page(1, 1, per_page=25)
    assert asked == ["page=1&per_page=25"] * 3


async def test_an_unreadable_test_is_skipped_but_counts_toward_the_page(
    make_client: ClientFactory,
) -> None:
    """A test without a status becomes a `payload` problem; the page is still full, so not last."""

    def handler(request: httpx.Request) -> httpx.Response:
        items = [exploratory_test(1), {"id": 2, "product": {"id": 1}}]
        return httpx.Response(200, json={"exploratory_tests": items})

    async with make_client(handler) as client:
        page = await client.get_test_page(1, 1, per_page=2)

    assert ids(page) == [1]
    (problem,) = page.problems
    assert (problem.kind, problem.test_ids) == ("payload", (2,))
    assert not page.is_last


@settings(max_examples=60, deadline=None)
@given(
    length=st.integers(0, 45),
    poisoned=st.sets(st.integers(0, 44), max_size=4),
    per_page=st.sampled_from([1, 3, 7, 10, 25]),
    page=st.integers(1, 4),
)
def test_recovery_finds_every_healthy_test_and_reports_every_poisoned_one(
    length: int, poisoned: set[int], per_page: int, page: int
) -> None:
    """For any list and poisoned offsets, a page holds exactly the healthy tests of its window."""
    api = PoisonedList(length, {o for o in poisoned if o < length})
    start, end = (page - 1) * per_page, page * per_page
    window = range(start, min(end, length))

    async def read() -> TestPage:
        async with build_client(api, RecordedSleep()) as client:
            return await client.get_test_page(1, page, per_page=per_page)

    result = anyio.run(read)

    assert ids(result) == [1000 + o for o in window if o not in api.poisoned]
    reported = {o for p in result.problems for o in range(p.offset_start or 0, p.offset_end or 0)}
    assert reported == {o for o in window if o in api.poisoned}
    for problem in result.problems:
        before, after = (problem.offset_start or 0) - 1, problem.offset_end or 0
        if before in window and before not in api.poisoned:
            assert problem.before_test_id == 1000 + before
        if after in window and after not in api.poisoned:
            assert problem.after_test_id == 1000 + after
    if length < end:
        assert result.is_last
    if length > end:
        assert not result.is_last


async def test_a_server_that_ignores_paging_gives_one_last_page(make_client: ClientFactory) -> None:
    """More tests than `per_page` (the staging API ignores paging) means this page is everything."""

    def handler(request: httpx.Request) -> httpx.Response:
        items = [exploratory_test(i) for i in range(40)]
        return httpx.Response(200, json={"exploratory_tests": items})

    async with make_client(handler) as client:
        page = await client.get_test_page(1, 1, per_page=25)

    assert len(page.tests) == 40
    assert page.is_last


async def test_the_caller_hears_of_a_failing_page_before_its_retry_and_recovery(
    make_client: ClientFactory,
) -> None:
    """`on_500` is called when the page answers 500, before any smaller page is asked for."""
    api = PoisonedList(30, {7})
    heard: list[int] = []

    async with make_client(api) as client:
        await client.get_test_page(1, 1, per_page=25, on_500=lambda: heard.append(len(api.asked)))
        await client.get_test_page(1, 2, per_page=25, on_500=lambda: heard.append(-1))

    assert heard == [1, 2]  # after the first answer and after the retry; page 2 never fails

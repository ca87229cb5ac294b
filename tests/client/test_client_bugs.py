"""Bug batches: one comma-separated filter, split in halves when TestIO gives up."""

from __future__ import annotations

import httpx
import pytest
from client_fakes import ClientFactory, RecordedSleep, bug

from testio.errors import AuthenticationError


def requested_ids(request: httpx.Request) -> tuple[int, ...]:
    return tuple(int(i) for i in request.url.params["filter_test_cycle_ids"].split(","))


def bugs_for(ids: tuple[int, ...]) -> httpx.Response:
    """Two bugs per test: ids 10·t and 10·t + 1."""
    return httpx.Response(200, json={"bugs": [bug(10 * t + k, t) for t in ids for k in (0, 1)]})


async def test_test_ids_go_in_one_comma_separated_parameter(make_client: ClientFactory) -> None:
    """`get_bugs([1, 2, 3])` asks `bugs?filter_test_cycle_ids=1,2,3`, commas unescaped."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return bugs_for(requested_ids(request))

    async with make_client(handler) as client:
        batch = await client.get_bugs([1, 2, 3, 2])

    (request,) = seen
    assert request.url.path.endswith("/bugs")
    assert request.url.query == b"filter_test_cycle_ids=1,2,3"
    assert batch.test_ids == (1, 2, 3)
    assert sorted(b.id for b in batch.bugs) == [10, 11, 20, 21, 30, 31]
    assert (batch.failed_test_ids, batch.problems, batch.requests) == ((), (), 1)


async def test_a_524_splits_the_batch_into_exact_halves(make_client: ClientFactory) -> None:
    """A batch of five that times out is asked again as three and two, and three as two and one."""
    asked: list[tuple[int, ...]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        ids = requested_ids(request)
        asked.append(ids)
        if len(ids) > 2:
            return httpx.Response(524, text="<html>A timeout occurred</html>")
        return bugs_for(ids)

    async with make_client(handler) as client:
        batch = await client.get_bugs([1, 2, 3, 4, 5])

    assert sorted(asked) == sorted([(1, 2, 3, 4, 5), (1, 2, 3), (4, 5), (1, 2), (3,)])
    assert len({b.id for b in batch.bugs}) == 10
    assert batch.failed_test_ids == ()
    assert batch.requests == 5


async def test_a_single_test_that_still_times_out_is_reported_as_failed(
    make_client: ClientFactory,
) -> None:
    """When test 3 alone still gets 524, it is in `failed_test_ids` with a `bug_batch` problem."""

    def handler(request: httpx.Request) -> httpx.Response:
        ids = requested_ids(request)
        if 3 in ids:
            return httpx.Response(524, text="<html>timeout</html>")
        return bugs_for(ids)

    async with make_client(handler) as client:
        batch = await client.get_bugs([1, 2, 3, 4])

    assert batch.failed_test_ids == (3,)
    assert sorted(b.test_id for b in batch.bugs) == [1, 1, 2, 2, 4, 4]
    (problem,) = batch.problems
    assert (problem.kind, problem.test_ids) == ("bug_batch", (3,))
    assert "524" in problem.message


async def test_a_persistent_5xx_splits_after_its_retries(make_client: ClientFactory) -> None:
    """A 503 for any batch holding test 2 is retried, then split, and test 2 alone fails too."""
    asked: list[tuple[int, ...]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        ids = requested_ids(request)
        asked.append(ids)
        return httpx.Response(503) if 2 in ids else bugs_for(ids)

    async with make_client(handler, max_retries=2) as client:
        batch = await client.get_bugs([1, 2])

    assert sorted(asked) == [(1,), (1, 2), (1, 2), (2,), (2,)]
    assert batch.failed_test_ids == (2,)
    assert [b.test_id for b in batch.bugs] == [1, 1]
    assert batch.requests == 5


async def test_bugs_of_tests_not_asked_for_are_ignored(make_client: ClientFactory) -> None:
    """A bug whose test id is not in the request is dropped silently."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"bugs": [bug(10, 1), bug(99, 9)]})

    async with make_client(handler) as client:
        batch = await client.get_bugs([1])

    assert [b.id for b in batch.bugs] == [10]
    assert batch.problems == ()


async def test_an_unreadable_bug_marks_its_test_as_failed(make_client: ClientFactory) -> None:
    """A bug without a status is skipped; its test's bug list is incomplete, so the test failed."""
    broken = {"id": 12, "title": "no status", "test": {"id": 1}}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"bugs": [bug(10, 1), broken, bug(20, 2)]})

    async with make_client(handler) as client:
        batch = await client.get_bugs([1, 2])

    assert sorted(b.id for b in batch.bugs) == [10, 20]
    assert batch.failed_test_ids == (1,)
    (problem,) = batch.problems
    assert (problem.kind, problem.test_ids) == ("payload", (1,))


async def test_no_test_ids_means_no_request(make_client: ClientFactory) -> None:
    """An empty batch returns at once without calling the API."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    async with make_client(handler) as client:
        batch = await client.get_bugs([])

    assert (batch.bugs, batch.requests, client.requests_made) == ((), 0, 0)


async def test_an_auth_error_inside_a_split_is_raised_as_itself(
    make_client: ClientFactory,
) -> None:
    """A 401 on one half ends the call with AuthenticationError, not an exception group."""

    def handler(request: httpx.Request) -> httpx.Response:
        ids = requested_ids(request)
        if len(ids) > 2:
            return httpx.Response(524)
        return httpx.Response(401) if 3 in ids else bugs_for(ids)

    async with make_client(handler) as client:
        with pytest.raises(AuthenticationError):
            await client.get_bugs([1, 2, 3, 4])


async def test_a_persistent_500_splits_a_batch_at_once_and_retries_only_the_single_id(
    make_client: ClientFactory, sleep: RecordedSleep
) -> None:
    """A 500 on several ids splits without retry or wait; test 2 alone gets the retries."""
    asked: list[tuple[int, ...]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        ids = requested_ids(request)
        asked.append(ids)
        return httpx.Response(500) if 2 in ids else bugs_for(ids)

    async with make_client(handler, max_retries=3) as client:
        batch = await client.get_bugs([1, 2, 3, 4])

    assert sorted(asked) == [(1,), (1, 2), (1, 2, 3, 4), (2,), (2,), (2,), (3, 4)]
    assert len(sleep.waits) == 2  # the backoffs of test 2 alone, nothing at the split levels
    assert batch.failed_test_ids == (2,)
    assert sorted(b.test_id for b in batch.bugs) == [1, 1, 3, 3, 4, 4]


async def test_a_bug_listed_twice_identically_is_kept_once_without_a_problem(
    make_client: ClientFactory,
) -> None:
    """Identical copies of one bug are just deduplicated."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"bugs": [bug(10, 1), bug(10, 1), bug(20, 2)]})

    async with make_client(handler) as client:
        batch = await client.get_bugs([1, 2])

    assert [b.id for b in batch.bugs] == [10, 20]
    assert (batch.failed_test_ids, batch.problems) == ((), ())


async def test_a_bug_listed_twice_differently_keeps_the_first_and_fails_its_test(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Different copies of one bug keep the first; the test is incomplete, with a problem."""
    again = {**bug(10, 1), "status": "rejected"}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"bugs": [bug(10, 1), again, again, bug(20, 2)]})

    async with make_client(handler) as client:
        batch = await client.get_bugs([1, 2])

    assert [(b.id, b.status) for b in batch.bugs] == [(10, "accepted"), (20, "accepted")]
    assert batch.failed_test_ids == (1,)
    (problem,) = batch.problems
    assert (problem.kind, problem.test_ids) == ("payload", (1,))
    assert "Bug 10 is listed twice" in problem.message
    assert "Bug 10 is listed twice" in caplog.text

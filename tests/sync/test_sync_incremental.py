"""An incremental sync reads only what is new, and finds it all."""

from __future__ import annotations

from typing import Any

from sync_world import NOW, SyncWorld, sandbox_app

TOKEN = "spec-token"


def _spec(tests: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "token": TOKEN,
        "products": [{"id": 10, "name": "Shop", "features": [{"id": 500}], "tests": tests}],
    }


def _test(tid: int, end_at: str, status: str = "archived", bugs: int = 2) -> dict[str, Any]:
    return {"id": tid, "status": status, "end_at": end_at, "bugs": bugs}


# Listed newest first: a scheduled test, then settled ones; 300 and 301 end at the same
# instant (a tie). Pages of two: [400, 300] [301, 200] [100].
BEFORE = [
    _test(400, "2026-12-01T10:00:00Z", status="waiting", bugs=0),
    _test(300, "2026-11-10T10:00:00Z"),
    _test(200, "2026-11-01T10:00:00Z"),
    _test(100, "2026-10-01T10:00:00Z"),
]
# Upstream later: a new test 299 ties with 300 and sorts after it (lower id), on page 2.
AFTER = [*BEFORE, _test(299, "2026-11-10T10:00:00Z", bugs=3)]


async def test_an_incremental_sync_with_nothing_new_reads_one_page_per_product(
    medium: SyncWorld,
) -> None:
    """1 product list + 1 page per product (2 where page 1 holds no test that has ended).

    No feature calls and no bug batches: everything cached is fresh.
    """
    first_pages = {p["id"]: p["tests"][:25] for p in medium.truth()}
    expected = {
        pid: 1 if any(t["status"] in ("locked", "archived") for t in tests) else 2
        for pid, tests in first_pages.items()
    }
    medium.clock.advance(minutes=5)
    result = await medium.sync()
    assert {p.id: p.pages for p in result.per_product} == expected
    assert medium.requests() == {
        "GET /products": 1,
        "GET /products/{pid}/exploratory_tests": sum(expected.values()),
    }
    # Partial: the poisoned ranges the first sync could not read are still missing.
    assert (result.status, result.tests_new, result.bugs_upserted) == ("partial", 0, 0)
    assert {p.kind for p in result.problems} == {"test_page"}


async def test_a_new_test_upstream_is_found_with_its_bugs(medium: SyncWorld) -> None:
    """A test created upstream since the last sync is cached with all its bugs."""
    product_id = medium.truth()[1]["id"]
    medium.sandbox.set_now(NOW.replace(hour=12))
    new_id = medium.sandbox.add_test(product_id, bugs=4, end_at=NOW.replace(hour=11))
    medium.sandbox.reset_counters()
    result = await medium.sync()
    cached = await medium.tests()
    bugs = [b for b in (await medium.bugs()).values() if b.test_id == new_id]
    assert (result.tests_new, new_id in cached, len(bugs)) == (1, True, 4)
    assert medium.requests()["GET /bugs"] == 1


async def test_a_new_test_tied_with_the_anchor_on_the_next_page_is_found(
    cache_url: str,
) -> None:
    """The read goes on while the last test of a page ties with the newest settled one."""
    before = sandbox_app(spec=_spec(BEFORE))
    after = sandbox_app(spec=_spec(AFTER))
    async with SyncWorld(before, cache_url, page_size=2).open() as world:
        await world.sync()
        after.sandbox.reset_counters()
        result = await world.sync(app=after)
        cached = await world.tests()
    assert (result.tests_new, 299 in cached) == (1, True)
    assert after.sandbox.counters()["GET /products/{pid}/exploratory_tests"] == 2


async def test_a_scheduled_test_on_top_does_not_stop_the_read_early(cache_url: str) -> None:
    """New tests that end before a cached scheduled test are still found on later pages."""
    before = sandbox_app(spec=_spec(BEFORE))
    new = [_test(500 + i, f"2026-11-1{i + 2}T10:00:00Z") for i in range(4)]
    after = sandbox_app(spec=_spec(BEFORE + new))
    async with SyncWorld(before, cache_url, page_size=2).open() as world:
        await world.sync()
        result = await world.sync(app=after)
        cached = await world.tests()
    assert result.tests_new == 4
    assert {500, 501, 502, 503} <= set(cached)


async def test_the_read_stops_after_the_first_page_past_the_anchor(cache_url: str) -> None:
    """With nothing new and no tie at the page end, one page is enough."""
    app = sandbox_app(spec=_spec([_test(900, "2026-11-15T10:00:00Z"), *BEFORE[1:]]))
    async with SyncWorld(app, cache_url, page_size=2).open() as world:
        await world.sync()
        app.sandbox.reset_counters()
        await world.sync()
    assert app.sandbox.counters()["GET /products/{pid}/exploratory_tests"] == 1


async def test_a_full_sync_rereads_every_page(cache_url: str) -> None:
    """`full=True` reads the whole list even when nothing is new."""
    app = sandbox_app(spec=_spec(BEFORE))
    async with SyncWorld(app, cache_url, page_size=2).open() as world:
        await world.sync()
        app.sandbox.reset_counters()
        result = await world.sync(full=True)
    assert app.sandbox.counters()["GET /products/{pid}/exploratory_tests"] >= 3
    assert (result.tests_new, result.tests_updated) == (0, 0)


# Settled tests newest first; 250 is still locked (it becomes archived upstream later).
# Pages of two: [300, 290] [280, 250] [200].
WITH_LOCKED = [
    _test(300, "2026-11-10T10:00:00Z"),
    _test(290, "2026-11-08T10:00:00Z"),
    _test(280, "2026-11-07T10:00:00Z"),
    _test(250, "2026-11-05T10:00:00Z", status="locked"),
    _test(200, "2026-11-01T10:00:00Z"),
]
ARCHIVED = [{**t, "status": "archived"} for t in WITH_LOCKED]


async def test_a_locked_test_on_a_later_page_is_reread_once_its_record_is_stale(
    cache_url: str,
) -> None:
    """Past the TTL the read goes on to the oldest changing test and picks up its new status."""
    before = sandbox_app(spec=_spec(WITH_LOCKED))
    after = sandbox_app(spec=_spec(ARCHIVED))
    async with SyncWorld(before, cache_url, page_size=2).open() as world:
        await world.sync()
        world.clock.advance(minutes=5)
        await world.sync(app=after)
        fresh = (await world.tests())[250].status
        world.clock.advance(hours=2)
        after.sandbox.reset_counters()
        await world.sync(app=after)
        stale = (await world.tests())[250].status
    assert (fresh, stale) == ("locked", "archived")
    assert after.sandbox.counters()["GET /products/{pid}/exploratory_tests"] == 3

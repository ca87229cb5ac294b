"""A full sync caches exactly what the API serves, and records what it cannot."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import anyio
import httpx
from sqlalchemy import select
from starlette.types import ASGIApp, Receive, Scope, Send
from sync_world import SyncWorld, sandbox_app

from testio.cache.models import Base, FeatureRow, ProductRow, SyncEventRow
from testio.client import TestIOClient
from testio.domain.sync import SyncProgress


async def test_a_full_sync_caches_every_test_of_the_ground_truth_except_poisoned_ones(
    medium: SyncWorld,
) -> None:
    """Test ids and statuses equal the sandbox's, minus the tests that poison the list."""
    cached = await medium.tests()
    truth = medium.truth_tests()
    assert {t: row.status for t, row in cached.items()} == {
        t: test["status"] for t, test in truth.items()
    }


async def test_a_full_sync_caches_every_bug_with_its_status_flags(medium: SyncWorld) -> None:
    """Bug ids, statuses, auto-accepted and known flags equal the sandbox's."""
    cached = await medium.bugs()
    truth = {
        b["id"]: (b["status"], b["auto_accepted"], b["known"], test_id)
        for test_id, test in medium.truth_tests().items()
        for b in test["bugs"]
    }
    assert len(truth) > 7000
    assert {
        b: (row.status, row.auto_accepted, row.known, row.test_id) for b, row in cached.items()
    } == truth


async def test_each_test_knows_its_bug_count_and_when_its_bugs_were_fetched(
    medium: SyncWorld,
) -> None:
    """After a full sync every test's bugs are complete and counted."""
    cached = await medium.tests()
    truth = medium.truth_tests()
    assert all(row.bugs_complete and row.bugs_synced_at is not None for row in cached.values())
    assert {t: row.bug_count for t, row in cached.items()} == {
        t: len(test["bugs"]) for t, test in truth.items()
    }


async def test_poisoned_tests_are_recorded_as_ranges_between_their_neighbours(
    medium: SyncWorld,
) -> None:
    """Each poisoned test is an open test_page problem naming the tests around the gap."""
    expected: set[tuple[int, int | None, int | None]] = set()
    for product in medium.truth():
        tests = product["tests"]
        for i, test in enumerate(tests):
            if test["poisoned"]:
                before = tests[i - 1]["id"] if i > 0 else None
                after = tests[i + 1]["id"] if i + 1 < len(tests) else None
                expected.add((product["id"], before, after))
    problems = await medium.problems()
    assert len(expected) == 3
    assert {
        (p.product_id, p.before_test_id, p.after_test_id) for p in problems if p.kind == "test_page"
    } == expected


async def test_features_are_cached_with_the_sections_that_list_them(medium: SyncWorld) -> None:
    """Each product's catalogue matches the sandbox's feature ids."""
    async with medium.factory() as session:
        rows = list(await session.scalars(select(FeatureRow)))
    cached = {(f.product_id, f.id) for f in rows}
    truth = {(p["id"], fid) for p in medium.truth() for fid in p["feature_ids"]}
    assert cached == truth
    sectioned = {p["id"] for p in medium.truth() if p["has_sections"]}
    assert all(f.section_ids for f in rows if f.product_id in sectioned)


async def test_every_datetime_from_the_api_comes_back_aware_utc(medium: SyncWorld) -> None:
    """Mixed API offsets are stored as instants and read back in UTC."""
    cached = await medium.tests()
    bugs = await medium.bugs()
    moments = [t.end_at for t in cached.values()] + [b.reported_at for b in bugs.values()]
    assert all(m is None or m.tzinfo is UTC for m in moments)


async def test_environment_credentials_never_reach_the_cache_file(medium: SyncWorld) -> None:
    """No username or password of any test environment is in the database (file or tables)."""
    secrets = {
        value
        for env in medium.sandbox.dataset.environments.values()
        for value in (env.username, env.password)
        if len(value) >= 6
    }
    if medium.engine.dialect.name == "sqlite":
        await medium.engine.dispose()
        content = medium.db_file.read_bytes()
    else:
        async with medium.engine.connect() as conn:
            rows = [
                str(row)
                for table in Base.metadata.sorted_tables
                for row in (await conn.execute(table.select())).all()
            ]
        content = "\n".join(rows).encode()
    assert secrets
    assert not [s for s in secrets if s.encode() in content]


async def test_a_full_sync_ends_partial_with_a_sentence_per_missing_range(
    small: SyncWorld,
) -> None:
    """Poisoned tests make the result partial; each problem is one readable sentence."""
    result = await small.sync(full=True)
    assert (result.status, result.complete) == ("partial", False)
    assert [p.kind for p in result.problems] == ["test_page"]
    assert result.problems[0].message.endswith(".")
    assert result.tests_new == len(small.truth_tests())


async def test_a_sync_run_is_recorded_with_its_counts(small: SyncWorld) -> None:
    """The sync event holds status, trigger, counts, requests and duration."""
    result = await small.sync(full=True, trigger="test")
    async with small.factory() as session:
        event = await session.get(SyncEventRow, result.event_id)
    assert event is not None
    assert (event.status, event.trigger, event.full) == ("partial", "test", True)
    assert (event.products, event.tests_new, event.bugs_upserted) == (
        3,
        result.tests_new,
        result.bugs_upserted,
    )
    assert event.requests == sum(small.requests().values())
    assert event.duration_s is not None
    assert event.ended_at is not None


async def test_products_are_marked_synced_when_every_phase_finished(small: SyncWorld) -> None:
    """Each product has its list-read, features and sync times after a full sync."""
    await small.sync(full=True)
    async with small.factory() as session:
        products = list(await session.scalars(select(ProductRow)))
    assert len(products) == 3
    assert all(
        p.synced_at == small.clock.now
        and p.tests_synced_at == small.clock.now
        and p.features_synced_at == small.clock.now
        for p in products
    )


async def test_progress_reports_pages_tests_and_bug_batches_per_product(
    small: SyncWorld,
) -> None:
    """Events name the product and count pages, tests and batches; each product ends done."""
    events: list[SyncProgress] = []
    await small.sync(full=True, progress=events.append)
    done = [e for e in events if e.phase == "done"]
    assert {e.product_id for e in done} == {p["id"] for p in small.truth()}
    assert done[-1].products_done == done[-1].products_total == 3
    assert sum(e.tests_seen for e in done) == len(small.truth_tests())
    assert all(e.bug_batches_done == e.bug_batches_total > 0 for e in done)
    assert any(e.phase == "tests" and e.pages_done > 0 for e in events)


async def test_only_the_requested_products_are_synced(small: SyncWorld) -> None:
    """`product_ids` limits the run; an id the account does not have is a problem."""
    wanted = small.truth()[2]["id"]
    result = await small.sync(product_ids=[wanted, 424242])
    cached = await small.tests()
    assert {row.product_id for row in cached.values()} == {wanted}
    assert [(p.kind, p.product_id) for p in result.problems] == [("product", 424242)]
    assert result.status == "partial"


PAGES = "GET /products/{pid}/exploratory_tests"


def _lists_spec(sizes: dict[int, int], poisoned: dict[int, int] | None = None) -> dict[str, Any]:
    """Products (id → number of tests) of archived tests with one bug each; `poisoned` maps a
    product to the offset of its poisoned test."""
    bad = poisoned or {}
    return {
        "token": "spec-token",
        "products": [
            {
                "id": pid,
                "name": f"Product {pid}",
                "tests": [
                    {"status": "archived", "bugs": 1, "poisoned": bad.get(pid) == offset}
                    for offset in range(size)
                ],
            }
            for pid, size in sizes.items()
        ],
    }


async def test_a_full_read_asks_for_no_page_past_the_end_of_a_short_list(cache_url: str) -> None:
    """Up to three pages are read one after another: the short page is the last one asked for."""
    sizes = {10: 3, 11: 8, 12: 14}  # pages of 5: one, two and three pages, the last short
    world = SyncWorld(sandbox_app(spec=_lists_spec(sizes)), cache_url, page_size=5)
    async with world.open():
        result = await world.sync(full=True)
    assert result.tests_new == sum(sizes.values())
    assert world.requests()[PAGES] == sum(n // 5 + 1 for n in sizes.values())


async def test_a_full_read_of_a_long_list_asks_for_at_most_one_page_past_its_end(
    cache_url: str,
) -> None:
    """Past three full pages, two pages are in flight ahead: at most one past the end."""
    sizes = {10: 40, 11: 52}  # pages of 5: 8 full and an empty one; 10 full and a short one
    world = SyncWorld(sandbox_app(spec=_lists_spec(sizes)), cache_url, page_size=5)
    async with world.open():
        result = await world.sync(full=True)
    needed = sum(n // 5 + 1 for n in sizes.values())
    assert result.tests_new == sum(sizes.values())
    assert needed <= world.requests()[PAGES] <= needed + len(sizes)


class _HoldRetry:
    """An ASGI wrapper that holds the second request for `query` until `until` was asked for."""

    def __init__(self, app: ASGIApp, query: str, until: str) -> None:
        self.app = app
        self.query = query
        self.until = until
        self.asked = 0
        self.released = anyio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope["query_string"].decode()
            if query == self.until:
                self.released.set()
            if query == self.query:
                self.asked += 1
                if self.asked == 2:
                    with anyio.fail_after(5):
                        await self.released.wait()
        await self.app(scope, receive, send)


async def test_a_page_being_recovered_holds_up_none_of_the_pages_after_it(
    cache_url: str,
) -> None:
    """A poisoned second page is retried and read in smaller pages while the rest is read.

    The retry of page 2 is held until page 6 (the last full one) was asked for, which
    happens only if the pages after the failing one go out meanwhile.
    """
    app = sandbox_app(spec=_lists_spec({10: 30}, poisoned={10: 6}))
    world = SyncWorld(app, cache_url, page_size=5)
    held = _HoldRetry(app, "page=2&per_page=5", until="page=6&per_page=5")
    transport = httpx.ASGITransport(held)
    async with (
        world.open(),
        TestIOClient(world.settings, transport=transport, backoff_base=0.0) as client,
        world.service(client) as service,
    ):
        result = await service.sync(full=True)
    assert [(p.kind, p.product_id) for p in result.problems] == [("test_page", 10)]
    assert "offset 6 " in result.problems[0].message
    assert result.tests_new == 29
    # 7 pages (the last one empty) and perhaps one past it, the retry of page 2, then pages
    # of 2 and of 1 over [5, 10): [4, 6) [6, 8) [8, 10), then [6, 7) [7, 8).
    assert 7 + 1 + 3 + 2 <= world.requests()[PAGES] <= 8 + 1 + 3 + 2

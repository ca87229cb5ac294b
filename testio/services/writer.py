"""CacheWriter: the one path by which a sync's concurrent tasks read and write the cache.

Products, pages and bug batches are fetched concurrently, but a session serves one
coroutine at a time, so every database step goes through one lock. Each write commits at
once: an interrupted sync keeps every page and bug batch it finished.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

import anyio
import attrs

from testio.client.payloads import Test
from testio.domain.sync import SyncProblem
from testio.repositories import NewProblem, Repositories, TestWriteCounts, problem_key

if TYPE_CHECKING:
    from testio.client.listings import BugBatch
    from testio.client.recovery import Problem

T = TypeVar("T")

log = logging.getLogger("testio.sync")

BUG_PROBLEM = "bug_batch"


@attrs.frozen
class BugWriteCounts:
    """What writing one fetched bug batch changed, also per product."""

    upserted: int
    deleted: int
    refreshed: tuple[int, ...]
    failed: tuple[int, ...]
    by_product: dict[int, tuple[int, int]]
    """product id → (bugs upserted, bugs deleted)"""


def as_new_problem(
    problem: Problem, *, kind: str | None = None, product_id: int | None = None
) -> NewProblem:
    """A client `Problem` as a row to record (optionally re-kinded or given its product)."""
    kind = kind or problem.kind
    pid = problem.product_id if problem.product_id is not None else product_id
    return NewProblem(
        kind=kind,
        key=problem_key(
            kind,
            pid,
            test_ids=problem.test_ids,
            before_test_id=problem.before_test_id,
            after_test_id=problem.after_test_id,
            offset_start=problem.offset_start,
            offset_end=problem.offset_end,
            message=problem.message,
        ),
        product_id=pid,
        message=problem.message,
        test_ids=problem.test_ids,
        offset_start=problem.offset_start,
        offset_end=problem.offset_end,
        before_test_id=problem.before_test_id,
        after_test_id=problem.after_test_id,
    )


def as_sync_problem(problem: NewProblem) -> SyncProblem:
    """The one-sentence form a sync result reports."""
    return SyncProblem(
        kind=problem.kind,
        product_id=problem.product_id,
        message=problem.message,
        test_ids=problem.test_ids,
    )


class CacheWriter:
    """Serialised reads and committed writes on one service session."""

    def __init__(
        self,
        repos: Repositories,
        commit: Callable[[], Awaitable[None]],
        clock: Callable[[], datetime],
        *,
        sync_id: int | None = None,
        keep_alive: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._repos = repos
        self._commit = commit
        self._clock = clock
        self._lock = anyio.Lock()
        self._keep_alive = keep_alive
        self.sync_id = sync_id
        self.problems: dict[tuple[str, str], NewProblem] = {}
        """Every problem seen through this writer, by (kind, key)."""

    async def read(self, query: Callable[[Repositories], Awaitable[T]]) -> T:
        """Run a read-only query with the session to itself."""
        async with self._lock:
            return await query(self._repos)

    async def write(self, change: Callable[[Repositories], Awaitable[T]]) -> T:
        """Run a change and commit it."""
        async with self._lock:
            result = await change(self._repos)
            await self._commit()
        if self._keep_alive is not None:
            await self._keep_alive()
        return result

    def note(self, problems: Iterable[NewProblem]) -> list[NewProblem]:
        """Remember problems for the run's result; returns them as a list."""
        noted = list(problems)
        for problem in noted:
            self.problems[(problem.kind, problem.key)] = problem
        return noted

    async def record(self, problems: Iterable[NewProblem]) -> None:
        """Remember and store problems."""
        noted = self.note(problems)
        if noted:
            now = self._clock()
            await self.write(lambda r: r.problems.record(noted, seen_at=now))

    async def write_tests(
        self, tests: Sequence[Test], problems: Sequence[Problem], *, product_id: int
    ) -> TestWriteCounts:
        """Store one page of tests and what could not be read of it.

        A test listed twice on the page with different content keeps its first copy; the
        second is skipped as an unreadable item.
        """
        tests, twice = _first_copies(tests)
        noted = self.note(as_new_problem(p, product_id=product_id) for p in problems)
        noted += self.note(_listed_twice(test_id, product_id) for test_id in twice)
        now = self._clock()

        async def change(repos: Repositories) -> TestWriteCounts:
            counts = await repos.tests.upsert(tests, synced_at=now, sync_id=self.sync_id)
            if noted:
                await repos.problems.record(noted, seen_at=now)
            return counts

        return await self.write(change)

    async def write_bugs(self, batch: BugBatch, product_of: Mapping[int, int]) -> BugWriteCounts:
        """Store a fetched bug batch.

        Tests whose bugs all arrived get bugs gone upstream deleted and are marked synced;
        failed tests keep their older bugs (plus any that did arrive) and are marked incomplete.
        """
        failed = set(batch.failed_test_ids)
        orphans = [p for p in batch.problems if p.kind == "payload" and not p.test_ids]
        if orphans:
            # An unreadable bug that names no test belongs to one of these: none is complete.
            failed.update(batch.test_ids)
            orphaned = [attrs.evolve(p, test_ids=batch.test_ids) for p in orphans]
            batch = attrs.evolve(
                batch, problems=(*(p for p in batch.problems if p not in orphans), *orphaned)
            )
        refreshed = tuple(t for t in batch.test_ids if t not in failed)
        per_test = dict.fromkeys(refreshed, 0)
        for bug in batch.bugs:
            if bug.test_id in per_test:
                per_test[bug.test_id] += 1
        noted = self.note(
            as_new_problem(
                p,
                kind=BUG_PROBLEM,
                product_id=product_of.get(p.test_ids[0]) if p.test_ids else None,
            )
            for p in batch.problems
        )
        now = self._clock()

        async def change(repos: Repositories) -> BugWriteCounts:
            upserted = await repos.bugs.upsert(batch.bugs, product_of=product_of, synced_at=now)
            deleted = await repos.bugs.delete_missing(
                refreshed, keep=[b.id for b in batch.bugs if b.test_id in per_test]
            )
            by_product: dict[int, tuple[int, int]] = {}
            for test_id in batch.test_ids:
                pid = product_of.get(test_id)
                if pid is not None:
                    up, gone = by_product.get(pid, (0, 0))
                    by_product[pid] = (up, gone + deleted.get(test_id, 0))
            for bug in batch.bugs:
                pid = product_of.get(bug.test_id)
                if pid is not None:
                    up, gone = by_product.get(pid, (0, 0))
                    by_product[pid] = (up + 1, gone)
            await repos.tests.mark_bugs_synced(per_test, at=now)
            if failed:
                await repos.tests.mark_bugs_failed(failed)
            if noted:
                await repos.problems.record(noted, seen_at=now)
            return BugWriteCounts(
                upserted=upserted,
                deleted=sum(deleted.values()),
                refreshed=refreshed,
                failed=tuple(sorted(failed)),
                by_product=by_product,
            )

        return await self.write(change)

    async def resolve_bug_problems(self) -> int:
        """Mark bug problems resolved whose tests now all have complete bugs."""
        now = self._clock()
        return await self.write(lambda r: r.problems.resolve_bug_problems(kind=BUG_PROBLEM, at=now))


def _first_copies(tests: Sequence[Test]) -> tuple[list[Test], list[int]]:
    """The tests with each id once (its first copy), and the ids listed again differently."""
    first: dict[int, Test] = {}
    twice: list[int] = []
    for test in tests:
        seen = first.setdefault(test.id, test)
        if seen is not test and seen != test and test.id not in twice:
            twice.append(test.id)
    return list(first.values()), twice


def _listed_twice(test_id: int, product_id: int) -> NewProblem:
    message = (
        f"Test {test_id} is listed twice on one page of product {product_id}'s test list with "
        "different content; the second copy was skipped."
    )
    log.warning("%s", message)
    return NewProblem(
        kind="payload",
        key=problem_key("payload", product_id, test_ids=(test_id,)),
        product_id=product_id,
        message=message,
        test_ids=(test_id,),
    )

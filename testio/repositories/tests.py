"""Tests as cached: bulk writes from test pages, the bug bookkeeping, and the list queries."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from testio.cache.models import TestRow, table_of
from testio.client.payloads import Test
from testio.lifecycle import IMMUTABLE_STATUSES, TEST_CASE_RUN, normalise_testing_type
from testio.repositories.upsert import chunked, upsert_rows

IN_CHUNK = 900
"""Ids per `IN (...)` list: below every database's bound-parameter limit."""

# Fields whose change makes a re-read test count as "updated".
_COMPARED = (
    "title",
    "status",
    "review_status",
    "testing_type",
    "start_at",
    "end_at",
    "section_id",
    "environment_id",
    "environment_title",
    "created_by",
    "goal",
    "features",
)


@attrs.frozen
class TestWriteCounts:
    """What a batch of test writes changed."""

    __test__ = False

    new: int
    updated: int


@attrs.frozen
class TestListPage:
    """One page of a product's tests and how many match in total."""

    __test__ = False

    total: int
    tests: tuple[TestRow, ...]


@attrs.frozen
class BugFetchDue:
    """A test whose bugs should be fetched, with its bug count at the last fetch (if any)."""

    test_id: int
    product_id: int
    bug_count: int | None


@attrs.frozen
class BugFreshness:
    """Of some test ids: those cached, and those of them whose bugs are due (newest first)."""

    known: frozenset[int]
    due: tuple[BugFetchDue, ...]


_NEWEST_FIRST = (TestRow.end_at.desc().nulls_first(), TestRow.id.desc())


def _bugs_due(now: datetime, ttl_s: float) -> ColumnElement[bool]:
    """Bugs are due: never fetched completely, or the last fetch failed; mutable tests whose
    bugs are older than `ttl_s`; final tests whose bugs were fetched before they became final."""
    stale_before = now - timedelta(seconds=ttl_s)
    immutable = TestRow.status.in_(sorted(IMMUTABLE_STATUSES))
    return or_(
        TestRow.bugs_synced_at.is_(None),
        TestRow.bugs_complete.is_(False),
        and_(~immutable, TestRow.bugs_synced_at < stale_before),
        and_(immutable, TestRow.bugs_synced_at < TestRow.status_changed_at),
    )


def _row(test: Test) -> dict[str, Any]:
    return {
        "id": test.id,
        "product_id": test.product_id,
        "title": test.title,
        "status": test.status,
        "review_status": test.review_status,
        "testing_type": test.testing_type,
        "start_at": test.start_at,
        "end_at": test.end_at,
        "section_id": test.section_id,
        "environment_id": test.environment_id,
        "environment_title": test.environment_title,
        "created_by": test.created_by,
        "goal": test.goal,
        "features": [
            {"id": f.id, "feature_id": f.feature_id, "title": f.title} for f in test.features
        ],
    }


class TestRepository:
    """SQL over the tests table; never commits."""

    __test__ = False

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(
        self, tests: Sequence[Test], *, synced_at: datetime, sync_id: int | None = None
    ) -> TestWriteCounts:
        """Insert or update tests as the API returned them.

        Bug bookkeeping (`bugs_synced_at`, `bugs_complete`, `bug_count`) is kept; a status
        change stamps `status_changed_at`; `sync_id` marks tests this sync sees first.
        """
        unique = list({t.id: t for t in tests}.values())
        if not unique:
            return TestWriteCounts(new=0, updated=0)
        cols = [getattr(TestRow, name) for name in _COMPARED]
        found = await self.session.execute(
            select(TestRow.id, TestRow.first_sync_id, TestRow.status_changed_at, *cols).where(
                TestRow.id.in_([t.id for t in unique])
            )
        )
        existing = {r[0]: r for r in found}
        rows: list[dict[str, Any]] = []
        new = updated = 0
        for test in unique:
            row = _row(test)
            old = existing.get(test.id)
            if old is None:
                new += 1
                row["first_sync_id"] = sync_id
                row["status_changed_at"] = synced_at
            else:
                before = dict(zip(_COMPARED, old[3:], strict=True))
                if any(before[name] != row[name] for name in _COMPARED):
                    updated += 1
                row["first_sync_id"] = old[1] if old[1] is not None else sync_id
                row["status_changed_at"] = synced_at if before["status"] != test.status else old[2]
            row["synced_at"] = synced_at
            rows.append(row)
        await upsert_rows(self.session, table_of(TestRow), rows)
        return TestWriteCounts(new=new, updated=updated)

    async def get(self, test_id: int) -> TestRow | None:
        """One test, or None."""
        return await self.session.get(TestRow, test_id)

    async def known_ids(
        self,
        test_ids: Collection[int],
        *,
        seen_by_sync_id: int | None = None,
        statuses: Collection[str] | None = None,
    ) -> set[int]:
        """The ids among `test_ids` that are cached, optionally only those first seen by sync
        `seen_by_sync_id` or earlier and only those whose cached status is in `statuses`."""
        known: set[int] = set()
        for chunk in chunked(sorted(set(test_ids)), IN_CHUNK):
            stmt = select(TestRow.id).where(TestRow.id.in_(chunk))
            if seen_by_sync_id is not None:
                stmt = stmt.where(TestRow.first_sync_id <= seen_by_sync_id)
            if statuses is not None:
                stmt = stmt.where(TestRow.status.in_(sorted(statuses)))
            known.update(await self.session.scalars(stmt))
        return known

    async def count(self, product_id: int | None = None) -> int:
        """How many tests are cached (for one product, or all)."""
        stmt = select(func.count()).select_from(TestRow)
        if product_id is not None:
            stmt = stmt.where(TestRow.product_id == product_id)
        return (await self.session.scalar(stmt)) or 0

    async def list_for_product(
        self,
        product_id: int,
        *,
        statuses: Collection[str] | None = None,
        testing_types: Collection[str] | None = None,
        end_from: datetime | None = None,
        end_to: datetime | None = None,
        limit: int | None = 50,
        offset: int = 0,
    ) -> TestListPage:
        """A page of a product's tests, newest first (no end first, then end_at and id descending).

        `testing_types` are normalised names (`test_case` matches tests the API sent without
        a type). `end_from`/`end_to` bound `end_at` inclusively; a test with no `end_at` is
        outside any bounded range.
        """
        where = self._filters(
            product_id,
            statuses=statuses,
            testing_types=testing_types,
            end_from=end_from,
            end_to=end_to,
        )
        total = await self.session.scalar(select(func.count()).select_from(TestRow).where(*where))
        stmt: Select[TestRow] = (
            select(TestRow).where(*where).order_by(*_NEWEST_FIRST).offset(offset)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        tests = await self.session.scalars(stmt)
        return TestListPage(total=total or 0, tests=tuple(tests))

    @staticmethod
    def _filters(
        product_id: int,
        *,
        statuses: Collection[str] | None,
        testing_types: Collection[str] | None,
        end_from: datetime | None,
        end_to: datetime | None,
    ) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [TestRow.product_id == product_id]
        if statuses is not None:
            where.append(TestRow.status.in_(list(statuses)))
        if testing_types is not None:
            names = {normalise_testing_type(t) for t in testing_types}
            # Stored values are as the API sent them; compare normalised.
            normalised = func.lower(func.trim(TestRow.testing_type))
            options: list[ColumnElement[bool]] = [normalised.in_(sorted(names))]
            if TEST_CASE_RUN in names:
                options.append(TestRow.testing_type.is_(None))
                options.append(func.trim(TestRow.testing_type) == "")
            where.append(or_(*options))
        if end_from is not None:
            where.append(TestRow.end_at >= end_from)
        if end_to is not None:
            where.append(TestRow.end_at <= end_to)
        return where

    async def due_for_bugs(
        self,
        *,
        now: datetime,
        ttl_s: float,
        product_ids: Collection[int] | None = None,
        test_ids: Collection[int] | None = None,
        force: bool = False,
    ) -> list[BugFetchDue]:
        """Tests whose bugs should be fetched, newest first.

        Due: never fetched completely, or the last fetch failed; mutable tests whose bugs are
        older than `ttl_s`; final (archived, cancelled) tests whose bugs were fetched before
        they became final. `force` makes every selected test due.
        """
        rule = _bugs_due(now, ttl_s)
        base = select(TestRow.id, TestRow.product_id, TestRow.bug_count)
        if not force:
            base = base.where(rule)
        if product_ids is not None:
            base = base.where(TestRow.product_id.in_(sorted(set(product_ids))))
        due: list[BugFetchDue] = []
        if test_ids is None:
            rows = await self.session.execute(base.order_by(*_NEWEST_FIRST))
            due.extend(BugFetchDue(t, p, c) for t, p, c in rows)
            return due
        for chunk in chunked(sorted(set(test_ids)), IN_CHUNK):
            rows = await self.session.execute(
                base.where(TestRow.id.in_(chunk)).order_by(*_NEWEST_FIRST)
            )
            due.extend(BugFetchDue(t, p, c) for t, p, c in rows)
        return due

    async def bug_freshness(
        self, test_ids: Collection[int], *, now: datetime, ttl_s: float, force: bool = False
    ) -> BugFreshness:
        """Which of `test_ids` are cached, and which of those are due for a bug fetch.

        The same rule as `due_for_bugs`, read in one query per chunk of ids (this runs before
        every answer about a test, so it is one round trip, not two).
        """
        due_expr = true() if force else _bugs_due(now, ttl_s)
        known: set[int] = set()
        due: list[BugFetchDue] = []
        for chunk in chunked(sorted(set(test_ids)), IN_CHUNK):
            rows = await self.session.execute(
                select(
                    TestRow.id,
                    TestRow.product_id,
                    TestRow.bug_count,
                    case((due_expr, True), else_=False),
                )
                .where(TestRow.id.in_(chunk))
                .order_by(*_NEWEST_FIRST)
            )
            for test_id, product_id, bug_count, is_due in rows:
                known.add(test_id)
                if is_due:
                    due.append(BugFetchDue(test_id, product_id, bug_count))
        return BugFreshness(known=frozenset(known), due=tuple(due))

    async def oldest_stale_mutable_end(
        self, product_id: int, *, synced_before: datetime, ended_after: datetime
    ) -> datetime | None:
        """The earliest `end_at` after `ended_after` among the product's mutable tests whose
        record was last read before `synced_before` (None when there is none)."""
        return await self.session.scalar(
            select(func.min(TestRow.end_at)).where(
                TestRow.product_id == product_id,
                TestRow.status.not_in(sorted(IMMUTABLE_STATUSES)),
                TestRow.synced_at < synced_before,
                TestRow.end_at > ended_after,
            )
        )

    async def mark_bugs_synced(self, bug_counts: Mapping[int, int], *, at: datetime) -> None:
        """Record that these tests' bugs (test id → bug count) were just written completely."""
        if not bug_counts:
            return
        table = table_of(TestRow)
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values(
                bugs_synced_at=bindparam("_at", type_=table.c.bugs_synced_at.type),
                bug_count=bindparam("_count"),
                bugs_complete=True,
            )
        )
        params = [{"_id": tid, "_at": at, "_count": n} for tid, n in bug_counts.items()]
        for chunk in chunked(params, 1000):
            await self.session.execute(stmt, list(chunk))

    async def mark_bugs_failed(self, test_ids: Collection[int]) -> None:
        """Record that fetching these tests' bugs failed; their cached bugs may be stale."""
        for chunk in chunked(sorted(set(test_ids)), IN_CHUNK):
            await self.session.execute(
                update(table_of(TestRow)).where(TestRow.id.in_(chunk)).values(bugs_complete=False)
            )

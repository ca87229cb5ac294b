"""Bugs as cached: bulk writes per fetched batch, removal of bugs gone upstream, and reads."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from testio.cache.models import BugRow, table_of
from testio.client.bug_payloads import Bug
from testio.repositories.tests import IN_CHUNK
from testio.repositories.upsert import chunked, upsert_rows


@attrs.frozen
class BugStatusCount:
    """How many bugs share a status, an auto-accepted flag and a known flag."""

    status: str
    auto_accepted: bool | None
    known: bool
    count: int


@attrs.frozen
class BugTally:
    """Bug counts of some tests: grouped for the buckets, and by severity."""

    statuses: tuple[BugStatusCount, ...]
    severities: dict[str, int]


def bug_details(bug: Bug) -> str | None:
    """The `details` column: attachments and comments as compact JSON, null when none."""
    if not bug.attachments and not bug.comments:
        return None
    details: dict[str, Any] = {}
    if bug.attachments:
        details["attachments"] = list(bug.attachments)
    if bug.comments:
        details["comments"] = [
            [c.author, c.body, None if c.created_at is None else c.created_at.isoformat()]
            for c in bug.comments
        ]
    return json.dumps(details, ensure_ascii=False, separators=(",", ":"))


class BugRepository:
    """SQL over the bugs table; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(
        self, bugs: Iterable[Bug], *, product_of: Mapping[int, int], synced_at: datetime
    ) -> int:
        """Insert or update bugs; `product_of` maps each bug's test id to its product id.

        Bugs of tests missing from `product_of` are skipped. Returns how many were written.
        """
        rows: list[dict[str, Any]] = []
        for bug in bugs:
            product_id = product_of.get(bug.test_id)
            if product_id is None:
                continue
            rows.append(
                {
                    "id": bug.id,
                    "test_id": bug.test_id,
                    "product_id": product_id,
                    "title": bug.title,
                    "severity": bug.severity,
                    "status": bug.status,
                    "auto_accepted": bug.auto_accepted,
                    "known": bug.known,
                    "fixed": bug.fixed,
                    "exported_at": bug.exported_at,
                    "reported_at": bug.reported_at,
                    "author": bug.author,
                    "reject_reason": bug.reject_reason,
                    "feature_id": bug.feature_id,
                    "location": bug.location,
                    "operating_system": bug.operating_system,
                    "device": bug.device,
                    "device_category": bug.device_category,
                    "browsers": ", ".join(bug.browsers) or None,
                    "steps": "\n".join(bug.steps) or None,
                    "expected_result": bug.expected_result,
                    "actual_result": bug.actual_result,
                    "details": bug_details(bug),
                    "synced_at": synced_at,
                }
            )
        await upsert_rows(self.session, table_of(BugRow), rows)
        return len(rows)

    async def delete_missing(
        self, test_ids: Collection[int], keep: Collection[int]
    ) -> dict[int, int]:
        """Delete the cached bugs of `test_ids` whose id is not in `keep`.

        Returns how many bugs were deleted per test (tests that lost none are left out).
        """
        keep_set = set(keep)
        gone: list[int] = []
        per_test: dict[int, int] = {}
        for chunk in chunked(sorted(set(test_ids)), IN_CHUNK):
            rows = await self.session.execute(
                select(BugRow.id, BugRow.test_id).where(BugRow.test_id.in_(chunk))
            )
            for bug_id, test_id in rows:
                if bug_id not in keep_set:
                    gone.append(bug_id)
                    per_test[test_id] = per_test.get(test_id, 0) + 1
        for chunk in chunked(gone, IN_CHUNK):
            await self.session.execute(delete(table_of(BugRow)).where(BugRow.id.in_(chunk)))
        return per_test

    async def get(self, bug_id: int, *, reload: bool = False) -> BugRow | None:
        """One bug, or None; `reload` reads it again even if the session holds it."""
        return await self.session.get(BugRow, bug_id, populate_existing=reload)

    async def list_for_test(self, test_id: int, *, limit: int | None = None) -> list[BugRow]:
        """A test's bugs, most recently reported first (bugs without a report time last)."""
        stmt = (
            select(BugRow)
            .where(BugRow.test_id == test_id)
            .order_by(BugRow.reported_at.desc().nulls_last(), BugRow.id.desc())
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        return list(await self.session.scalars(stmt))

    async def tally(self, test_ids: Collection[int]) -> BugTally:
        """Bug counts of these tests by (status, auto_accepted, known) and by severity.

        One grouped query per chunk of ids gives both: the groups are few (statuses times
        severities), so folding them here costs nothing next to another round trip.
        """
        statuses: dict[tuple[str, bool | None, bool], int] = {}
        severities: dict[str, int] = {}
        for chunk in chunked(sorted(set(test_ids)), IN_CHUNK):
            rows = await self.session.execute(
                select(
                    BugRow.status, BugRow.auto_accepted, BugRow.known, BugRow.severity, func.count()
                )
                .where(BugRow.test_id.in_(chunk))
                .group_by(BugRow.status, BugRow.auto_accepted, BugRow.known, BugRow.severity)
            )
            for status, auto, known, severity, n in rows:
                key = (status, auto, known)
                statuses[key] = statuses.get(key, 0) + n
                severities[severity] = severities.get(severity, 0) + n
        return BugTally(
            statuses=tuple(
                BugStatusCount(status=s, auto_accepted=a, known=k, count=n)
                for (s, a, k), n in sorted(
                    statuses.items(), key=lambda kv: (kv[0][0], str(kv[0][1]), kv[0][2])
                )
            ),
            severities=dict(sorted(severities.items())),
        )

    async def count(self, *, test_id: int | None = None, product_id: int | None = None) -> int:
        """How many bugs are cached (for a test, a product, or all)."""
        stmt = select(func.count()).select_from(BugRow)
        if test_id is not None:
            stmt = stmt.where(BugRow.test_id == test_id)
        if product_id is not None:
            stmt = stmt.where(BugRow.product_id == product_id)
        return (await self.session.scalar(stmt)) or 0

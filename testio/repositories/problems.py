"""Data the API would not return, remembered until it loads fine again."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import attrs
from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from testio.cache.models import ProblemRow, TestRow, table_of
from testio.repositories.upsert import chunked


@attrs.frozen
class NewProblem:
    """A problem as a sync saw it; `key` identifies it within its kind (see `problem_key`)."""

    kind: str
    key: str
    product_id: int | None
    message: str
    test_ids: tuple[int, ...] = ()
    offset_start: int | None = None
    offset_end: int | None = None
    before_test_id: int | None = None
    after_test_id: int | None = None


def problem_key(
    kind: str,
    product_id: int | None,
    *,
    test_ids: Sequence[int] = (),
    before_test_id: int | None = None,
    after_test_id: int | None = None,
    offset_start: int | None = None,
    offset_end: int | None = None,
    message: str = "",
) -> str:
    """A stable identity for a problem, so the same one seen again is one row.

    A failing test-list range is identified by its neighbours when known (offsets move as
    tests are added), a bug failure by its test ids, anything else by its message.
    """
    product = "-" if product_id is None else str(product_id)
    if kind == "test_page":
        if before_test_id is not None or after_test_id is not None:
            return f"{product}:between:{before_test_id}:{after_test_id}"
        return f"{product}:offsets:{offset_start}:{offset_end}"
    if test_ids:
        return f"{product}:tests:{','.join(str(t) for t in sorted(test_ids))}"
    return f"{product}:{message[:300]}"


class ProblemRepository:
    """SQL over the problems table; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, problems: Sequence[NewProblem], *, seen_at: datetime) -> None:
        """Insert new problems; one seen before gets its `last_seen` updated and is reopened."""
        unique = list({(p.kind, p.key): p for p in problems}.values())
        for chunk in chunked(unique, 200):
            found = await self.session.scalars(
                select(ProblemRow).where(
                    ProblemRow.kind.in_({p.kind for p in chunk}),
                    ProblemRow.key.in_({p.key for p in chunk}),
                )
            )
            existing = {(r.kind, r.key): r for r in found}
            for problem in chunk:
                row = existing.get((problem.kind, problem.key))
                if row is None:
                    self.session.add(
                        ProblemRow(
                            kind=problem.kind,
                            key=problem.key,
                            product_id=problem.product_id,
                            message=problem.message,
                            test_ids=list(problem.test_ids),
                            offset_start=problem.offset_start,
                            offset_end=problem.offset_end,
                            before_test_id=problem.before_test_id,
                            after_test_id=problem.after_test_id,
                            first_seen=seen_at,
                            last_seen=seen_at,
                            seen_count=1,
                            resolved=False,
                        )
                    )
                    continue
                row.message = problem.message
                row.test_ids = list(problem.test_ids)
                row.offset_start = problem.offset_start
                row.offset_end = problem.offset_end
                row.before_test_id = problem.before_test_id
                row.after_test_id = problem.after_test_id
                row.last_seen = seen_at
                row.seen_count += 1
                row.resolved = False
                row.resolved_at = None
        await self.session.flush()

    async def resolve_missing(
        self, *, kind: str, product_id: int, still_open: Collection[str], at: datetime
    ) -> int:
        """Mark the product's open problems of a kind resolved unless their key is in `still_open`."""
        stmt = (
            update(table_of(ProblemRow))
            .where(
                ProblemRow.kind == kind,
                ProblemRow.product_id == product_id,
                ProblemRow.resolved.is_(False),
            )
            .values(resolved=True, resolved_at=at)
        )
        if still_open:
            stmt = stmt.where(ProblemRow.key.not_in(sorted(still_open)))
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)

    async def resolve_bug_problems(self, *, kind: str, at: datetime) -> int:
        """Mark open problems of a kind resolved once every test they name has complete bugs."""
        rows = list(
            await self.session.scalars(
                select(ProblemRow).where(ProblemRow.kind == kind, ProblemRow.resolved.is_(False))
            )
        )
        named = sorted({int(t) for row in rows for t in row.test_ids})
        complete: set[int] = set()
        for chunk in chunked(named, 900):
            complete.update(
                await self.session.scalars(
                    select(TestRow.id).where(
                        TestRow.id.in_(chunk),
                        TestRow.bugs_complete.is_(True),
                        TestRow.bugs_synced_at.is_not(None),
                    )
                )
            )
        resolved = 0
        for row in rows:
            ids = {int(t) for t in row.test_ids}
            if ids and ids <= complete:
                row.resolved = True
                row.resolved_at = at
                resolved += 1
        await self.session.flush()
        return resolved

    async def list_problems(
        self, *, product_id: int | None = None, include_resolved: bool = False
    ) -> list[ProblemRow]:
        """Problems (open ones unless asked), most recently seen first."""
        stmt = select(ProblemRow).order_by(ProblemRow.last_seen.desc(), ProblemRow.id.desc())
        if product_id is not None:
            stmt = stmt.where(ProblemRow.product_id == product_id)
        if not include_resolved:
            stmt = stmt.where(ProblemRow.resolved.is_(False))
        return list(await self.session.scalars(stmt))

    async def count_open(self, product_id: int | None = None, *, kind: str | None = None) -> int:
        """How many problems are open (for one product or all, of one kind or all)."""
        where: list[ColumnElement[bool]] = [ProblemRow.resolved.is_(False)]
        if product_id is not None:
            where.append(ProblemRow.product_id == product_id)
        if kind is not None:
            where.append(ProblemRow.kind == kind)
        stmt = select(func.count()).select_from(ProblemRow).where(and_(*where))
        return (await self.session.scalar(stmt)) or 0

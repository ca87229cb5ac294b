"""Bug lists: filtered, sorted pages of cached bugs with their exact total."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

import attrs
from sqlalchemy import ColumnElement, and_, case, false, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from testio.cache.models import BugRow, TestRow

SEVERITY_ORDER: Final = ("critical", "high", "low", "visual", "content", "custom")
"""Most severe first; any other value sorts after these."""


@attrs.frozen
class BugFilter:
    """Which bugs a list holds; None means no restriction. Text filters ignore case."""

    test_ids: tuple[int, ...] | None = None
    product_id: int | None = None
    end_from: datetime | None = None
    """Only bugs of tests ending at or after this instant (tests without an end are out)."""
    end_to: datetime | None = None
    severities: tuple[str, ...] | None = None
    buckets: tuple[str, ...] | None = None
    known: bool | None = None
    operating_system: str | None = None
    device: str | None = None
    browser: str | None = None
    text: str | None = None
    """A part of the title, steps, expected or actual result."""


@attrs.frozen
class BugListRow:
    """A listed bug with its test's title."""

    bug: BugRow
    test_title: str


def _bucket(name: str) -> ColumnElement[bool]:
    accepted = BugRow.status == "accepted"
    auto = BugRow.auto_accepted.is_(True)
    if name == "active_accepted":
        return and_(accepted, or_(BugRow.auto_accepted.is_(None), not_(auto)))
    if name == "auto_accepted":
        return and_(accepted, auto)
    if name == "rejected":
        return BugRow.status == "rejected"
    if name == "open":
        return BugRow.status == "forwarded"
    if name == "other":
        return or_(
            BugRow.status.is_(None), BugRow.status.not_in(("accepted", "rejected", "forwarded"))
        )
    return false()


def _where(spec: BugFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if spec.test_ids is not None:
        where.append(BugRow.test_id.in_(spec.test_ids))
    if spec.product_id is not None:
        where.append(BugRow.product_id == spec.product_id)
    if spec.end_from is not None:
        where.append(TestRow.end_at >= spec.end_from)
    if spec.end_to is not None:
        where.append(TestRow.end_at <= spec.end_to)
    if spec.severities is not None:
        where.append(BugRow.severity.in_(spec.severities))
    if spec.buckets is not None:
        where.append(or_(false(), *(_bucket(b) for b in spec.buckets)))
    if spec.known is not None:
        where.append(BugRow.known.is_(spec.known))
    for column, part in (
        (BugRow.operating_system, spec.operating_system),
        (BugRow.device, spec.device),
        (BugRow.browsers, spec.browser),
    ):
        if part:
            where.append(column.icontains(part, autoescape=True))
    if spec.text:
        where.append(
            or_(
                *(
                    c.icontains(spec.text, autoescape=True)
                    for c in (
                        BugRow.title,
                        BugRow.steps,
                        BugRow.expected_result,
                        BugRow.actual_result,
                    )
                )
            )
        )
    return where


def _order(sort: str) -> Sequence[ColumnElement[Any]]:
    newest = (BugRow.reported_at.desc().nulls_last(), BugRow.id.desc())
    if sort == "oldest":
        return (BugRow.reported_at.asc().nulls_last(), BugRow.id.asc())
    if sort == "id":
        return (BugRow.id.asc(),)
    if sort == "severity":
        rank = case(
            {name: index for index, name in enumerate(SEVERITY_ORDER)},
            value=BugRow.severity,
            else_=len(SEVERITY_ORDER),
        )
        return (rank.asc(), *newest)
    return newest


@attrs.frozen
class ScopeTest:
    """A test whose bugs a list covers, and how fresh its cached bugs are."""

    id: int
    bugs_synced_at: datetime | None
    bugs_complete: bool


class BugListRepository:
    """Read-only SQL for bug lists."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, spec: BugFilter, *, sort: str, limit: int, offset: int
    ) -> tuple[list[BugListRow], int]:
        """One page of the matching bugs in `sort` order, and how many match in all."""
        where = _where(spec)
        total = await self.session.scalar(
            select(func.count())
            .select_from(BugRow)
            .join(TestRow, TestRow.id == BugRow.test_id)
            .where(*where)
        )
        rows = await self.session.execute(
            select(BugRow, TestRow.title)
            .join(TestRow, TestRow.id == BugRow.test_id)
            .where(*where)
            .order_by(*_order(sort))
            .limit(limit)
            .offset(offset)
        )
        return [BugListRow(bug, title) for bug, title in rows], int(total or 0)

    async def scope_tests(self, spec: BugFilter) -> list[ScopeTest]:
        """The tests the filter's test ids, product and end range select."""
        where: list[ColumnElement[bool]] = []
        if spec.test_ids is not None:
            where.append(TestRow.id.in_(spec.test_ids))
        if spec.product_id is not None:
            where.append(TestRow.product_id == spec.product_id)
        if spec.end_from is not None:
            where.append(TestRow.end_at >= spec.end_from)
        if spec.end_to is not None:
            where.append(TestRow.end_at <= spec.end_to)
        rows = await self.session.execute(
            select(TestRow.id, TestRow.bugs_synced_at, TestRow.bugs_complete).where(*where)
        )
        return [ScopeTest(i, at, bool(ok)) for i, at, ok in rows]

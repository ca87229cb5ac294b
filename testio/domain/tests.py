"""Results about tests and their bugs."""

from __future__ import annotations

from datetime import datetime

import attrs

from testio.domain.common import DataWarning, Quality, Ref


@attrs.frozen
class TestSummary:
    """One test in a list."""

    __test__ = False

    id: int
    title: str
    status: str
    testing_type: str
    start_at: datetime | None
    end_at: datetime | None
    bug_count: int


@attrs.frozen
class TestList:
    """One page of a product's tests, newest first."""

    __test__ = False

    product: Ref
    tests: tuple[TestSummary, ...]
    total: int
    page: int
    per_page: int
    has_more: bool
    data_as_of: datetime | None
    warnings: tuple[DataWarning, ...] = ()


@attrs.frozen
class BugItem:
    """One bug, as shown in a list of recent bugs."""

    id: int
    title: str
    severity: str
    status: str
    bucket: str
    known: bool
    reported_at: datetime | None
    author: str | None
    reject_reason: str | None


@attrs.frozen
class TestDetail:
    """A test's facts; the environment is `{id, title}` only (environments can hold credentials)."""

    __test__ = False

    id: int
    title: str
    status: str
    review_status: str | None
    testing_type: str
    product: Ref
    section_id: int | None
    start_at: datetime | None
    end_at: datetime | None
    features: tuple[Ref, ...]
    environment: Ref | None


@attrs.frozen
class TestStatusReport:
    """A test, its bug totals by severity and bucket, the rates, and its most recent bugs."""

    __test__ = False

    test: TestDetail
    quality: Quality
    bugs_by_severity: dict[str, int]
    recent_bugs: tuple[BugItem, ...]
    bugs_synced_at: datetime | None
    data_as_of: datetime | None
    warnings: tuple[DataWarning, ...] = ()

"""The Executive Business Review (EBR) report."""

from __future__ import annotations

from datetime import date, datetime

import attrs

from testio.domain.common import DataWarning, Quality, Ref


@attrs.frozen
class ReportScope:
    """Which tests a report covers: product, statuses, and whole UTC days on `end_at`."""

    product: Ref
    start_date: date | None
    end_date: date | None
    statuses: tuple[str, ...]


@attrs.frozen
class ReportTestRow:
    """One test of the report with its own counts and rates."""

    id: int
    title: str
    status: str
    testing_type: str
    end_at: datetime | None
    quality: Quality


@attrs.frozen
class EbrReport:
    """Summary, breakdowns and per-test rows (newest first) of one product's tests in scope."""

    scope: ReportScope
    tests_in_scope: int
    summary: Quality
    tests_by_status: dict[str, int]
    tests_by_type: dict[str, int]
    bugs_by_severity: dict[str, int]
    tests: tuple[ReportTestRow, ...]
    tests_shown: int
    tests_omitted: int
    output_file: str | None
    data_as_of: datetime | None
    warnings: tuple[DataWarning, ...] = ()

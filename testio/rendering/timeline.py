"""Acceptance over time: the report's per-test rows summed by the UTC month their test ended."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC

import attrs

import testio.metrics as metrics
from testio.domain.common import BugCounts, Quality
from testio.domain.reports import ReportTestRow


@attrs.frozen
class MonthPoint:
    """One month (`YYYY-MM`, UTC) of tests ending in it, with their bugs, rates and health."""

    month: str
    tests: int
    quality: Quality


def _buckets(bugs: BugCounts) -> metrics.BucketCounts:
    return metrics.BucketCounts(
        active_accepted=bugs.active_accepted,
        auto_accepted=bugs.auto_accepted,
        rejected=bugs.rejected,
        open=bugs.open,
        other=bugs.other,
        known=bugs.known,
    )


def acceptance_by_month(rows: Iterable[ReportTestRow]) -> tuple[MonthPoint, ...]:
    """Every month from the first to the last test end, oldest first; empty months have no rates.

    Rates come from the summed counts of the month (metrics.md), never from averaging the
    per-test rates. Tests without an end date belong to no month.
    """
    counts: dict[str, metrics.BucketCounts] = defaultdict(metrics.BucketCounts)
    tests: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.end_at is None:
            continue
        month = row.end_at.astimezone(UTC).strftime("%Y-%m")
        counts[month] = counts[month] + _buckets(row.quality.bugs)
        tests[month] += 1
    if not counts:
        return ()
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:])
    points: list[MonthPoint] = []
    while (key := f"{year:04d}-{month:02d}") <= last:
        points.append(
            MonthPoint(
                month=key,
                tests=tests.get(key, 0),
                quality=Quality.from_buckets(counts.get(key, metrics.BucketCounts())),
            )
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(points)

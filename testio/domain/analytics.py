"""Bug and test counts, rates and health grouped by product, feature, severity, test type,
platform or month."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final, Literal, get_args

import attrs

from testio.domain.common import DataWarning, Quality, Ref

Dimension = Literal["product", "feature", "severity", "test_type", "platform", "month"]
DIMENSIONS: Final[tuple[Dimension, ...]] = get_args(Dimension)

TEST_DIMENSIONS: Final[frozenset[str]] = frozenset({"product", "test_type", "month"})
"""Dimensions of the test itself; every bug of a test shares its test's value."""

SortKey = Literal[
    "bugs",
    "tests",
    "group",
    "active_acceptance_rate",
    "overall_acceptance_rate",
    "auto_acceptance_rate",
    "rejection_rate",
    "review_rate",
]
SORT_KEYS: Final[tuple[SortKey, ...]] = get_args(SortKey)

NO_FEATURE: Final = "no feature"
UNKNOWN_PLATFORM: Final = "unknown"
NO_END_DATE: Final = "no end date"


@attrs.frozen
class MetricsScope:
    """Which tests the numbers cover, and how they are grouped."""

    products: tuple[Ref, ...]
    start_date: date | None
    end_date: date | None
    statuses: tuple[str, ...]
    group_by: tuple[Dimension, ...]


@attrs.frozen
class MetricsGroup:
    """One group: its value of each grouping dimension (null for the others), tests and bugs.

    `tests` counts the tests in scope that belong to the group. When the grouping uses only
    test dimensions (product, test_type, month) that is every test in scope with those values,
    including tests without bugs; when it uses a bug dimension (feature, severity, platform) it
    is the tests that have at least one bug in the group.
    """

    product_id: int | None
    product: str | None
    feature_id: int | None
    feature: str | None
    severity: str | None
    test_type: str | None
    platform: str | None
    month: str | None
    tests: int
    quality: Quality


@attrs.frozen
class MetricsReport:
    """Counts, rates and health of the tests in scope, overall and per group."""

    scope: MetricsScope
    tests_in_scope: int
    summary: Quality
    groups: tuple[MetricsGroup, ...]
    groups_total: int
    groups_shown: int
    groups_omitted: int
    sort_by: SortKey
    order: Literal["asc", "desc"]
    data_as_of: datetime | None
    warnings: tuple[DataWarning, ...] = ()

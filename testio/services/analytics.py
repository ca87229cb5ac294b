"""Metrics grouped by product, feature, severity, test type, platform and month.

The scope is the EBR's (metrics.md): tests by product, status (default: executed) and
whole UTC days on `end_at`; the bugs in scope are all bugs of those tests. So grouping by
product gives, per product, exactly the numbers of `generate_ebr_report` on the same scope.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

import testio.metrics as metrics
from testio.dates import resolve_range
from testio.domain.analytics import (
    DIMENSIONS,
    NO_END_DATE,
    NO_FEATURE,
    SORT_KEYS,
    TEST_DIMENSIONS,
    Dimension,
    MetricsGroup,
    MetricsReport,
    MetricsScope,
    SortKey,
)
from testio.domain.common import DataWarning, Quality, Ref
from testio.errors import InvalidArgumentError, NotFoundInCacheError
from testio.lifecycle import EXECUTED_STATUSES, TEST_STATUSES, normalise_testing_type
from testio.repositories.analytics import AnalyticsRepository, AnalyticsScope, Key
from testio.services.base import BaseService
from testio.services.freshness import (
    ProgressFn,
    incomplete,
    missing_ranges_by_product,
    refresh_bugs,
)

Order = Literal["asc", "desc"]
_RATE_KEYS = frozenset(SORT_KEYS) - {"bugs", "tests", "group"}


class AnalyticsService(BaseService):
    """Answers grouped metric queries from the cache, bringing the bugs in scope up to date first."""

    _analytics_repo: AnalyticsRepository | None = None

    def _open_repositories(self, session: AsyncSession) -> None:
        super()._open_repositories(session)
        self._analytics_repo = AnalyticsRepository(session)

    def _close_repositories(self) -> None:
        super()._close_repositories()
        self._analytics_repo = None

    @property
    def analytics_repo(self) -> AnalyticsRepository:
        """The analytics queries on the open session."""
        if self._analytics_repo is None:
            raise self._not_open()
        return self._analytics_repo

    async def query_metrics(
        self,
        group_by: Sequence[str],
        *,
        product_ids: Sequence[int] | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        statuses: Sequence[str] | None = None,
        sort_by: str = "bugs",
        order: str | None = None,
        limit: int | None = 100,
        progress: ProgressFn | None = None,
    ) -> MetricsReport:
        """Test and bug counts, the five rates and their health per group of the tests in scope."""
        dimensions = _dimensions(group_by)
        if sort_by not in SORT_KEYS:
            raise InvalidArgumentError(
                f"Cannot sort by {sort_by!r}; use one of {', '.join(SORT_KEYS)}."
            )
        direction: Order = _order(order, sort_by)
        chosen = scope_statuses(statuses)
        products = await self._products(product_ids)
        dates = resolve_range(start_date, end_date, today=self.now().date())
        scope = AnalyticsScope(
            product_ids=None if product_ids is None else tuple(p.id for p in products),
            statuses=chosen,
            end_from=dates.start_instant if dates else None,
            end_to=dates.end_instant if dates else None,
        )
        repo = self.analytics_repo
        due = await repo.test_ids(scope) if self.has_client else []
        warnings = await refresh_bugs(self, due, progress=progress)
        tests_in_scope, oldest = await repo.freshness(scope)
        groups = await self._groups(scope, dimensions, {p.id: p.title for p in products})
        total = sum((counts for _, counts in groups.values()), metrics.BucketCounts())
        rows = _sorted(
            [_group(dimensions, key, tests, counts) for key, (tests, counts) in groups.items()],
            sort_by,
            direction,
        )
        shown = rows if limit is None else rows[:limit]
        warnings += incomplete(await repo.unfinished(scope))
        missing = await missing_ranges_by_product(self.repos, [p.id for p in products])
        for product in products:
            warnings += [
                DataWarning(
                    kind=w.kind, message=f"{product.title}: {w.message}", test_ids=w.test_ids
                )
                for w in missing.get(product.id, ())
            ]
        return MetricsReport(
            scope=MetricsScope(
                products=tuple(products),
                start_date=dates.start if dates else None,
                end_date=dates.end if dates else None,
                statuses=chosen,
                group_by=dimensions,
            ),
            tests_in_scope=tests_in_scope,
            summary=Quality.from_buckets(total),
            groups=tuple(shown),
            groups_total=len(rows),
            groups_shown=len(shown),
            groups_omitted=len(rows) - len(shown),
            sort_by=sort_by,  # pyright: ignore[reportArgumentType]  # checked against SORT_KEYS above
            order=direction,
            data_as_of=oldest or await self._products_synced(products),
            warnings=tuple(warnings),
        )

    async def _products(self, product_ids: Sequence[int] | None) -> list[Ref]:
        rows = await self.repos.products.list_all()
        by_id = {row.id: row for row in rows}
        if product_ids is None:
            return [Ref(row.id, row.name) for row in sorted(rows, key=lambda r: r.id)]
        for product_id in product_ids:
            if product_id not in by_id:
                raise NotFoundInCacheError(
                    f"No product {product_id} in the cache; call list_products to see the products."
                )
        return [Ref(i, by_id[i].name) for i in dict.fromkeys(product_ids)]

    async def _products_synced(self, products: Sequence[Ref]) -> datetime | None:
        moments = [
            row.synced_at
            for row in await self.repos.products.list_all()
            if row.synced_at is not None and row.id in {p.id for p in products}
        ]
        return min(moments) if moments else None

    async def _groups(
        self, scope: AnalyticsScope, dimensions: tuple[Dimension, ...], names: dict[int, str]
    ) -> dict[Key, tuple[int, metrics.BucketCounts]]:
        """Per reported group key: its test count and its bug bucket counts."""
        repo = self.analytics_repo
        if set(dimensions) <= TEST_DIMENSIONS:
            test_rows = await repo.test_counts(scope, dimensions)
        else:
            test_rows = await repo.bug_test_counts(scope, dimensions)
        bug_rows = await repo.bug_counts(scope, dimensions)
        features: dict[int, str] = {}
        if "feature" in dimensions:
            at = dimensions.index("feature")
            features = await repo.feature_titles(
                sorted({k[at] for k, _ in test_rows if k[at] is not None})
            )
        label = _labeller(dimensions, names, features)
        tests: dict[Key, int] = defaultdict(int)
        for key, n in test_rows:
            tests[label(key)] += n  # raw keys that merge hold disjoint tests, so their counts add
        flags: dict[Key, list[tuple[str | None, bool | None, bool | None, int]]] = defaultdict(list)
        for row in bug_rows:
            flags[label(row.key)].append((row.status, row.auto_accepted, row.known, row.count))
        return {
            key: (n, metrics.BucketCounts.from_groups(flags.get(key, ())))
            for key, n in tests.items()
        }


def _labeller(
    dimensions: tuple[Dimension, ...], products: dict[int, str], features: dict[int, str]
) -> Callable[[Key], Key]:
    """Turns a raw SQL key into the reported one: ids with names, normalised values."""

    def label(dimension: Dimension, value: Any) -> Any:
        if dimension == "product":
            return (value, products.get(value, f"product {value}"))
        if dimension == "feature":
            if value is None:
                return (None, NO_FEATURE)
            return (value, features.get(value, f"feature {value}"))
        if dimension == "test_type":
            return normalise_testing_type(value)
        if dimension == "month":
            return NO_END_DATE if value is None else str(value)
        return str(value)

    return lambda key: tuple(label(d, v) for d, v in zip(dimensions, key, strict=True))


def _dimensions(group_by: Sequence[str]) -> tuple[Dimension, ...]:
    chosen = tuple(dict.fromkeys(group_by))
    unknown = [d for d in chosen if d not in DIMENSIONS]
    if unknown:
        raise InvalidArgumentError(
            f"Cannot group by {unknown[0]!r}; use one to three of {', '.join(DIMENSIONS)}."
        )
    if not 1 <= len(chosen) <= 3:
        raise InvalidArgumentError(
            f"Group by one to three dimensions, not {len(chosen)}; choose from {', '.join(DIMENSIONS)}."
        )
    return chosen  # pyright: ignore[reportReturnType]  # narrowed by the check above


def scope_statuses(statuses: Sequence[str] | None) -> tuple[str, ...]:
    """The statuses in scope in lifecycle order: those given (checked), else the executed ones."""
    unknown = sorted(set(statuses or ()) - set(TEST_STATUSES))
    if unknown:
        raise InvalidArgumentError(
            f"Unknown test status(es) {', '.join(unknown)}; use {', '.join(TEST_STATUSES)}."
        )
    wanted = set(statuses) if statuses else EXECUTED_STATUSES
    return tuple(s for s in TEST_STATUSES if s in wanted)


def _order(order: str | None, sort_by: str) -> Order:
    if order is None:
        return "asc" if sort_by == "group" else "desc"
    if order not in ("asc", "desc"):
        raise InvalidArgumentError(f"Unknown order {order!r}; use asc or desc.")
    return order  # pyright: ignore[reportReturnType]  # narrowed by the check above


def _group(
    dimensions: tuple[Dimension, ...], key: Key, tests: int, counts: metrics.BucketCounts
) -> MetricsGroup:
    values = dict(zip(dimensions, key, strict=True))
    product = values.get("product")
    feature = values.get("feature")
    return MetricsGroup(
        product_id=product[0] if product else None,
        product=product[1] if product else None,
        feature_id=feature[0] if feature else None,
        feature=feature[1] if feature else None,
        severity=values.get("severity"),
        test_type=values.get("test_type"),
        platform=values.get("platform"),
        month=values.get("month"),
        tests=tests,
        quality=Quality.from_buckets(counts),
    )


def _label(group: MetricsGroup) -> tuple[str, ...]:
    parts = (
        group.product,
        group.feature,
        group.severity,
        group.test_type,
        group.platform,
        group.month,
    )
    return tuple(p for p in parts if p is not None)


def _sorted(groups: list[MetricsGroup], sort_by: SortKey | str, order: Order) -> list[MetricsGroup]:
    """Groups by the chosen key (ties by label); groups whose rate is null come last either way."""
    by_label = sorted(groups, key=_label)
    if sort_by == "group":
        return by_label[::-1] if order == "desc" else by_label

    def value(group: MetricsGroup) -> float | None:
        if sort_by == "bugs":
            return group.quality.bugs.total
        if sort_by == "tests":
            return group.tests
        rate: float | None = getattr(group.quality.rates, sort_by)
        return rate

    known = [g for g in by_label if value(g) is not None]
    unknown = [g for g in by_label if value(g) is None]
    known.sort(
        key=lambda g: value(g) or 0.0, reverse=order == "desc"
    )  # stable: ties keep label order
    return known + unknown

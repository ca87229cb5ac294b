"""The Executive Business Review report, exactly as metrics.md defines it."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime

import attrs
from sqlalchemy.ext.asyncio import AsyncSession

import testio.metrics as metrics
from testio.dates import resolve_range
from testio.domain.common import Quality, Ref
from testio.domain.multi_reports import MultiProductEbrReport
from testio.domain.reports import EbrReport, ReportScope, ReportTestRow
from testio.errors import InvalidArgumentError, NotFoundInCacheError
from testio.lifecycle import EXECUTED_STATUSES, TEST_STATUSES, normalise_testing_type
from testio.rendering.files import format_for, safe_report_path, write_private
from testio.rendering.formats import render
from testio.rendering.multi_formats import render_multi
from testio.repositories.analytics import AnalyticsRepository, AnalyticsScope
from testio.repositories.report import Bounds, ReportRepository, ScopedTest
from testio.services.analytics import scope_statuses
from testio.services.base import BaseService
from testio.services.freshness import ProgressFn, incomplete, missing_ranges, refresh_bugs

DEFAULT_STATUSES: tuple[str, ...] = tuple(s for s in TEST_STATUSES if s in EXECUTED_STATUSES)


class ReportService(BaseService):
    """Builds EBR reports from the cache, bringing the bugs in scope up to date first."""

    _report_repo: ReportRepository | None = None

    def _open_repositories(self, session: AsyncSession) -> None:
        super()._open_repositories(session)
        self._report_repo = ReportRepository(session)

    def _close_repositories(self) -> None:
        super()._close_repositories()
        self._report_repo = None

    @property
    def report_repo(self) -> ReportRepository:
        """The report queries on the open session."""
        if self._report_repo is None:
            raise self._not_open()
        return self._report_repo

    async def generate_ebr_report(
        self,
        product_id: int,
        *,
        start_date: str | None = None,
        end_date: str | None = None,
        statuses: Sequence[str] | None = None,
        output_file: str | None = None,
        format: str | None = None,
        max_rows: int | None = 50,
        progress: ProgressFn | None = None,
        refresh: bool = True,
    ) -> EbrReport:
        """The EBR report of one product's tests in scope; `output_file` also writes all rows.

        `refresh=False` answers from the cache as it is (for a caller that refreshed already).
        """
        product = await self.repos.products.get(product_id)
        if product is None:
            raise NotFoundInCacheError(
                f"No product {product_id} in the cache; call list_products to see the products."
            )
        unknown = sorted(set(statuses or ()) - set(TEST_STATUSES))
        if unknown:
            raise InvalidArgumentError(
                f"Unknown test status(es) {', '.join(unknown)}; use {', '.join(TEST_STATUSES)}."
            )
        chosen = (
            tuple(s for s in TEST_STATUSES if s in set(statuses)) if statuses else DEFAULT_STATUSES
        )
        scope = resolve_range(start_date, end_date, today=self.now().date())
        target = None
        fmt = "json"
        if output_file is not None:
            target = safe_report_path(self.settings.reports_dir, output_file)
            fmt = format_for(output_file, format)
        bounds = Bounds(
            product_id,
            chosen,
            end_from=scope.start_instant if scope else None,
            end_to=scope.end_instant if scope else None,
        )
        in_scope = await self.report_repo.tests_in_scope(bounds)
        due = [t.id for t in in_scope] if refresh else []
        warnings = await refresh_bugs(self, due, progress=progress)
        if due and self.has_client:  # the refresh changed bugs_synced_at: read it again
            in_scope = await self.report_repo.tests_in_scope(bounds)
        groups = await self.report_repo.bug_groups(bounds)
        severity = await self.report_repo.severity_counts(bounds)

        per_test: dict[int, list[tuple[str, bool | None, bool, int]]] = defaultdict(list)
        for g in groups:
            per_test[g.test_id].append((g.status, g.auto_accepted, g.known, g.count))
        total = metrics.BucketCounts.from_groups(
            (g.status, g.auto_accepted, g.known, g.count) for g in groups
        )
        rows = [
            ReportTestRow(
                id=t.id,
                title=t.title,
                status=t.status,
                testing_type=normalise_testing_type(t.testing_type),
                end_at=t.end_at,
                quality=Quality.from_buckets(
                    metrics.BucketCounts.from_groups(per_test.get(t.id, ()))
                ),
            )
            for t in in_scope
        ]
        warnings += incomplete(in_scope)
        warnings += await missing_ranges(self.repos, product_id)
        report = EbrReport(
            scope=ReportScope(
                product=Ref(product.id, product.name),
                start_date=scope.start if scope else None,
                end_date=scope.end if scope else None,
                statuses=chosen,
            ),
            tests_in_scope=len(in_scope),
            summary=Quality.from_buckets(total),
            tests_by_status=dict(Counter(t.status for t in in_scope).most_common()),
            tests_by_type=dict(
                Counter(normalise_testing_type(t.testing_type) for t in in_scope).most_common()
            ),
            bugs_by_severity=severity,
            tests=tuple(rows),
            tests_shown=len(rows),
            tests_omitted=0,
            output_file=str(target) if target else None,
            data_as_of=_data_as_of(in_scope, product.synced_at),
            warnings=tuple(warnings),
        )
        if target is not None:
            write_private(target, render(report, fmt))
        if max_rows is not None and len(rows) > max_rows:
            report = _capped(report, max_rows)
        return report

    async def generate_multi_product_ebr_report(
        self,
        product_ids: Sequence[int],
        *,
        start_date: str | None = None,
        end_date: str | None = None,
        statuses: Sequence[str] | None = None,
        output_file: str | None = None,
        format: str | None = None,
        max_rows: int | None = 50,
        progress: ProgressFn | None = None,
    ) -> MultiProductEbrReport:
        """The EBR of several products: each one's report, combined counts and a comparison.

        `max_rows` caps each product's inline per-test rows; `output_file` gets all of them.
        """
        chosen = tuple(dict.fromkeys(product_ids))
        if not chosen:
            raise InvalidArgumentError("product_ids must name at least one product.")
        for product_id in chosen:
            if await self.repos.products.get(product_id) is None:
                raise NotFoundInCacheError(
                    f"No product {product_id} in the cache; call list_products to see the products."
                )
        target = None
        fmt = "json"
        if output_file is not None:
            target = safe_report_path(self.settings.reports_dir, output_file)
            fmt = format_for(output_file, format)
        # One refresh for all products, so a slow API costs one refresh timeout, not one each.
        dates = resolve_range(start_date, end_date, today=self.now().date())
        in_scope = await AnalyticsRepository(self.session).test_ids(
            AnalyticsScope(
                product_ids=chosen,
                statuses=scope_statuses(statuses),
                end_from=dates.start_instant if dates else None,
                end_to=dates.end_instant if dates else None,
            )
        )
        warnings = await refresh_bugs(self, in_scope, progress=progress)
        sections = [
            await self.generate_ebr_report(
                product_id,
                start_date=start_date,
                end_date=end_date,
                statuses=statuses,
                max_rows=None,
                refresh=False,
            )
            for product_id in chosen
        ]
        report = MultiProductEbrReport.from_sections(
            sections, output_file=str(target) if target else None, warnings=warnings
        )
        if target is not None:
            write_private(target, render_multi(report, fmt))
        if max_rows is not None:
            report = attrs.evolve(report, products=tuple(_capped(s, max_rows) for s in sections))
        return report


def _data_as_of(tests: Sequence[ScopedTest], fallback: datetime | None) -> datetime | None:
    synced = [t.bugs_synced_at for t in tests if t.bugs_synced_at is not None]
    return min(synced) if synced else fallback


def _capped(report: EbrReport, max_rows: int) -> EbrReport:
    return attrs.evolve(
        report,
        tests=report.tests[:max_rows],
        tests_shown=min(max_rows, len(report.tests)),
        tests_omitted=max(len(report.tests) - max_rows, 0),
    )

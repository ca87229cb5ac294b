"""Tests: a product's tests page by page, and one test's status with its bugs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import testio.metrics as metrics
from testio.cache.models import BugRow, TestRow
from testio.dates import resolve_range
from testio.domain.common import DataWarning, Quality, Ref
from testio.domain.tests import BugItem, TestDetail, TestList, TestStatusReport, TestSummary
from testio.errors import NotFoundInCacheError
from testio.lifecycle import normalise_testing_type
from testio.services.base import BaseService
from testio.services.freshness import ProgressFn, missing_ranges, refresh_bugs


def _completeness(test: TestRow) -> list[DataWarning]:
    if test.bugs_synced_at is None:
        return [
            DataWarning(
                kind="incomplete",
                message=f"The bugs of test {test.id} have not been fetched yet; run sync_data.",
                test_ids=(test.id,),
            )
        ]
    if not test.bugs_complete:
        return [
            DataWarning(
                kind="incomplete",
                message=f"The last fetch of test {test.id}'s bugs failed; its bug counts may be "
                "incomplete (see get_problematic_tests).",
                test_ids=(test.id,),
            )
        ]
    return []


class TestService(BaseService):
    """Reads tests and their bugs from the cache, refreshing the bugs of changing tests."""

    __test__ = False

    async def list_tests(
        self,
        product_id: int,
        *,
        statuses: Sequence[str] | None = None,
        testing_types: Sequence[str] | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> TestList:
        """One page of a product's tests, newest first, with the total and an exact `has_more`."""
        product = await self.cached_product(product_id)
        scope = resolve_range(start_date, end_date, today=self.now().date())
        page = max(page, 1)
        per_page = min(max(per_page, 1), 200)
        listing = await self.repos.tests.list_for_product(
            product_id,
            statuses=statuses or None,
            testing_types=testing_types or None,
            end_from=scope.start_instant if scope else None,
            end_to=scope.end_instant if scope else None,
            limit=per_page,
            offset=(page - 1) * per_page,
        )
        warnings: list[DataWarning] = []
        if product.tests_synced_at is None:
            warnings.append(
                DataWarning(
                    kind="never_synced",
                    message=f"The tests of product {product_id} have not been synced yet; "
                    "run sync_data.",
                )
            )
        warnings += await missing_ranges(self.repos, product_id)
        return TestList(
            product=Ref(product.id, product.name),
            tests=tuple(
                TestSummary(
                    id=t.id,
                    title=t.title,
                    status=t.status,
                    testing_type=normalise_testing_type(t.testing_type),
                    start_at=t.start_at,
                    end_at=t.end_at,
                    bug_count=t.bug_count or 0,
                )
                for t in listing.tests
            ),
            total=listing.total,
            page=page,
            per_page=per_page,
            has_more=page * per_page < listing.total,
            data_as_of=product.tests_synced_at,
            warnings=tuple(warnings),
        )

    async def list_bugs(
        self,
        test_id: int,
        *,
        severities: Sequence[str] | None = None,
        buckets: Sequence[str] | None = None,
    ) -> tuple[BugItem, ...]:
        """A test's cached bugs (most recent first), optionally only some severities and buckets.

        Bugs of a changing test are refreshed first (TTL rule), as for `get_test_status`.
        """
        await refresh_bugs(self, [test_id])
        if await self.repos.tests.get(test_id) is None:
            raise NotFoundInCacheError(f"No test {test_id} in the cache; sync it first.")
        items = [_bug_item(b) for b in await self.repos.bugs.list_for_test(test_id)]
        return tuple(
            b
            for b in items
            if (severities is None or b.severity in severities)
            and (buckets is None or b.bucket in buckets)
        )

    async def get_test_status(
        self, test_id: int, *, recent: int = 10, progress: ProgressFn | None = None
    ) -> TestStatusReport:
        """A test with its bug totals, rates, health and most recent bugs."""
        # Refresh first (its own unit of work, committed), then read everything once.
        warnings = await refresh_bugs(self, [test_id], progress=progress)
        test = await self.repos.tests.get(test_id)
        if test is None:
            raise NotFoundInCacheError(
                f"No test {test_id} in the cache; call list_tests with its product to see the "
                "cached tests, or sync_data if it is new."
            )
        warnings += _completeness(test)
        product = await self.repos.products.get(test.product_id)
        tally = await self.repos.bugs.tally([test_id])
        buckets = metrics.BucketCounts.from_groups(
            (c.status, c.auto_accepted, c.known, c.count) for c in tally.statuses
        )
        recent_rows = await self.repos.bugs.list_for_test(test_id, limit=recent) if recent else []
        return TestStatusReport(
            test=TestDetail(
                id=test.id,
                title=test.title,
                status=test.status,
                review_status=test.review_status,
                testing_type=normalise_testing_type(test.testing_type),
                product=Ref(
                    test.product_id, product.name if product else f"Product {test.product_id}"
                ),
                section_id=test.section_id,
                start_at=test.start_at,
                end_at=test.end_at,
                features=tuple(
                    Ref(int(f.get("feature_id") or f["id"]), str(f.get("title") or ""))
                    for f in test.features
                ),
                environment=Ref(test.environment_id, test.environment_title or "")
                if test.environment_id is not None
                else None,
            ),
            quality=Quality.from_buckets(buckets),
            bugs_by_severity=tally.severities,
            recent_bugs=tuple(_bug_item(b) for b in recent_rows),
            bugs_synced_at=test.bugs_synced_at,
            data_as_of=_oldest(test.bugs_synced_at, test.synced_at),
            warnings=tuple(warnings),
        )


def _bug_item(b: BugRow) -> BugItem:
    return BugItem(
        id=b.id,
        title=b.title,
        severity=b.severity,
        status=b.status,
        bucket=metrics.bucket(b.status, b.auto_accepted),
        known=b.known,
        reported_at=b.reported_at,
        author=b.author,
        reject_reason=b.reject_reason,
    )


def _oldest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return min(known) if known else None

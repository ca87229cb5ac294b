"""Bugs: filtered pages of them across tests or a product, and one bug in full."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

import testio.metrics as metrics
from testio.cache.models import BugRow, TestRow
from testio.client.bug_payloads import REJECT_REASON_NAMES
from testio.client.fields import parse_instant
from testio.dates import resolve_range
from testio.domain.bugs import (
    BUG_SORTS,
    BugDetail,
    BugDevice,
    BugList,
    BugSort,
    BugSummary,
    Comment,
    RejectReason,
)
from testio.domain.common import DataWarning, Ref
from testio.errors import InvalidArgumentError, NotFoundInCacheError
from testio.repositories.bug_lists import BugFilter, BugListRepository, ScopeTest
from testio.services.base import BaseService
from testio.services.freshness import missing_ranges, refresh_bugs

MAX_PER_PAGE = 200


class BugService(BaseService):
    """Reads bugs from the cache, refreshing the bugs of still-changing tests first."""

    _lists: BugListRepository | None = None

    def _open_repositories(self, session: AsyncSession) -> None:
        super()._open_repositories(session)
        self._lists = BugListRepository(session)

    def _close_repositories(self) -> None:
        super()._close_repositories()
        self._lists = None

    @property
    def lists(self) -> BugListRepository:
        """The bug-list queries on the open session."""
        if self._lists is None:
            raise self._not_open()
        return self._lists

    async def list_bugs(
        self,
        *,
        test_ids: Sequence[int] | None = None,
        product_id: int | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        severities: Sequence[str] | None = None,
        buckets: Sequence[str] | None = None,
        known: bool | None = None,
        operating_system: str | None = None,
        device: str | None = None,
        browser: str | None = None,
        text: str | None = None,
        sort: BugSort = "newest",
        page: int = 1,
        per_page: int = 50,
    ) -> BugList:
        """One page of the bugs of some tests, or of a product's tests (by end date), filtered.

        Dates select tests by their end, as reports do; the bugs of the tests in scope that
        are still changing are refreshed first (TTL rule), as for `get_test_status`.
        """
        if not test_ids and product_id is None:
            raise InvalidArgumentError(
                "list_bugs needs test_ids or product_id; call list_tests to find them."
            )
        if sort not in BUG_SORTS:
            raise InvalidArgumentError(f"Unknown sort {sort!r}; use one of {', '.join(BUG_SORTS)}.")
        for bucket in buckets or ():
            if bucket not in metrics.BUCKETS:
                raise InvalidArgumentError(
                    f"Unknown bucket {bucket!r}; use one of {', '.join(metrics.BUCKETS)}."
                )
        warnings: list[DataWarning] = []
        if product_id is not None:
            await self.cached_product(product_id)
            warnings += await missing_ranges(self.repos, product_id)
        scope = resolve_range(start_date, end_date, today=self.now().date())
        spec = BugFilter(
            test_ids=tuple(dict.fromkeys(test_ids)) if test_ids else None,
            product_id=product_id,
            end_from=scope.start_instant if scope else None,
            end_to=scope.end_instant if scope else None,
            severities=tuple(severities) if severities else None,
            buckets=tuple(buckets) if buckets else None,
            known=known,
            operating_system=operating_system or None,
            device=device or None,
            browser=browser or None,
            text=text or None,
        )
        tests = await self.lists.scope_tests(spec)
        if spec.test_ids is not None:
            _require_tests(spec.test_ids, await self.lists.scope_tests(BugFilter(spec.test_ids)))
        warnings = [*await refresh_bugs(self, [t.id for t in tests]), *warnings]
        if tests and self.has_client:  # the refresh moved bugs_synced_at: read it again
            tests = await self.lists.scope_tests(spec)
        warnings += _incomplete(tests)
        page = max(page, 1)
        per_page = min(max(per_page, 1), MAX_PER_PAGE)
        rows, total = await self.lists.page(
            spec, sort=sort, limit=per_page, offset=(page - 1) * per_page
        )
        synced = [t.bugs_synced_at for t in tests if t.bugs_synced_at is not None]
        return BugList(
            bugs=tuple(
                BugSummary(
                    id=b.id,
                    title=b.title,
                    severity=b.severity,
                    status=b.status,
                    bucket=metrics.bucket(b.status, b.auto_accepted),
                    known=b.known,
                    test=Ref(b.test_id, row.test_title),
                    product_id=b.product_id,
                    reported_at=b.reported_at,
                    author=b.author,
                    operating_system=b.operating_system,
                    device=b.device,
                    browsers=b.browsers,
                    reject_reason=b.reject_reason,
                )
                for row in rows
                for b in (row.bug,)
            ),
            total=total,
            page=page,
            per_page=per_page,
            has_more=page * per_page < total,
            sort=sort,
            data_as_of=min(synced) if synced else None,
            warnings=tuple(warnings),
        )

    async def get_bug(self, bug_id: int) -> BugDetail:
        """One bug in full; its test's bugs are refreshed first when they are due."""
        bug = await self.repos.bugs.get(bug_id)
        if bug is None:
            raise NotFoundInCacheError(
                f"No bug {bug_id} in the cache; call list_bugs with its test or product to see "
                "the cached bugs, or sync_data if it is new."
            )
        warnings = await refresh_bugs(self, [bug.test_id])
        if self.has_client:  # the refresh may have changed it, or found it deleted upstream
            bug = await self.repos.bugs.get(bug_id, reload=True)
            if bug is None:
                raise NotFoundInCacheError(
                    f"Bug {bug_id} is no longer in TestIO (its test's bugs were just fetched "
                    "again); call list_bugs to see the current bugs."
                )
        test = await self.repos.tests.get(bug.test_id)
        product = await self.repos.products.get(bug.product_id)
        feature = await self.repos.features.get(bug.feature_id) if bug.feature_id else None
        details = _details(bug)
        return BugDetail(
            id=bug.id,
            title=bug.title,
            severity=bug.severity,
            status=bug.status,
            bucket=metrics.bucket(bug.status, bug.auto_accepted),
            known=bug.known,
            fixed=bug.fixed,
            auto_accepted=bug.auto_accepted,
            product=Ref(bug.product_id, product.name if product else f"Product {bug.product_id}"),
            test=Ref(bug.test_id, test.title if test else f"Test {bug.test_id}"),
            feature=_feature(bug, feature.title if feature else None, test),
            location=bug.location,
            steps=tuple(bug.steps.split("\n")) if bug.steps else (),
            expected_result=bug.expected_result,
            actual_result=bug.actual_result,
            device=BugDevice(
                name=bug.device,
                category=bug.device_category,
                operating_system=bug.operating_system,
                browsers=tuple(bug.browsers.split(", ")) if bug.browsers else (),
            )
            if bug.device or bug.operating_system or bug.device_category
            else None,
            environment=Ref(test.environment_id, test.environment_title or "")
            if test is not None and test.environment_id is not None
            else None,
            attachments=tuple(str(u) for u in details.get("attachments", ())),
            comments=tuple(
                Comment(
                    author=None if author is None else str(author),
                    body=str(body),
                    created_at=parse_instant(at),
                )
                for author, body, at in details.get("comments", ())
            ),
            reject_reason=RejectReason(
                bug.reject_reason, REJECT_REASON_NAMES.get(bug.reject_reason, bug.reject_reason)
            )
            if bug.reject_reason
            else None,
            author=bug.author,
            reported_at=bug.reported_at,
            exported_at=bug.exported_at,
            data_as_of=test.bugs_synced_at if test is not None else bug.synced_at,
            warnings=tuple(warnings),
        )


def _details(bug: BugRow) -> dict[str, Any]:
    if not bug.details:
        return {}
    value = json.loads(bug.details)
    return value if isinstance(value, dict) else {}  # pyright: ignore[reportUnknownVariableType]  # our own JSON


def _feature(bug: BugRow, title: str | None, test: TestRow | None) -> Ref | None:
    if bug.feature_id is None:
        return None
    if title is None and test is not None:
        title = next(
            (
                str(f.get("title") or "")
                for f in test.features
                if f.get("feature_id") == bug.feature_id
            ),
            None,
        )
    return Ref(bug.feature_id, title or f"Feature {bug.feature_id}")


def _require_tests(wanted: Sequence[int], found: Sequence[ScopeTest]) -> None:
    known = {t.id for t in found}
    missing = [t for t in wanted if t not in known]
    if missing:
        raise NotFoundInCacheError(
            f"No test {missing[0]} in the cache; call list_tests with its product to see the "
            "cached tests, or sync_data if it is new."
        )


def _incomplete(tests: Sequence[ScopeTest]) -> list[DataWarning]:
    never = tuple(sorted(t.id for t in tests if t.bugs_synced_at is None))
    failed = tuple(
        sorted(t.id for t in tests if t.bugs_synced_at is not None and not t.bugs_complete)
    )
    warnings: list[DataWarning] = []
    if never:
        warnings.append(
            DataWarning(
                kind="incomplete",
                message=f"The bugs of {len(never)} test(s) in scope have not been fetched yet; "
                "run sync_data.",
                test_ids=never[:50],
            )
        )
    if failed:
        warnings.append(
            DataWarning(
                kind="incomplete",
                message=f"The last fetch of the bugs of {len(failed)} test(s) in scope failed; "
                "their bugs may be missing (see get_problematic_tests).",
                test_ids=failed[:50],
            )
        )
    return warnings

"""Bringing the bugs of some tests up to date before answering (never failing the answer), and
saying which of a product's tests the cache lacks."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence

import anyio

from testio.cache.models import ProblemRow
from testio.domain.common import DataWarning
from testio.domain.sync import BugRefreshResult, SyncProgress
from testio.errors import ApiError, ConfigError, SyncInProgressError
from testio.repositories import Repositories
from testio.repositories.report import ScopedTest
from testio.services.base import BaseService

log = logging.getLogger("testio.services")

ProgressFn = Callable[[float, float | None, str], Awaitable[None]]


async def refresh_bugs(
    owner: BaseService,
    test_ids: Collection[int],
    *,
    progress: ProgressFn | None = None,
) -> list[DataWarning]:
    """Fetch the bugs of `test_ids` that the TTL rule says are due; warnings say what failed.

    The refresh is bounded by `settings.refresh_timeout_s`: a slow or rate-limiting API never
    keeps an answer waiting longer than that (what was fetched by then is kept). The refresh runs as its own unit of work (a `SyncService` block), so what it writes is
    committed before the caller reads. With no API client, or with `serve_sync` off (a shared
    cache that `testio worker` keeps fresh), the cached bugs are used as they are.
    """
    if not test_ids or not owner.has_client or not owner.settings.serve_sync:
        return []
    from testio.services.sync import SyncService

    async def on_progress(event: SyncProgress) -> None:
        if progress is not None:
            total = float(event.bug_batches_total) if event.bug_batches_total else None
            await progress(float(event.bug_batches_done), total, event.message)

    limit = owner.settings.refresh_timeout_s
    result: BugRefreshResult | None = None
    try:
        with anyio.move_on_after(limit) as deadline:
            async with owner.sibling(SyncService) as sync:
                result = await sync.refresh_bugs(sorted(test_ids), progress=on_progress)
    except SyncInProgressError:
        return [
            DataWarning(
                kind="sync_running",
                message="A sync is running; bugs were read from the cache as they are.",
            )
        ]
    except (ApiError, ConfigError) as exc:
        log.warning("bug refresh failed: %s", exc)
        return [
            DataWarning(
                kind="stale",
                message=f"Could not refresh bugs from the TestIO API ({exc}); showing cached bugs.",
                test_ids=tuple(sorted(test_ids))[:50],
            )
        ]
    if result is None or deadline.cancelled_caught:
        log.warning("bug refresh stopped after %g s; answering from the cache", limit)
        return [
            DataWarning(
                kind="stale",
                message=f"The TestIO API did not bring the bugs up to date within {limit:g} s; "
                "showing cached bugs (what was fetched so far is kept).",
                test_ids=tuple(sorted(test_ids))[:50],
            )
        ]
    if result.failed:
        failed = tuple(sorted(result.failed))
        return [
            DataWarning(
                kind="stale",
                message=f"The bugs of {len(failed)} test(s) could not be refreshed from the API; "
                "their cached bugs may be out of date or incomplete.",
                test_ids=failed[:50],
            )
        ]
    return []


async def missing_ranges(repos: Repositories, product_id: int) -> list[DataWarning]:
    """A warning when the API fails to return some of the product's tests (open list problems)."""
    problems = await repos.problems.list_problems(product_id=product_id)
    return _missing(p for p in problems if p.kind == "test_page")


async def missing_ranges_by_product(
    repos: Repositories, product_ids: Collection[int]
) -> dict[int, list[DataWarning]]:
    """`missing_ranges` of several products, read in one query."""
    ranges: dict[int, list[ProblemRow]] = {}
    for problem in await repos.problems.list_problems():
        product_id = problem.product_id
        if problem.kind == "test_page" and product_id is not None and product_id in product_ids:
            ranges.setdefault(product_id, []).append(problem)
    return {product_id: _missing(found) for product_id, found in ranges.items()}


def _missing(ranges: Iterable[ProblemRow]) -> list[DataWarning]:
    ranges = list(ranges)
    if not ranges:
        return []
    missing = sum((p.offset_end or 0) - (p.offset_start or 0) for p in ranges)
    return [
        DataWarning(
            kind="problematic_range",
            message=f"The TestIO API fails to return {missing or 'some'} test(s) of this "
            "product (see get_problematic_tests); they and their bugs are missing from "
            "this answer.",
        )
    ]


def incomplete(tests: Sequence[ScopedTest]) -> list[DataWarning]:
    """Warnings naming the tests in scope whose bugs were never fetched or not fetched completely."""
    never = tuple(t.id for t in tests if t.bugs_synced_at is None)
    failed = tuple(t.id for t in tests if t.bugs_synced_at is not None and not t.bugs_complete)
    warnings: list[DataWarning] = []
    if never:
        warnings.append(
            DataWarning(
                kind="incomplete",
                message=f"The bugs of {len(never)} test(s) in scope have never been fetched; "
                "their bugs are not counted. Run sync_data.",
                test_ids=never[:50],
            )
        )
    if failed:
        warnings.append(
            DataWarning(
                kind="incomplete",
                message=f"The bugs of {len(failed)} test(s) in scope could not be fetched "
                "completely; their counts may be low (see get_problematic_tests).",
                test_ids=failed[:50],
            )
        )
    return warnings

"""What a sync reports: progress while it runs, and its result."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

import attrs

SyncStatus = Literal["running", "success", "partial", "failed", "cancelled"]
"""`partial`: the run finished but some data could not be fetched (see its problems)."""

SYNC_STATUSES: Final[tuple[SyncStatus, ...]] = (
    "running",
    "success",
    "partial",
    "failed",
    "cancelled",
)

SyncPhase = Literal["waiting", "products", "tests", "bugs", "done"]


@attrs.frozen
class SyncProblem:
    """Something a sync could not fetch, said in one sentence.

    Kinds: test_page (a list range that fails upstream), bug_batch (bugs of these tests),
    features, payload (an unreadable item), product (a product that could not be synced).
    """

    kind: str
    product_id: int | None
    message: str
    test_ids: tuple[int, ...] = ()


@attrs.frozen
class SyncProgress:
    """Where a sync stands, reported after each page and bug batch (counts are per product)."""

    phase: SyncPhase
    message: str
    product_id: int | None = None
    product_name: str | None = None
    pages_done: int = 0
    tests_seen: int = 0
    tests_new: int = 0
    bug_batches_done: int = 0
    bug_batches_total: int = 0
    bugs_written: int = 0
    products_done: int = 0
    products_total: int = 0


@attrs.frozen
class ProductSyncSummary:
    """What a sync did for one product."""

    id: int
    name: str
    pages: int
    tests_seen: int
    tests_new: int
    tests_updated: int
    bug_batches: int
    bugs_upserted: int
    bugs_deleted: int
    complete: bool


@attrs.frozen
class SyncResult:
    """How a sync run ended, what it changed, and what is still missing.

    `complete` is true only when every requested product was read in full (status
    `success`); `problems` says what is missing otherwise. `requests` counts the HTTP
    requests the client sent while this sync ran.
    """

    status: SyncStatus
    complete: bool
    event_id: int | None
    trigger: str
    full: bool
    started_at: datetime
    ended_at: datetime
    duration_s: float
    products: int
    tests_new: int
    tests_updated: int
    bugs_upserted: int
    bugs_deleted: int
    requests: int
    problems: tuple[SyncProblem, ...]
    per_product: tuple[ProductSyncSummary, ...]


@attrs.frozen
class BugRefreshResult:
    """How bringing the bugs of some tests up to date went.

    `refreshed` were fetched now; `up_to_date` were fresh enough already (TTL rule);
    `failed` could not be fetched and keep their older bugs, if any; `unknown` are not cached.
    """

    refreshed: tuple[int, ...]
    up_to_date: tuple[int, ...]
    failed: tuple[int, ...]
    unknown: tuple[int, ...]
    bugs_upserted: int
    bugs_deleted: int
    requests: int
    problems: tuple[SyncProblem, ...]

    @property
    def complete(self) -> bool:
        """Whether every cached test asked for now has complete bugs."""
        return not self.failed

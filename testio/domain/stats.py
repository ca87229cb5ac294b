"""Results about the cache itself: sizes, sync history, problems, health."""

from __future__ import annotations

from datetime import datetime

import attrs


@attrs.frozen
class ProductStats:
    """Per-product row counts and freshness."""

    id: int
    name: str
    tests: int
    bugs: int
    synced_at: datetime | None


@attrs.frozen
class DatabaseStats:
    """Size and contents of the cache."""

    database: str
    file_size_bytes: int | None
    schema_version: int
    products: int
    features: int
    tests: int
    bugs: int
    sync_events: int
    open_problems: int
    oldest_test_end_at: datetime | None
    newest_test_end_at: datetime | None
    per_product: tuple[ProductStats, ...]
    data_as_of: datetime | None


@attrs.frozen
class SyncEventItem:
    """One recorded sync run."""

    id: int
    status: str
    trigger: str
    started_at: datetime
    ended_at: datetime | None
    duration_s: float | None
    products: int
    tests_upserted: int
    bugs_upserted: int
    bugs_deleted: int
    requests: int
    problems: int
    error: str | None


@attrs.frozen
class SyncHistorySummary:
    """How syncs have gone: runs by status (`success`, `partial`, `failed`, `running`) and the
    share of finished runs that succeeded completely."""

    runs: int
    by_status: dict[str, int]
    success_rate: float | None
    mean_duration_s: float | None
    failures_last_hour: int
    last_success_at: datetime | None


@attrs.frozen
class SyncHistory:
    """Recent sync runs, newest first, and a summary of them."""

    events: tuple[SyncEventItem, ...]
    summary: SyncHistorySummary


@attrs.frozen
class ProblemItem:
    """Data that could not be fetched: a poisoned range of a test list, a failing bug batch, a bad item."""

    id: int
    kind: str
    product_id: int | None
    message: str
    test_ids: tuple[int, ...]
    offset_start: int | None
    offset_end: int | None
    before_test_id: int | None
    after_test_id: int | None
    first_seen: datetime
    last_seen: datetime


@attrs.frozen
class ProblemList:
    """Open problems, with how to look the missing data up."""

    problems: tuple[ProblemItem, ...]
    total: int
    how_to_look_up: str
    data_as_of: datetime | None


@attrs.frozen
class ApiHealth:
    """Whether the TestIO API answers, and how fast."""

    reachable: bool
    latency_ms: float | None
    product_count: int | None
    error: str | None


@attrs.frozen
class DatabaseHealth:
    """Whether the cache answers, and its schema."""

    reachable: bool
    schema_version: int | None
    error: str | None


@attrs.frozen
class HealthReport:
    """The server, the API, the cache and the last sync at a glance."""

    status: str
    server_version: str
    api: ApiHealth
    database: DatabaseHealth
    last_sync: SyncEventItem | None
    sync_running: bool
    open_problems: int

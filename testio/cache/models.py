"""The cache's tables: what testio keeps from the TestIO API, and its own bookkeeping.

Every datetime column stores and returns aware UTC (`UTCDateTime`). Test environment
credentials are never stored: a test keeps only its environment's id and title.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA_VERSION: Final = 3
"""Bump on any change to the tables below; an older or unknown cache is rebuilt."""


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC, so they sort as instants."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"The cache stores aware datetimes only, not naive {value!r}.")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the cache tables."""

    type_annotation_map = {  # noqa: RUF012  # SQLAlchemy reads this class attribute by name
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
        str: String(),
    }


def table_of(model: type[Base]) -> Table[Any]:
    """The Core table behind a model (for bulk statements)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table  # pyright: ignore[reportUnknownVariableType]  # Table's column type parameter is not tracked


class MetaRow(Base):
    """Key/value facts about the cache itself, such as its schema version."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(primary_key=True)
    value: Mapped[str]


class ProductRow(Base):
    """A product on the account, with its sections and how fresh its cached data is."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str]
    type: Mapped[str | None]
    description: Mapped[str | None] = mapped_column(Text)
    default_section_id: Mapped[int | None]
    has_sections: Mapped[bool] = mapped_column(Boolean, default=False)
    sections: Mapped[list[Any]] = mapped_column(default=list)
    """`[{"id": int, "name": str}, ...]`"""
    listed_at: Mapped[datetime]
    """When the product list last contained this product."""
    features_synced_at: Mapped[datetime | None]
    tests_synced_at: Mapped[datetime | None]
    """When a sync last finished reading this product's test list (null: never finished)."""
    tests_sync_id: Mapped[int | None]
    """The sync event that last finished reading the test list; tests first seen by it or
    earlier are "already cached" for the incremental stop rule."""
    synced_at: Mapped[datetime | None]
    """When a sync last brought this product completely up to date."""


class FeatureRow(Base):
    """A catalogue feature of a product, with the sections that list it."""

    __tablename__ = "features"
    __table_args__ = (Index("ix_features_product", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    product_id: Mapped[int]
    title: Mapped[str]
    description: Mapped[str | None] = mapped_column(Text)
    howtofind: Mapped[str | None] = mapped_column(Text)
    user_stories: Mapped[list[Any]] = mapped_column(default=list)
    """User-story titles."""
    section_ids: Mapped[list[Any]] = mapped_column(default=list)
    synced_at: Mapped[datetime]


class TestRow(Base):
    """An exploratory test (or test-case run) and the state of its cached bugs.

    `bugs_synced_at` is when the test's bugs were last written completely (null: never);
    `bugs_complete` is false when the latest attempt to fetch them failed, so the cached
    bugs (if any) may be missing or stale; `bug_count` is how many bugs that fetch returned.
    `status_changed_at` lets the sync fetch the bugs of a test once more after it reached a
    final status.
    """

    __test__ = False
    __tablename__ = "tests"
    __table_args__ = (
        Index("ix_tests_product_end", "product_id", "end_at"),
        Index("ix_tests_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    product_id: Mapped[int]
    title: Mapped[str]
    status: Mapped[str]
    review_status: Mapped[str | None]
    testing_type: Mapped[str | None]
    """As the API sends it (null for a test-case run); see `lifecycle.normalise_testing_type`."""
    start_at: Mapped[datetime | None]
    end_at: Mapped[datetime | None]
    section_id: Mapped[int | None]
    environment_id: Mapped[int | None]
    environment_title: Mapped[str | None]
    created_by: Mapped[str | None]
    goal: Mapped[str | None] = mapped_column(Text)
    features: Mapped[list[Any]] = mapped_column(default=list)
    """`[{"id": int, "feature_id": int | None, "title": str}, ...]` as the test saw them."""
    synced_at: Mapped[datetime]
    first_sync_id: Mapped[int | None]
    status_changed_at: Mapped[datetime]
    bugs_synced_at: Mapped[datetime | None]
    bugs_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    bug_count: Mapped[int | None]


class BugRow(Base):
    """A bug of a test."""

    __tablename__ = "bugs"
    __table_args__ = (
        Index("ix_bugs_test", "test_id"),
        Index("ix_bugs_product_status", "product_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    test_id: Mapped[int]
    product_id: Mapped[int]
    title: Mapped[str]
    severity: Mapped[str]
    status: Mapped[str]
    auto_accepted: Mapped[bool | None] = mapped_column(Boolean)
    known: Mapped[bool] = mapped_column(Boolean, default=False)
    fixed: Mapped[bool | None] = mapped_column(Boolean)
    exported_at: Mapped[datetime | None]
    reported_at: Mapped[datetime | None]
    author: Mapped[str | None]
    reject_reason: Mapped[str | None]
    feature_id: Mapped[int | None]
    location: Mapped[str | None] = mapped_column(Text)
    operating_system: Mapped[str | None]
    """Of the bug's first device ("Android", "iOS", "Windows", ...); null when it has none."""
    device: Mapped[str | None]
    """Vendor and model of that device ("Apple iPad Air")."""
    device_category: Mapped[str | None]
    browsers: Mapped[str | None]
    """The device's browsers, joined by ", "."""
    steps: Mapped[str | None] = mapped_column(Text)
    """One step per line (the search index reads the text columns as they are)."""
    expected_result: Mapped[str | None] = mapped_column(Text)
    actual_result: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    """Compact JSON `{"attachments": [url, ...], "comments": [[author, body, at], ...]}`,
    null when the bug has neither (most bugs have few of either, so one column is smallest)."""
    synced_at: Mapped[datetime]


class SyncEventRow(Base):
    """One sync run: when, how it ended, and what it did."""

    __tablename__ = "sync_events"
    __table_args__ = (Index("ix_sync_events_started", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trigger: Mapped[str]
    status: Mapped[str]
    """One of `domain.sync.SYNC_STATUSES`."""
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    product_ids: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    duration_s: Mapped[float | None] = mapped_column(Float)
    products: Mapped[int] = mapped_column(default=0)
    tests_new: Mapped[int] = mapped_column(default=0)
    tests_updated: Mapped[int] = mapped_column(default=0)
    bugs_upserted: Mapped[int] = mapped_column(default=0)
    bugs_deleted: Mapped[int] = mapped_column(default=0)
    requests: Mapped[int] = mapped_column(default=0)
    problems: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)


class ProblemRow(Base):
    """Data the API would not return: a failing test-list range, a failing bug fetch, a bad item.

    The same problem seen again updates `last_seen`; one that loads fine later is `resolved`.
    `key` identifies it within its kind (it includes the product).
    """

    __tablename__ = "problems"
    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_problems_kind_key"),
        Index("ix_problems_product", "product_id", "resolved"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str]
    key: Mapped[str]
    product_id: Mapped[int | None]
    message: Mapped[str] = mapped_column(Text)
    test_ids: Mapped[list[Any]] = mapped_column(default=list)
    offset_start: Mapped[int | None]
    offset_end: Mapped[int | None]
    before_test_id: Mapped[int | None]
    after_test_id: Mapped[int | None]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    seen_count: Mapped[int] = mapped_column(default=1)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[datetime | None]


class SyncLeaseRow(Base):
    """The sync lock on databases without a lockable file: one row per lock name."""

    __tablename__ = "sync_lease"

    name: Mapped[str] = mapped_column(primary_key=True)
    owner: Mapped[str]
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class TriageLogRow(Base):
    """One triage write to TestIO: who asked for it, when, what, and what the API answered.

    It is the only record of writes made through testio and cannot be fetched again, so a
    schema rebuild keeps it (see `cache.engine.KEPT_TABLES`). Confirmation tokens are never
    stored. `batch` groups the bugs of one confirmed change.
    """

    __tablename__ = "triage_log"
    __table_args__ = (Index("ix_triage_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch: Mapped[str]
    at: Mapped[datetime]
    user: Mapped[str]
    action: Mapped[str]
    reason: Mapped[str | None]
    comment: Mapped[str | None] = mapped_column(Text)
    bug_id: Mapped[int]
    test_id: Mapped[int | None]
    product_id: Mapped[int | None]
    before_status: Mapped[str | None]
    before_auto_accepted: Mapped[bool | None] = mapped_column(Boolean)
    before_known: Mapped[bool | None] = mapped_column(Boolean)
    outcome: Mapped[str]
    """`changed`, `unchanged` or `unknown` (the API's answer was lost and the bug unreadable)."""
    http_status: Mapped[int | None]
    after_status: Mapped[str | None]
    after_auto_accepted: Mapped[bool | None] = mapped_column(Boolean)
    after_known: Mapped[bool | None] = mapped_column(Boolean)
    detail: Mapped[str | None] = mapped_column(Text)


class UserStoryRow(Base):
    """A user story of a product, with the sections that list it (it names no feature)."""

    __tablename__ = "user_stories"
    __table_args__ = (Index("ix_user_stories_product", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    product_id: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    section_ids: Mapped[list[Any]] = mapped_column(default=list)
    synced_at: Mapped[datetime]

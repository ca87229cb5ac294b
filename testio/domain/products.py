"""Results about products."""

from __future__ import annotations

from datetime import datetime

import attrs

from testio.domain.common import DataWarning


@attrs.frozen
class ProductSummary:
    """One product as cached, with its test count and freshness."""

    id: int
    name: str
    type: str | None
    has_sections: bool
    test_count: int
    bug_count: int
    last_test_end_at: datetime | None
    synced_at: datetime | None


@attrs.frozen
class ProductList:
    """Products on the account, from the cache."""

    products: tuple[ProductSummary, ...]
    total: int
    data_as_of: datetime | None
    warnings: tuple[DataWarning, ...] = ()

"""Every row of a cache file as sorted tuples, without the bookkeeping that legitimately differs.

Two caches that hold the same data dump equal even when they were filled by different runs:
timestamps of when something was fetched become "was it fetched" flags, ids of sync events
and the sync history itself are left out, and only open problems are kept (with what they say,
not when they were seen).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from pathlib import Path
from typing import Any, Final, Literal

from testio.cache.search_index import INDEXED

Policy = Literal["drop", "flag"]

SKIPPED_TABLES: Final = frozenset({"sync_events", "sync_lease"})

BOOKKEEPING: Final[dict[str, dict[str, Policy]]] = {
    "products": {
        "listed_at": "drop",
        "features_synced_at": "flag",
        "tests_synced_at": "flag",
        "tests_sync_id": "flag",
        "synced_at": "flag",
    },
    "features": {"synced_at": "drop"},
    "tests": {
        "synced_at": "drop",
        "first_sync_id": "drop",
        "status_changed_at": "drop",
        "bugs_synced_at": "flag",
    },
    "bugs": {"synced_at": "drop"},
    "user_stories": {"synced_at": "drop"},
    "problems": {
        "id": "drop",
        "first_seen": "drop",
        "last_seen": "drop",
        "seen_count": "drop",
        "resolved_at": "drop",
    },
}

CacheDump = dict[str, list[tuple[Any, ...]]]


def dump_cache(db_file: Path) -> CacheDump:
    """Every table of the cache (open problems only), rows sorted, bookkeeping normalised."""
    conn = sqlite3.connect(db_file)
    try:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            if name not in SKIPPED_TABLES and not _search_index(name)
        ]
        for index in INDEXED:
            # The index's own storage depends on the order of writes; what it must hold is
            # exactly the rows it indexes, which FTS5 checks (raising if it does not).
            conn.execute(f"INSERT INTO {index.fts}({index.fts}) VALUES('integrity-check')")
        return {name: _rows(conn, name) for name in sorted(tables)}
    finally:
        conn.close()


def _search_index(table: str) -> bool:
    """An FTS5 table of the search index, or one of its shadow tables."""
    return any(table == i.fts or table.startswith(f"{i.fts}_") for i in INDEXED)


def _rows(conn: sqlite3.Connection, table: str) -> list[tuple[Any, ...]]:
    policy = BOOKKEEPING.get(table, {})
    columns = [str(row[1]) for row in conn.execute(f'PRAGMA table_info("{table}")')]
    selected: list[str] = []
    for column in columns:
        rule = policy.get(column)
        if rule == "drop":
            continue
        selected.append(f'"{column}" IS NOT NULL' if rule == "flag" else f'"{column}"')
    where = " WHERE resolved = 0" if table == "problems" else ""
    query = f'SELECT {", ".join(selected)} FROM "{table}"{where}'
    return sorted((tuple(row) for row in conn.execute(query)), key=repr)


def differences(actual: CacheDump, expected: CacheDump, *, limit: int = 5) -> list[str]:
    """Readable differences between two dumps (empty when equal), a few rows per table."""
    found: list[str] = []
    for table in sorted(set(actual) | set(expected)):
        have, want = set(actual.get(table, [])), set(expected.get(table, []))
        extra = sorted(have - want, key=repr)[:limit]
        missing = sorted(want - have, key=repr)[:limit]
        found.extend(f"{table}: unexpected {row!r}" for row in extra)
        found.extend(f"{table}: missing {row!r}" for row in missing)
        if len(actual.get(table, [])) != len(expected.get(table, [])) and not (extra or missing):
            found.append(f"{table}: duplicate rows")
    return found


PRODUCT_COLUMN: Final = {
    "products": 0,
    "features": 1,
    "tests": 1,
    "bugs": 2,
    "problems": 2,
    "user_stories": 1,
}
"""Where a dumped row of each table holds its product id."""

TEST_COLUMN: Final = {"tests": 0, "bugs": 1}
"""Where a dumped row of each table holds its test id."""


def excluding(
    dump: CacheDump,
    *,
    products: Collection[int] = (),
    tests: Collection[int] = (),
    tables: Collection[str] = (),
) -> CacheDump:
    """The dump without every row of `products`, the rows of `tests` and their bugs, and `tables`."""

    def keep(table: str, row: tuple[Any, ...]) -> bool:
        product, test = PRODUCT_COLUMN.get(table), TEST_COLUMN.get(table)
        return not (
            (product is not None and row[product] in products)
            or (test is not None and row[test] in tests)
        )

    return {
        table: [row for row in rows if keep(table, row)]
        for table, rows in dump.items()
        if table not in tables
    }


def new_open_problems(dump: CacheDump, clean: CacheDump) -> list[tuple[Any, ...]]:
    """Open problems of `dump` that the clean cache does not have: (kind, key, product, ...)."""
    return sorted(set(dump["problems"]) - set(clean["problems"]), key=repr)

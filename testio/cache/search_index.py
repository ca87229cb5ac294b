"""The full-text search index of the SQLite cache: FTS5 tables kept current by triggers.

Each searchable table has an external-content FTS5 table (`content=` the table itself,
rowid = the row's id), so the text is stored once and the index holds only tokens. Triggers
created with the schema index every insert, re-index an update whose text changed and drop a
deleted row's tokens, so the index follows every sync (full, incremental, deletions) with no
code of its own. Other databases get no index (`SearchRepository` says so).
"""

from __future__ import annotations

from typing import Final

import attrs
from sqlalchemy import Connection


@attrs.frozen
class IndexedTable:
    """A searchable table: its FTS table and the text columns it indexes.

    The FTS table also indexes the row's `product_id` (last), so a search in one product is
    an intersection of two token lists instead of a lookup of every match's row.
    """

    kind: str
    table: str
    text_columns: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        """Every indexed column, `product_id` last."""
        return (*self.text_columns, "product_id")

    @property
    def fts(self) -> str:
        """The FTS5 table's name."""
        return f"{self.table}_fts"


INDEXED: Final[tuple[IndexedTable, ...]] = (
    IndexedTable("test", "tests", ("title", "goal")),
    IndexedTable("bug", "bugs", ("title", "steps", "expected_result", "actual_result")),
    IndexedTable("feature", "features", ("title", "description", "howtofind")),
    IndexedTable("user_story", "user_stories", ("title",)),
)
"""What `search` looks in, by kind."""

TOKENIZER: Final = "porter unicode61 remove_diacritics 2"
"""English stemming ("crash" finds "crashes"), accents ignored."""


def _ddl(index: IndexedTable) -> list[str]:
    cols = ", ".join(index.columns)
    new = ", ".join(f"new.{c}" for c in index.columns)
    old = ", ".join(f"old.{c}" for c in index.columns)
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in index.columns)
    fts, table = index.fts, index.table
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({cols}, content='{table}', "
        f"content_rowid='id', tokenize='{TOKENIZER}')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE ON {table} WHEN {changed} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
    ]


def create_search_index(conn: Connection) -> None:
    """Create the FTS tables and their triggers (SQLite only; the tables must exist, empty)."""
    if conn.dialect.name != "sqlite":
        return
    for index in INDEXED:
        for statement in _ddl(index):
            conn.exec_driver_sql(statement)


def drop_search_index(conn: Connection) -> None:
    """Drop the FTS tables (their triggers go with the tables they watch)."""
    if conn.dialect.name != "sqlite":
        return
    for index in INDEXED:
        conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{index.fts}"')

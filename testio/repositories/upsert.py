"""Bulk insert-or-update by primary key: one executemany per chunk, never a row per round trip.

SQLite and PostgreSQL use `INSERT ... ON CONFLICT DO UPDATE`; other databases get a generic
path (one SELECT of the existing keys, then an executemany UPDATE and an executemany INSERT).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final, TypeVar

from sqlalchemy import Executable, Table, bindparam, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

CHUNK: Final = 1000
"""Rows per executemany call; bounds the memory of one statement's parameters."""

Row = Mapping[str, Any]
T = TypeVar("T")


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def upsert_rows(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Row],
    *,
    key: Sequence[str] = ("id",),
    update_columns: Sequence[str] | None = None,
    generic: bool = False,
) -> None:
    """Insert `rows` into `table`, updating the rows whose `key` already exists.

    Every row must have the same keys. `update_columns` (default: every non-key column of
    the rows) are overwritten on conflict; other columns keep their stored values.
    `generic=True` forces the portable path (for databases without ON CONFLICT).
    """
    if not rows:
        return
    columns = (
        list(update_columns)
        if update_columns is not None
        else [name for name in rows[0] if name not in key]
    )
    dialect = session.get_bind().dialect.name
    if generic or dialect not in ("sqlite", "postgresql"):
        await _generic_upsert(session, table, rows, key=key, update_columns=columns)
        return
    stmt = _on_conflict(dialect, table, tuple(key), tuple(columns))
    for chunk in chunked(rows, CHUNK):
        await session.execute(stmt, list(chunk))


@functools.lru_cache(maxsize=256)
def _on_conflict(
    dialect: str, table: Table[Any], key: tuple[str, ...], columns: tuple[str, ...]
) -> Executable:
    """The INSERT ... ON CONFLICT statement for a table and column set (built once)."""
    module = sqlite if dialect == "sqlite" else postgresql
    insert = module.insert(table)
    if not columns:
        return insert.on_conflict_do_nothing(index_elements=list(key))
    return insert.on_conflict_do_update(
        index_elements=list(key), set_={c: insert.excluded[c] for c in columns}
    )


async def _generic_upsert(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Row],
    *,
    key: Sequence[str],
    update_columns: Sequence[str],
) -> None:
    key_cols = [table.c[k] for k in key]
    for chunk in chunked(rows, CHUNK):
        keys = [tuple(row[k] for k in key) for row in chunk]
        if len(key) == 1:
            found = await session.execute(
                select(key_cols[0]).where(key_cols[0].in_([k[0] for k in keys]))
            )
        else:
            found = await session.execute(select(*key_cols).where(tuple_(*key_cols).in_(keys)))
        existing = {tuple(r) for r in found}
        new = [row for row, k in zip(chunk, keys, strict=True) if k not in existing]
        old = [row for row, k in zip(chunk, keys, strict=True) if k in existing]
        if old and update_columns:
            stmt = (
                update(table)
                .where(*(table.c[k] == bindparam(f"_key_{k}") for k in key))
                .values(
                    {c: bindparam(f"_value_{c}", type_=table.c[c].type) for c in update_columns}
                )
            )
            params = [
                {
                    **{f"_value_{c}": row[c] for c in update_columns},
                    **{f"_key_{k}": row[k] for k in key},
                }
                for row in old
            ]
            await session.execute(stmt, params)
        if new:
            await session.execute(table.insert(), list(new))

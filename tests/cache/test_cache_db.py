"""Opening the cache: file, permissions, pragmas, datetimes and the schema version."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from testio.cache.engine import (
    connections_checked_out,
    open_engine,
    schema_version,
    session_factory,
)
from testio.cache.models import SCHEMA_VERSION, MetaRow, SyncEventRow
from testio.config import Settings
from testio.errors import ConfigError


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_opening_creates_the_parent_directory_and_the_file(
    sqlite_engine: AsyncEngine, db_file: Path
) -> None:
    """The cache's directory and file exist after opening."""
    assert db_file.is_file()


async def test_database_and_wal_files_are_readable_by_their_owner_only(
    sqlite_engine: AsyncEngine, db_file: Path
) -> None:
    """The database, its -wal and its -shm file are 0600 while the cache is in use."""
    async with sqlite_engine.begin() as conn:
        await conn.execute(text("CREATE TABLE scratch (x INTEGER)"))
        await conn.execute(text("INSERT INTO scratch VALUES (1)"))
        wal, shm = Path(f"{db_file}-wal"), Path(f"{db_file}-shm")
        assert wal.exists()
        assert shm.exists()
        assert {_mode(db_file), _mode(wal), _mode(shm)} == {0o600}


async def test_an_existing_world_readable_file_is_made_private(db_file: Path) -> None:
    """Opening tightens the permissions of a cache file created by someone else."""
    db_file.parent.mkdir(parents=True)
    db_file.touch(mode=0o644)
    db_file.chmod(0o644)
    engine = await open_engine(f"sqlite+aiosqlite:///{db_file}")
    await engine.dispose()
    assert _mode(db_file) == 0o600


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_engine: AsyncEngine) -> None:
    """Every connection uses WAL, synchronous=NORMAL and waits for other writers."""
    async with sqlite_engine.connect() as conn:
        journal = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
        synchronous = (await conn.execute(text("PRAGMA synchronous"))).scalar()
        timeout = (await conn.execute(text("PRAGMA busy_timeout"))).scalar()
    assert (journal, synchronous) == ("wal", 1)
    assert timeout is not None
    assert timeout >= 10_000


async def test_datetimes_come_back_aware_utc(engine: AsyncEngine) -> None:
    """A datetime stored with any offset is read back as the same instant in UTC."""
    berlin = timezone(timedelta(hours=2))
    written = datetime(2025, 4, 1, 0, 30, tzinfo=berlin)
    async with session_factory(engine)() as session:
        session.add(SyncEventRow(trigger="t", status="success", started_at=written))
        await session.commit()
    async with session_factory(engine)() as session:
        read = await session.scalar(select(SyncEventRow.started_at))
    assert read == written
    assert read is not None
    assert read.tzinfo is UTC
    assert read.hour == 22


async def test_a_naive_datetime_is_refused(engine: AsyncEngine) -> None:
    """Storing a datetime without an offset fails instead of guessing its zone."""
    async with session_factory(engine)() as session:
        session.add(SyncEventRow(trigger="t", status="success", started_at=datetime(2025, 1, 1)))
        with pytest.raises(StatementError, match="aware"):
            await session.commit()


async def test_a_new_cache_records_the_current_schema_version(engine: AsyncEngine) -> None:
    """The meta table holds the schema version of this testio."""
    assert await schema_version(engine) == SCHEMA_VERSION


def _write_old_cache(db_file: Path, version: str | None) -> None:
    db_file.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(db_file) as conn:
        conn.execute("CREATE TABLE tests (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO tests VALUES (1, 'old')")
        if version is not None:
            conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (version,))
    conn.close()


@pytest.mark.parametrize("version", ["0", "999", "not-a-number", None])
async def test_a_cache_with_another_schema_version_is_rebuilt_with_one_warning(
    db_file: Path, caplog: pytest.LogCaptureFixture, version: str | None
) -> None:
    """An older, newer, unreadable or missing version drops and recreates the tables."""
    _write_old_cache(db_file, version)
    with caplog.at_level(logging.WARNING, logger="testio.cache.engine"):
        engine = await open_engine(f"sqlite+aiosqlite:///{db_file}")
    try:
        assert await schema_version(engine) == SCHEMA_VERSION
        async with engine.connect() as conn:
            columns = [r[1] for r in await conn.execute(text("PRAGMA table_info(tests)"))]
            rows = (await conn.execute(text("SELECT count(*) FROM tests"))).scalar()
    finally:
        await engine.dispose()
    assert "product_id" in columns
    assert rows == 0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "rebuilding" in warnings[0].getMessage()


async def test_a_cache_with_the_current_version_keeps_its_data(db_file: Path) -> None:
    """Opening a cache twice does not rebuild it."""
    url = f"sqlite+aiosqlite:///{db_file}"
    engine = await open_engine(url)
    async with session_factory(engine)() as session:
        session.add(SyncEventRow(trigger="t", status="success", started_at=datetime.now(UTC)))
        await session.commit()
    await engine.dispose()
    engine = await open_engine(url)
    try:
        async with session_factory(engine)() as session:
            events = (await session.scalars(select(SyncEventRow))).all()
    finally:
        await engine.dispose()
    assert len(events) == 1


async def test_tables_that_are_not_ours_are_left_alone(db_file: Path) -> None:
    """A database holding unrelated tables gets the cache tables beside them."""
    db_file.parent.mkdir(parents=True)
    with sqlite3.connect(db_file) as conn:
        conn.execute("CREATE TABLE notes (x TEXT)")
        conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.close()
    engine = await open_engine(f"sqlite+aiosqlite:///{db_file}")
    try:
        async with engine.connect() as conn:
            kept = (await conn.execute(text("SELECT x FROM notes"))).scalar()
    finally:
        await engine.dispose()
    assert kept == "keep me"


async def test_a_plain_sqlite_url_gets_the_async_driver(db_file: Path) -> None:
    """`sqlite:///path` works as TESTIO_DATABASE_URL."""
    engine = await open_engine(Settings(database_url=f"sqlite:///{db_file}"))
    try:
        assert engine.url.drivername == "sqlite+aiosqlite"
    finally:
        await engine.dispose()


async def test_a_malformed_database_url_is_a_config_error() -> None:
    """A URL SQLAlchemy cannot read gives one sentence naming the setting."""
    with pytest.raises(ConfigError, match="TESTIO_DATABASE_URL"):
        await open_engine("not a url")


async def test_a_database_url_without_an_async_driver_is_a_config_error(tmp_path: Path) -> None:
    """A sync-only driver is refused with a hint, not a traceback from deep inside."""
    with pytest.raises(ConfigError, match="async driver"):
        await open_engine(f"sqlite+pysqlite:///{tmp_path / 'x.db'}")


async def test_in_memory_sqlite_works(tmp_path: Path) -> None:
    """`sqlite+aiosqlite://` (memory) opens with the schema and no file."""
    engine = await open_engine("sqlite+aiosqlite://")
    try:
        assert await schema_version(engine) == SCHEMA_VERSION
    finally:
        await engine.dispose()


async def test_no_connection_is_checked_out_after_sessions_close(engine: AsyncEngine) -> None:
    """The pool count goes up while a session works and back to zero after it closes."""
    async with session_factory(engine)() as session:
        await session.execute(text("SELECT 1"))
        during = await connections_checked_out(engine)
    assert (during, await connections_checked_out(engine)) == (1, 0)


async def test_processes_opening_a_new_cache_at_once_build_its_schema_once(cache_url: str) -> None:
    """Engines opened together on an empty database all succeed; one version row is recorded."""
    engines = await asyncio.gather(*(open_engine(cache_url) for _ in range(4)))
    try:
        async with engines[0].connect() as conn:
            versions = (
                await conn.execute(select(MetaRow.value).where(MetaRow.key == "schema_version"))
            ).all()
    finally:
        for engine in engines:
            await engine.dispose()
    assert [v[0] for v in versions] == [str(SCHEMA_VERSION)]

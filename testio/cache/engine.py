"""Opening the cache database: engine, pragmas, file permissions, and the schema check.

The default cache is a SQLite file in the user's cache directory, in WAL mode with a busy
timeout, readable by its owner only. A team shares one PostgreSQL database instead
(`TESTIO_DATABASE_URL=postgresql+asyncpg://...`, or plain `postgresql://`, which gets the
asyncpg driver). A cache with an older or unknown schema version is dropped and rebuilt (its
data is fetched again by the next sync), never a crash; one process at a time decides that
(SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a transaction-level advisory lock). The triage audit
log, which cannot be fetched again, survives the rebuild.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, event, inspect, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, InvalidRequestError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import QueuePool

from testio.cache.models import SCHEMA_VERSION, Base, MetaRow, table_of
from testio.cache.search_index import create_search_index, drop_search_index
from testio.config import Settings
from testio.errors import CacheSchemaError, ConfigError

log = logging.getLogger("testio.db")

BUSY_TIMEOUT_S: Final = 30.0
"""How long a SQLite writer waits for another one before giving up."""

SCHEMA_LOCK: Final = (0x7E5710, 1)
"""The PostgreSQL advisory lock key (two int4) held while the schema is checked or built."""

FILE_MODE: Final = 0o600
LEGACY_TABLES: Final[tuple[str, ...]] = ()
"""Tables of older schema versions that are no longer in the models (dropped on rebuild)."""
KEPT_TABLES: Final[frozenset[str]] = frozenset({"triage_log"})
"""Tables a rebuild keeps: what they hold was written here and cannot be fetched again."""


def database_url(settings: Settings | str) -> URL:
    """The async URL of the cache; a plain `sqlite://` URL gets the aiosqlite driver."""
    raw = settings if isinstance(settings, str) else settings.database_url
    if not raw:
        from testio.config import default_database_url

        raw = default_database_url()
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise ConfigError(
            f"TESTIO_DATABASE_URL is not a database URL ({raw!r}); "
            "use e.g. sqlite+aiosqlite:////path/to/cache.db or postgresql+asyncpg://host/db."
        ) from exc
    if url.drivername == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
    elif url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+asyncpg")
    return url


def sqlite_path(url: URL | str) -> Path | None:
    """The file of a SQLite URL, or None for other databases and in-memory SQLite."""
    url = make_url(url) if isinstance(url, str) else url
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    if database.startswith("file:"):
        database = database.removeprefix("file:").split("?", 1)[0]
    return Path(database).expanduser().absolute()


def _prepare_file(path: Path) -> None:
    """Create the parent directory and the database file, readable by its owner only.

    SQLite gives its -wal and -shm files the database file's permissions, so creating the
    file 0600 before SQLite opens it covers all three.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        os.close(fd)
    except OSError as exc:
        raise CacheSchemaError(f"Cannot create the cache database {path}: {exc.strerror}.") from exc
    _restrict(path)


def _restrict(path: Path) -> None:
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if file.exists() and file.stat().st_mode & 0o777 != FILE_MODE:
                file.chmod(FILE_MODE)
        except OSError as exc:
            log.warning("cannot make %s private to its owner: %s", file, exc.strerror)


def _sqlite_pragmas(file_backed: bool) -> Any:
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if file_backed:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        finally:
            cursor.close()

    return on_connect


async def open_engine(settings: Settings | str, *, echo: bool = False) -> AsyncEngine:
    """An engine on the cache with the current schema (created, or rebuilt when outdated)."""
    url = database_url(settings)
    path = sqlite_path(url)
    is_sqlite = url.get_backend_name() == "sqlite"
    kwargs: dict[str, Any] = {"echo": echo}
    if is_sqlite:
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_S}
    elif url.get_backend_name() == "postgresql":
        # A shared server outlives database restarts (pre-ping drops dead connections) and
        # serves many HTTP clients at once through one engine.
        kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
    if path is not None:
        _prepare_file(path)
    try:
        engine = create_async_engine(url, **kwargs)
    except (ArgumentError, InvalidRequestError, NoSuchModuleError) as exc:
        raise ConfigError(
            f"Cannot use TESTIO_DATABASE_URL {url.render_as_string(hide_password=True)!r}: "
            f"{exc}; it needs an async driver, e.g. sqlite+aiosqlite:////path/to/cache.db "
            "or postgresql+asyncpg://user@host/db (pip install 'testio[postgres]')."
        ) from exc
    if is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(path is not None))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_ensure_schema)
    except BaseException as exc:
        await engine.dispose()
        if isinstance(exc, SQLAlchemyError | OSError):
            advice = (
                "delete the file or set TESTIO_DATABASE_URL to another location."
                if is_sqlite
                else "check that the server is running and that TESTIO_DATABASE_URL names "
                "a database this user may create tables in."
            )
            raise CacheSchemaError(
                f"Cannot open the cache database {url.render_as_string(hide_password=True)}: "
                f"{exc.__class__.__name__}: {exc.args[0] if exc.args else exc}; {advice}"
            ) from exc
        raise
    if path is not None:
        _restrict(path)
    return engine


def _stored_version(conn: Connection) -> str | None:
    meta = table_of(MetaRow)
    return conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()


def _ensure_schema(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        # One process at a time decides whether to build or rebuild.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        # Released at commit: processes starting together build the tables once.
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": SCHEMA_LOCK[0], "b": SCHEMA_LOCK[1]}
        )
    existing = set(inspect(conn).get_table_names())
    ours = set(Base.metadata.tables)
    if existing & ours:
        version = _stored_version(conn) if "meta" in existing else None
        if version == str(SCHEMA_VERSION):
            Base.metadata.create_all(conn, checkfirst=True)
            return
        log.warning(
            "The cache database has schema version %s but this testio needs %s; rebuilding it "
            "empty (the next sync fetches the data again).",
            version if version is not None else "unknown",
            SCHEMA_VERSION,
        )
        for name in LEGACY_TABLES:
            if name in existing:
                conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
        drop_search_index(conn)
        Base.metadata.drop_all(
            conn,
            tables=[t for t in Base.metadata.sorted_tables if t.name not in KEPT_TABLES],
            checkfirst=True,
        )
    Base.metadata.create_all(conn, checkfirst=True)
    create_search_index(conn)
    conn.execute(table_of(MetaRow).insert().values(key="schema_version", value=str(SCHEMA_VERSION)))


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on the cache; objects stay readable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def connections_checked_out(engine: AsyncEngine) -> int:
    """How many pooled connections are in use right now (0 when every session is closed)."""
    pool = engine.pool
    if isinstance(pool, QueuePool):
        return pool.checkedout()
    return 0


async def schema_version(engine: AsyncEngine) -> int | None:
    """The schema version recorded in the cache, or None if there is none."""
    async with engine.connect() as conn:
        value = await conn.run_sync(_stored_version)
    try:
        return None if value is None else int(value)
    except ValueError:
        return None

"""One sync at a time per cache database, also across processes.

For a SQLite file the lock is an OS file lock (`flock`) on `<database>.sync.lock`: the
operating system releases it when the holder's process dies, even by SIGKILL. On
PostgreSQL it is a session-level advisory lock held by one dedicated connection: the server
releases it when that connection ends, so a dead holder (on any machine) frees it at once;
the holder also records itself in `sync_lease` so a waiting sync can name it. Other
databases (and in-memory SQLite) use a lease row in `sync_lease` that the holder renews;
a dead holder's lease expires after `lease_s`.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Final, Literal, Self

import anyio
import anyio.to_thread
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from testio.cache.engine import sqlite_path
from testio.cache.models import SyncLeaseRow, table_of
from testio.errors import ServiceStateError, SyncInProgressError

log = logging.getLogger("testio.synclock")

DEFAULT_WAIT_S: Final = 600.0
"""How long a second sync waits for the first by default."""

LockMode = Literal["file", "lease", "advisory"]

ADVISORY_CLASS: Final = 0x7E5710
"""First half of the PostgreSQL advisory lock key: testio's namespace."""


def advisory_key(name: str) -> tuple[int, int]:
    """The two-int4 PostgreSQL advisory lock key of a lock name (stable across processes)."""
    digest = hashlib.sha256(f"testio:{name}".encode()).digest()
    return ADVISORY_CLASS, int.from_bytes(digest[:4]) & 0x7FFFFFFF


def _default_mode(engine: AsyncEngine, path: Path | None) -> LockMode:
    if path is not None:
        return "file"
    return "advisory" if engine.dialect.name == "postgresql" else "lease"


def lock_path(database: Path) -> Path:
    """The lock file next to a SQLite database file."""
    return database.with_name(database.name + ".sync.lock")


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class SyncLock:
    """The cache's sync lock: `async with SyncLock(engine, wait=False):` or acquire/release.

    `wait=False` raises `SyncInProgressError` at once when another sync holds the lock;
    otherwise it waits up to `timeout` seconds, polling, with the event loop free.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        wait: bool = True,
        timeout: float = DEFAULT_WAIT_S,
        mode: LockMode | None = None,
        lease_s: float = 300.0,
        name: str = "sync",
    ) -> None:
        self._engine = engine
        self._wait = wait
        self._timeout = timeout
        database = sqlite_path(engine.url)
        self._path = None if database is None else lock_path(database)
        self.mode: LockMode = mode or _default_mode(engine, self._path)
        if self.mode == "file" and self._path is None:
            raise ValueError("A file lock needs a SQLite database file.")
        if self.mode == "advisory" and engine.dialect.name != "postgresql":
            raise ValueError("An advisory lock needs a PostgreSQL database.")
        self._lease_s = lease_s
        self._name = name
        self._owner = f"pid {os.getpid()} on {socket.gethostname()} ({uuid.uuid4().hex[:8]})"
        self._fd: int | None = None
        self._conn: AsyncConnection | None = None
        self._leased = False
        self._renewed = 0.0

    @property
    def held(self) -> bool:
        """Whether this lock object holds the lock now."""
        return self._fd is not None or self._conn is not None or self._leased

    async def __aenter__(self) -> Self:
        await self.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.release()

    async def acquire(self) -> None:
        """Take the lock, waiting (bounded) or not as configured."""
        if self.held:
            raise ServiceStateError("This SyncLock is already held; acquire it only once.")
        deadline = anyio.current_time() + self._timeout
        delay = 0.01
        while True:
            if await self._try_acquire():
                return
            if not self._wait:
                raise SyncInProgressError(
                    f"Another sync is running on this cache ({await self.holder()}); "
                    "wait for it to finish or try again later."
                )
            remaining = deadline - anyio.current_time()
            if remaining <= 0:
                raise SyncInProgressError(
                    f"Another sync has held this cache for over {self._timeout:.0f} s "
                    f"({await self.holder()}); try again when it has finished."
                )
            await anyio.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.2)

    async def release(self) -> None:
        """Give the lock up; harmless when not held."""
        with anyio.CancelScope(shield=True):
            fd, self._fd = self._fd, None
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                finally:
                    os.close(fd)
            conn, self._conn = self._conn, None
            if conn is not None:
                await self._unlock(conn)
            if self._leased:
                self._leased = False
                try:
                    async with self._engine.begin() as conn:
                        await conn.execute(
                            delete(table_of(SyncLeaseRow)).where(
                                SyncLeaseRow.name == self._name, SyncLeaseRow.owner == self._owner
                            )
                        )
                except Exception:
                    log.exception("releasing the sync lease failed; it expires by itself")

    async def is_locked(self) -> bool:
        """Whether some sync (this one included) holds the lock right now."""
        if self.held:
            return True
        if self.mode == "file":
            assert self._path is not None
            if not self._path.exists():
                return False
            fd = os.open(self._path, os.O_RDONLY)
            try:
                if _try_flock(fd):
                    fcntl.flock(fd, fcntl.LOCK_UN)
                    return False
                return True
            finally:
                os.close(fd)
        if self.mode == "advisory":
            classid, objid = advisory_key(self._name)
            async with self._engine.connect() as conn:
                found = await conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND database = (SELECT oid FROM pg_database "
                        "WHERE datname = current_database()) "
                        "AND classid = :classid AND objid = :objid AND objsubid = 2"
                    ),
                    {"classid": classid, "objid": objid},
                )
            return bool(found)
        now = datetime.now(UTC)
        async with self._engine.connect() as conn:
            expires = await conn.scalar(
                select(SyncLeaseRow.expires_at).where(SyncLeaseRow.name == self._name)
            )
        return expires is not None and expires > now

    async def holder(self) -> str:
        """Who holds the lock, as recorded by the holder (best effort)."""
        if self.mode == "file":
            assert self._path is not None
            try:
                recorded = self._path.read_text(encoding="utf-8").strip()
            except OSError:
                recorded = ""
            return recorded or "holder unknown"
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(SyncLeaseRow.owner, SyncLeaseRow.acquired_at).where(
                        SyncLeaseRow.name == self._name
                    )
                )
            ).first()
        if row is None:
            return "holder unknown"
        return f"{row[0]} since {row[1]:%Y-%m-%d %H:%M:%S}Z"

    # ---- file lock ------------------------------------------------------------------------

    async def _try_acquire(self) -> bool:
        if self.mode == "lease":
            return await self._try_lease()
        if self.mode == "advisory":
            return await self._try_advisory()
        assert self._path is not None
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        got = False
        try:
            # A thread, so a slow file system never blocks the event loop; shielded, so a
            # lock taken just as the caller is cancelled is never leaked.
            with anyio.CancelScope(shield=True):
                got = await anyio.to_thread.run_sync(_try_flock, fd)
        except BaseException:
            os.close(fd)
            raise
        if not got:
            os.close(fd)
            return False
        self._fd = fd
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        info = f"pid {os.getpid()} on {socket.gethostname()} since {stamp}\n".encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, info, 0)
        return True

    # ---- PostgreSQL advisory lock --------------------------------------------------------

    async def _try_advisory(self) -> bool:
        classid, objid = advisory_key(self._name)
        with anyio.CancelScope(shield=True):
            # Autocommit: the lock belongs to the connection, which must not sit idle in a
            # transaction for the length of a sync.
            conn = await self._engine.connect()
            try:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                got = await conn.scalar(
                    text("SELECT pg_try_advisory_lock(:classid, :objid)"),
                    {"classid": classid, "objid": objid},
                )
            except BaseException:
                await conn.invalidate()
                await conn.close()
                raise
            if not got:
                await conn.close()
                return False
            self._conn = conn
            try:
                await self._record_holder(conn)
            except Exception:
                log.warning("could not record the sync holder; the lock is held all the same")
        return True

    async def _record_holder(self, conn: AsyncConnection) -> None:
        now = datetime.now(UTC)
        table = table_of(SyncLeaseRow)
        stmt = postgresql.insert(table).values(
            name=self._name,
            owner=self._owner,
            acquired_at=now,
            expires_at=now + timedelta(seconds=self._lease_s),
        )
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["name"],
                set_={c: stmt.excluded[c] for c in ("owner", "acquired_at", "expires_at")},
            )
        )

    async def _unlock(self, conn: AsyncConnection) -> None:
        classid, objid = advisory_key(self._name)
        try:
            await conn.execute(
                text("SELECT pg_advisory_unlock(:classid, :objid)"),
                {"classid": classid, "objid": objid},
            )
            await conn.close()
        except Exception:
            # Never hand a connection that may still hold the lock back to the pool: closing
            # it for good makes the server drop the lock.
            log.warning("releasing the sync lock failed; closing its connection instead")
            await conn.invalidate()
            await conn.close()

    # ---- lease ----------------------------------------------------------------------------

    async def _try_lease(self) -> bool:
        table = table_of(SyncLeaseRow)
        now = datetime.now(UTC)
        expires = now + timedelta(seconds=self._lease_s)
        with anyio.CancelScope(shield=True):
            async with self._engine.begin() as conn:
                taken = await conn.execute(
                    update(table)
                    .where(
                        SyncLeaseRow.name == self._name,
                        (SyncLeaseRow.expires_at < now) | (SyncLeaseRow.owner == self._owner),
                    )
                    .values(owner=self._owner, acquired_at=now, expires_at=expires)
                )
                got = bool(getattr(taken, "rowcount", 0))
            if not got:
                try:
                    async with self._engine.begin() as conn:
                        await conn.execute(
                            insert(table).values(
                                name=self._name,
                                owner=self._owner,
                                acquired_at=now,
                                expires_at=expires,
                            )
                        )
                except IntegrityError:
                    return False
            self._leased = True
            self._renewed = anyio.current_time()
        return True

    async def keep_alive(self) -> None:
        """Extend a lease that is a third through its time (a no-op for file locks).

        The holder calls this as it makes progress (the sync does, after every batch).
        """
        if not self._leased or anyio.current_time() - self._renewed < self._lease_s / 3:
            return
        now = datetime.now(UTC)
        with anyio.CancelScope(shield=True):
            async with self._engine.begin() as conn:
                await conn.execute(
                    update(table_of(SyncLeaseRow))
                    .where(SyncLeaseRow.name == self._name, SyncLeaseRow.owner == self._owner)
                    .values(expires_at=now + timedelta(seconds=self._lease_s))
                )
        self._renewed = anyio.current_time()


async def sync_running(engine: AsyncEngine) -> bool:
    """Whether a sync holds the cache's lock right now."""
    return await SyncLock(engine).is_locked()

"""A temporary directory per benchmark run: cache files, a home, and the child's environment."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

from benchmarks.measure import file_size


class Workspace:
    """Fresh cache databases under one temporary directory, removed at the end of the block.

    Children get a home inside it, so no user config file or cache of the machine leaks in.
    """

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="testio-bench-"))
        self.home = self.root / "home"
        self.home.mkdir()
        self._count = 0

    def new_database(self, label: str) -> Path:
        """A path for a database that does not exist yet."""
        self._count += 1
        return self.root / f"{self._count:02d}-{label}.db"

    def env(self, api_url: str, token: str, database: Path) -> dict[str, str]:
        """The whole environment of a `testio` child: PATH, a private HOME and the settings."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "TESTIO_API_URL": api_url,
            "TESTIO_API_TOKEN": token,
            "TESTIO_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            "TESTIO_REFRESH_INTERVAL": "0",
            "TESTIO_REPORTS_DIR": str(self.root / "reports"),
        }
        for name in ("TESTIO_PAGE_SIZE", "TESTIO_BUG_BATCH_SIZE", "TESTIO_MAX_IN_FLIGHT"):
            if os.environ.get(name):
                env[name] = os.environ[name]
        return env

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def database_bytes(database: Path) -> int:
    """The database file and its write-ahead log, in bytes."""
    return file_size(database) + file_size(database.with_name(database.name + "-wal"))


def bug_rows(database: Path) -> int:
    """Rows of the cache's bugs table (read-only, so the file is left as it was)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        row = db.execute("SELECT count(*) FROM bugs").fetchone()
    return int(row[0])

"""Running the `testio` command as real processes against a sandbox served over loopback."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mcp import StdioServerParameters


def cli_env(home: Path, *, api_url: str, token: str, **settings: str) -> dict[str, str]:
    """The whole environment of a `testio` process: its home, cache and reports under `home`.

    Nothing is inherited from the test's environment but PATH, so no config file, cache
    or token of the machine running the tests leaks in.
    """
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TESTIO_API_URL": api_url,
        "TESTIO_API_TOKEN": token,
        "TESTIO_DATABASE_URL": f"sqlite+aiosqlite:///{home / 'cache.db'}",
        "TESTIO_REPORTS_DIR": str(home / "reports"),
        "TESTIO_REFRESH_INTERVAL": "0",
        **settings,
    }


def cli_command(*args: str) -> list[str]:
    """The argv of `testio ARGS...` in this virtual environment."""
    return [sys.executable, "-m", "testio", *args]


def serve_params(env: dict[str, str], stderr_file: Path) -> StdioServerParameters:
    """`testio serve` over stdio with its stderr (its log) appended to `stderr_file`.

    The SDK's client hands the server its own stderr; a shell redirects it to a file so a
    test can read the whole server log.
    """
    return StdioServerParameters(
        command="/bin/sh",
        args=["-c", 'exec "$0" -m testio serve 2>>"$1"', sys.executable, str(stderr_file)],
        env=env,
    )

"""The `testio` command: `main` parses the arguments; one module per command, plus terminal progress."""

from __future__ import annotations

from testio.cli.main import main

__all__ = ["main"]

"""Run the sandbox: `python -m testio.sandbox --help`."""

from __future__ import annotations

import sys

from testio.sandbox.cli import main_sandbox

if __name__ == "__main__":
    sys.exit(main_sandbox())

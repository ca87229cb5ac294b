"""`python -m testio` is the `testio` command."""

from testio.cli import main

raise SystemExit(main())

"""`testio sync`: bring the cache up to date, showing progress, and end with a summary."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

from testio.cli.progress import SyncProgressDisplay
from testio.config import Settings
from testio.domain.sync import SyncResult
from testio.errors import ApiError, AuthenticationError, TestioError

if TYPE_CHECKING:
    from testio.client.api import TestIOClient

EXIT_COMPLETE = 0
EXIT_FAILED = 1
EXIT_PARTIAL = 2


def _n(value: int) -> str:
    return f"{value:,}"


def summary(result: SyncResult) -> list[str]:
    """The lines printed after a sync: counts, duration, and what is missing."""
    state = "complete" if result.complete else "partial"
    lines = [
        f"Sync {state} in {result.duration_s:.1f} s: {_n(result.products)} products, "
        f"{_n(result.tests_new)} new and {_n(result.tests_updated)} changed tests, "
        f"{_n(result.bugs_upserted)} bugs written, {_n(result.bugs_deleted)} removed, "
        f"{_n(result.requests)} requests."
    ]
    if result.problems:
        lines.append(f"Missing ({len(result.problems)}):")
        lines.extend(f"  - {p.message}" for p in result.problems)
        lines.append("Run `testio sync` again later; problems that persist are listed by the")
        lines.append("get_problematic_tests tool.")
    return lines


async def run_sync(
    settings: Settings,
    *,
    full: bool,
    product_ids: list[int] | None,
    out: TextIO,
    err: TextIO | None = None,
    client: TestIOClient | None = None,
) -> int:
    """Run one sync for the CLI; returns 0 when complete, 2 when partial, 1 on failure.

    Progress and the summary go to `out`; a failure is one sentence on `err` (stderr).
    `client` (not yet opened) replaces the one built from `settings` (tests pass one that
    talks to the sandbox in-process).
    """
    from testio.cache.engine import open_engine, session_factory
    from testio.client.api import TestIOClient
    from testio.services.sync import SyncService

    err = err if err is not None else sys.stderr
    display = SyncProgressDisplay(out)
    try:
        client = client if client is not None else TestIOClient(settings)
        engine = await open_engine(settings)
        try:
            async with (
                client,
                SyncService(session_factory(engine), client, settings=settings) as svc,
            ):
                result = await svc.sync(
                    product_ids, full=full, progress=display.update, trigger="cli"
                )
        finally:
            display.close()
            await engine.dispose()
    except AuthenticationError:
        print(
            f"testio: TestIO refused the API token (HTTP 401) at {settings.api_url}; "
            "check TESTIO_API_TOKEN (TestIO: Integrations → API).",
            file=err,
        )
        return EXIT_FAILED
    except ApiError as exc:
        print(f"testio: the sync failed: {exc}", file=err)
        return EXIT_FAILED
    except TestioError as exc:
        print(f"testio: {exc}", file=err)
        return EXIT_FAILED
    for line in summary(result):
        print(line, file=out)
    return EXIT_COMPLETE if result.complete else EXIT_PARTIAL

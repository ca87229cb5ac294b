"""`testio worker`: keeps a shared cache fresh, one sync every `TESTIO_WORKER_INTERVAL` seconds.

Each run is a `SyncService.sync` with the trigger "worker" (so `health_check` and
`get_sync_history` show it) and logs one line on stderr. SIGTERM or Ctrl-C stops the worker
at once, also in the middle of a sync: every page and bug batch is committed as it arrives,
the interrupted run is recorded as cancelled, and the next run picks up where it stopped.
A run that finds another sync holding the cache skips its turn.
"""

from __future__ import annotations

import logging
import signal

import anyio

from testio.app import App
from testio.config import Settings
from testio.domain.sync import SyncResult
from testio.errors import AuthenticationError, SyncInProgressError, TestioError

log = logging.getLogger("testio.worker")

EXIT_STOPPED = 0


def describe(result: SyncResult) -> str:
    """The one log line of a finished run."""
    return (
        f"sync {result.status} in {result.duration_s:.1f} s: {result.products} products, "
        f"{result.tests_new} new and {result.tests_updated} changed tests, "
        f"{result.bugs_upserted} bugs written, {result.bugs_deleted} removed, "
        f"{result.requests} requests, {len(result.problems)} problems"
    )


async def run_once(app: App) -> str:
    """One sync run; returns its log line (never raises for a sync that failed)."""
    try:
        async with app.sync() as svc:
            result = await svc.sync(trigger="worker", wait=False)
    except SyncInProgressError:
        return "another sync is running on this cache; skipping this run"
    except AuthenticationError:
        return (
            f"TestIO refused the API token (HTTP 401) at {app.settings.api_url}; "
            "check TESTIO_API_TOKEN"
        )
    except TestioError as exc:
        return f"sync failed: {exc}"
    return describe(result)


async def _loop(app: App, interval: float, runs: int | None) -> None:
    done = 0
    while runs is None or done < runs:
        started = anyio.current_time()
        log.info("%s", await run_once(app))
        done += 1
        if runs is not None and done >= runs:
            return
        await anyio.sleep(max(0.0, interval - (anyio.current_time() - started)))


async def run_worker(settings: Settings, *, runs: int | None = None) -> int:
    """Sync every `settings.worker_interval_s` until SIGTERM/SIGINT (or `runs` runs); exit code."""
    settings.require_token()
    interval = settings.worker_interval_s
    log.info("worker started: a sync every %g s on %s", interval, _where(settings))
    async with App(settings) as app:
        with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async with anyio.create_task_group() as tg:

                async def stop_on_signal() -> None:
                    async for signum in signals:
                        log.info(
                            "%s received: stopping; what was synced is kept and the next "
                            "run completes the work",
                            signal.Signals(signum).name,
                        )
                        tg.cancel_scope.cancel()
                        return

                tg.start_soon(stop_on_signal)
                await _loop(app, interval, runs)
                tg.cancel_scope.cancel()
    log.info("worker stopped")
    return EXIT_STOPPED


def _where(settings: Settings) -> str:
    from testio.services.stats import describe_database

    return describe_database(settings.database_url)

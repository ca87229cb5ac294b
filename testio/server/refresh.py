"""Keeps the cache fresh while the server runs: a sync at start when the cache is old, then periodically."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from testio.app import App
from testio.errors import SyncInProgressError, TestioError

log = logging.getLogger("testio.refresh")


class BackgroundRefresh:
    """Runs `SyncService.sync` in the background every `refresh_interval_s`.

    An interval of 0, or `serve_sync` off (a shared cache that `testio worker` keeps fresh),
    disables it.
    """

    def __init__(self, app: App) -> None:
        self._app = app
        self._task: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        """Whether the server syncs itself, with an interval and an API client to do it."""
        settings = self._app.settings
        return (
            settings.serve_sync and settings.refresh_interval_s > 0 and self._app.client is not None
        )

    def start(self) -> None:
        """Start the loop (no-op when disabled or already started)."""
        if self.enabled and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="testio-refresh")

    async def stop(self) -> None:
        """Cancel the loop and wait for it; an interrupted sync keeps what it committed."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _last_success(self) -> datetime | None:
        async with self._app.stats() as stats:
            return await stats.last_successful_sync()

    async def _loop(self) -> None:
        interval = self._app.settings.refresh_interval_s
        while True:
            try:
                last = await self._last_success()
                now = self._app.clock()
                wait = 0.0 if last is None else interval - (now - last).total_seconds()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                log.info("background refresh: syncing")
                async with self._app.sync() as sync:
                    result = await sync.sync(trigger="background", wait=False)
                log.info("background refresh: %s", result.status)
            except SyncInProgressError:
                log.info("background refresh: another sync is running; trying again later")
            except TestioError as exc:
                log.warning("background refresh failed: %s", exc)
            except Exception:
                log.exception("background refresh crashed")
            await asyncio.sleep(min(interval, 60.0) if interval else 60.0)

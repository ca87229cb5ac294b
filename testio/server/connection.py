"""The app behind one MCP connection, opened just after start-up so the handshake is instant.

Opening the app imports SQLAlchemy and opens the cache, which takes a noticeable fraction of a
second; `tools/list` needs none of it. The app is opened by the first tool call, or shortly
after start-up by a background task (which then starts the background refresh), whichever
comes first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from testio.app import App
from testio.server.refresh import BackgroundRefresh

log = logging.getLogger("testio.server")

OPEN_DELAY_S = 0.2
CLOSE_WAIT_S = 5.0
"""How long closing waits for an opening in progress before cancelling it."""


class AppHandle:
    """Opens the app once, on demand; closes it and its background refresh at the end."""

    def __init__(self, factory: Callable[[], App], *, background_refresh: bool) -> None:
        self._factory = factory
        self._background_refresh = background_refresh
        self._app: App | None = None
        self._refresher: BackgroundRefresh | None = None
        self._lock = asyncio.Lock()
        self._opener: asyncio.Task[None] | None = None
        self._opening = False

    def start(self) -> None:
        """Open the app in the background shortly after start-up."""
        self._opener = asyncio.get_running_loop().create_task(self._open_soon(), name="testio-open")

    async def _open_soon(self) -> None:
        await asyncio.sleep(OPEN_DELAY_S)
        self._opening = True
        try:
            await self.get()
        except Exception:  # the first tool call reports it to the client as one sentence
            log.exception("opening the cache failed")

    async def get(self) -> App:
        """The open app (opening it now if needed)."""
        if self._app is not None:
            return self._app
        async with self._lock:
            if self._app is None:
                app = self._factory()
                await app.__aenter__()
                self._app = app
                if self._background_refresh:
                    self._refresher = BackgroundRefresh(app)
                    self._refresher.start()
        return self._app

    async def close(self) -> None:
        """Stop the opener and the refresh, then close the app."""
        opener, self._opener = self._opener, None
        if opener is not None:
            if self._opening:
                # Cancelled half-way, opening could leave a database connection behind.
                await asyncio.wait([opener], timeout=CLOSE_WAIT_S)
            opener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await opener
        refresher, self._refresher = self._refresher, None
        if refresher is not None:
            await refresher.stop()
        app, self._app = self._app, None
        if app is not None:
            await app.aclose()

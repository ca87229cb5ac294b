"""Sync progress on a terminal: one updating line on a TTY, plain lines otherwise."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from typing import TextIO

import attrs

from testio.domain.sync import SyncProgress

CLEAR_LINE = "\r\x1b[K"


@attrs.define
class _ProductState:
    name: str
    phase: str = ""
    pages: int = 0
    tests: int = 0
    new: int = 0
    batches_done: int = 0
    batches_total: int = 0
    bugs: int = 0


def _n(value: int) -> str:
    return f"{value:,}"


class SyncProgressDisplay:
    """Renders `SyncProgress` events for a person watching `testio sync`.

    On a TTY one status line is redrawn (at most every `interval` seconds, and on every
    phase change): products done, pages, tests and bug batches over all products. Anywhere
    else (a pipe, a log file) it prints one line per product phase change, so logs stay
    readable. Call `close()` before printing anything else.
    """

    def __init__(
        self,
        out: TextIO,
        *,
        tty: bool | None = None,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._out = out
        self._tty = out.isatty() if tty is None else tty
        self._interval = interval
        self._clock = clock
        self._products: dict[int, _ProductState] = {}
        self._total = 0
        self._done = 0
        self._last_draw = float("-inf")
        self._line_open = False

    def update(self, event: SyncProgress) -> None:
        """Take one progress event."""
        self._total = max(self._total, event.products_total)
        self._done = max(self._done, event.products_done)
        if event.product_id is None:
            self._status(event.message, force=True)
            return
        state = self._products.get(event.product_id)
        if state is None:
            state = _ProductState(name=event.product_name or f"Product {event.product_id}")
            self._products[event.product_id] = state
        changed = state.phase != event.phase
        state.phase = event.phase
        state.pages = event.pages_done
        state.tests = event.tests_seen
        state.new = event.tests_new
        state.batches_done = event.bug_batches_done
        state.batches_total = event.bug_batches_total
        state.bugs = event.bugs_written
        if self._tty:
            self._status(self._summary(), force=changed)
        elif changed:
            self._line(self._product_line(state))

    def close(self) -> None:
        """End the status line (TTY) so that the next output starts on a clean line."""
        if self._line_open:
            self._out.write(CLEAR_LINE)
            self._out.flush()
            self._line_open = False

    def _summary(self) -> str:
        states = self._products.values()
        batches_done = sum(s.batches_done for s in states)
        batches_total = sum(s.batches_total for s in states)
        return (
            f"Syncing: {self._done}/{self._total} products done · "
            f"{_n(sum(s.pages for s in states))} pages · "
            f"{_n(sum(s.tests for s in states))} tests ({_n(sum(s.new for s in states))} new) · "
            f"bug batches {_n(batches_done)}/{_n(batches_total)} · "
            f"{_n(sum(s.bugs for s in states))} bugs"
        )

    @staticmethod
    def _product_line(state: _ProductState) -> str:
        if state.phase == "tests":
            return f"{state.name}: reading tests…"
        if state.phase == "bugs":
            return (
                f"{state.name}: {_n(state.tests)} tests ({_n(state.new)} new) in "
                f"{_n(state.pages)} pages; fetching bugs…"
            )
        return (
            f"{state.name}: done, {_n(state.tests)} tests ({_n(state.new)} new), "
            f"{_n(state.bugs)} bugs in {_n(state.batches_done)} batches"
        )

    def _status(self, text: str, *, force: bool) -> None:
        if not self._tty:
            self._line(text)
            return
        now = self._clock()
        if not force and now - self._last_draw < self._interval:
            return
        self._last_draw = now
        width = shutil.get_terminal_size((100, 20)).columns
        self._out.write(CLEAR_LINE + text[: max(10, width - 1)])
        self._out.flush()
        self._line_open = True

    def _line(self, text: str) -> None:
        self.close()
        self._out.write(text + "\n")
        self._out.flush()

"""The client-wide pause after HTTP 429 (no I/O but the injected sleep).

TestIO rate-limits per client, not per request: when one request is told to wait, every
request waits until the latest `Retry-After` deadline, so the retries do not all come back
into the same limit.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable

from testio.client.retry import RetryPolicy


class RatePause:
    """No request is sent before the latest deadline a 429 set (plus a little jitter).

    `sleep` and `clock` are injected so tests can watch the waits instead of taking them.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], Awaitable[None]],
        rng: random.Random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._policy = policy
        self._sleep = sleep
        self._rng = rng
        self._clock = clock
        self.until = float("-inf")
        """The pause's deadline on `clock`; nothing is sent before it."""

    def __repr__(self) -> str:
        remaining = self.until - self._clock()
        return f"<RatePause {max(0.0, remaining):.1f} s left>"

    async def wait(self, waited_for: float) -> tuple[float, float]:
        """Wait out the pause, unless its deadline is the one already waited for.

        Returns the seconds waited and the deadline now waited for. Only a deadline later than
        `waited_for` is waited for, so a request never waits twice for the same pause.
        """
        waited = 0.0
        while self.until > waited_for:
            waited_for = self.until
            remaining = waited_for - self._clock()
            if remaining <= 0:
                break
            delay = remaining + self._policy.rate_limit_jitter(remaining, self._rng)
            await self._sleep(delay)
            waited += delay
        return waited, waited_for

    def extend(self, retry_after: float) -> tuple[float, float]:
        """Push the deadline to `retry_after` seconds (capped) from now.

        Returns how long the caller should wait (up to the deadline, plus jitter) and the
        deadline, which the caller then counts as waited for.
        """
        now = self._clock()
        self.until = max(self.until, now + self._policy.rate_limit_wait(retry_after))
        pause = self.until - now
        return pause + self._policy.rate_limit_jitter(pause, self._rng), self.until

"""When and how long the client waits before asking TestIO again, and when it stops (no I/O)."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import attrs

from testio.client.responses import status_error
from testio.errors import ApiUnreachableError, MalformedResponseError, RateLimitedError

DEFAULT_RETRY_AFTER_S = 30.0  # the API contract's default when Retry-After is absent or unreadable
MIN_RATE_LIMIT_CHARGE_S = 1.0
"""Each 429 costs a request at least this much of its rate-limit budget, so a server that
keeps answering 429 with `Retry-After: 0` still ends in `RateLimitedError`."""


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How often and how long to retry; `attempts` counts the first try too.

    A rate-limited request is not retried a number of times but for a time: it gives up once
    it has spent `rate_limit_budget` seconds waiting on 429s (its own or other requests').
    """

    attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    page_error_attempts: int = 2  # a poisoned test page fails every time: retry once, then shrink
    rate_limit_budget: float = 300.0  # seconds of rate-limit waiting one request may spend
    retry_after_cap: float = 60.0
    rate_limit_jitter_cap: float = 0.5

    def __attrs_post_init__(self) -> None:
        if self.attempts < 1 or self.page_error_attempts < 1 or self.rate_limit_budget < 0:
            raise ValueError("RetryPolicy needs at least one attempt and no negative budget.")
        if min(self.backoff_base, self.backoff_cap, self.retry_after_cap) < 0:
            raise ValueError("RetryPolicy delays must not be negative.")
        if self.rate_limit_jitter_cap < 0:
            raise ValueError("RetryPolicy delays must not be negative.")

    def backoff(self, failures: int, rng: random.Random) -> float:
        """Seconds to wait after the `failures`-th failure: base × 2^(n-1), capped, half jittered.

        Half the delay is fixed and half random, so clients that failed together do not come
        back together, yet each still waits at least half the nominal time.
        """
        nominal = min(self.backoff_cap, self.backoff_base * 2 ** max(0, failures - 1))
        return nominal / 2 + rng.uniform(0, nominal / 2)

    def rate_limit_wait(self, retry_after: float) -> float:
        """The wait actually taken for a 429 that asks for `retry_after` seconds."""
        return min(max(0.0, retry_after), self.retry_after_cap)

    def rate_limit_jitter(self, pause: float, rng: random.Random) -> float:
        """Extra seconds, at random, added to a rate-limit pause of `pause` seconds.

        Requests that waited for the same deadline then come back spread out instead of all
        at once. It is at most a quarter of the pause and `rate_limit_jitter_cap`, so a pause
        of 0 s stays 0 s.
        """
        return rng.uniform(0, min(self.rate_limit_jitter_cap, max(0.0, pause) / 4))


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP-date), else 30 s.

    A date in the past means 0 s. Anything unreadable falls back to the default, because a
    server that rate-limits without saying for how long still wants a pause.
    """
    text = (value or "").strip()
    if not text:
        return DEFAULT_RETRY_AFTER_S
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else DEFAULT_RETRY_AFTER_S
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return DEFAULT_RETRY_AFTER_S
    if moment.tzinfo is None:  # HTTP-dates are GMT
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


@attrs.define
class Tries:
    """One request's failures and rate-limit waiting; each method raises when it is time to stop.

    `request` is the redacted "GET path?query" used in messages, `path` the endpoint.
    """

    policy: RetryPolicy
    request: str
    path: str
    failures: int = 0
    rate_waited: float = 0.0
    waited_for: float = float("-inf")

    def dropped(self, reason: str, *, transient: bool, base_url: str) -> None:
        """The connection failed (`reason` already redacted)."""
        self.failures += 1
        if not transient or self.failures >= self.policy.attempts:
            raise ApiUnreachableError(
                f"Could not reach TestIO at {base_url} for {self.request} "
                f"({reason}; {self.failures} attempts); check the network and TESTIO_API_URL.",
                path=self.path,
            )

    def bad_body(self, status: int) -> None:
        """A 2xx answer whose body was not the expected JSON."""
        self.failures += 1
        if self.failures >= self.policy.attempts:
            raise MalformedResponseError(
                f"TestIO answered {self.request} with a body that is not the expected JSON "
                f"({self.failures} attempts); try again later.",
                status=status,
                path=self.path,
            )

    def server_error(self, status: int, *, limit: int) -> None:
        """A 5xx answer that may pass on a retry; `limit` tries in all."""
        self.failures += 1
        if self.failures >= limit:
            raise status_error(status, self.request, self.path, attempts=self.failures)

    def rate_limited(self, retry_after: float) -> None:
        """A 429: allowed while this request has waited less than the policy's budget."""
        if self.rate_waited >= self.policy.rate_limit_budget:
            raise RateLimitedError(
                f"TestIO kept rate-limiting {self.request} (HTTP 429 after "
                f"{self.rate_waited:.0f} s of waiting); try again in {retry_after:.0f} s.",
                retry_after=retry_after,
                path=self.path,
            )

    def charge(self, delay: float, *, per_429: bool = False) -> None:
        """Count `delay` seconds of rate-limit waiting; a 429's own wait costs at least
        `MIN_RATE_LIMIT_CHARGE_S`."""
        self.rate_waited += max(delay, MIN_RATE_LIMIT_CHARGE_S) if per_429 else delay

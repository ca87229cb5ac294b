"""Retry timing, the rate-limit pause, `Retry-After` parsing and redaction, without HTTP."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testio.client.ratelimit import RatePause
from testio.client.redaction import Redactor
from testio.client.retry import DEFAULT_RETRY_AFTER_S, RetryPolicy, Tries, parse_retry_after
from testio.errors import RateLimitedError

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("0", 0.0),
        ("12", 12.0),
        (" 3 ", 3.0),
        ("Sun, 01 Mar 2026 12:00:05 GMT", 5.0),
        ("Sun, 01 Mar 2026 11:59:00 GMT", 0.0),
        (None, DEFAULT_RETRY_AFTER_S),
        ("", DEFAULT_RETRY_AFTER_S),
        ("soon", DEFAULT_RETRY_AFTER_S),
        ("-4", DEFAULT_RETRY_AFTER_S),
        ("nan", DEFAULT_RETRY_AFTER_S),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(header: str | None, seconds: float) -> None:
    """Delta-seconds and HTTP-dates are honoured; past dates mean 0; anything else means 30 s."""
    assert parse_retry_after(header, now=NOW) == seconds


@given(st.text(max_size=40))
def test_retry_after_never_fails_and_never_goes_negative(header: str) -> None:
    """Whatever the header says, the answer is a finite, non-negative number of seconds."""
    seconds = parse_retry_after(header, now=NOW)
    assert 0.0 <= seconds < float("inf")


def test_backoff_is_capped() -> None:
    """However many failures, one wait never exceeds the cap."""
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=8.0)
    assert max(policy.backoff(n, random.Random(n)) for n in range(1, 40)) <= 8.0


def test_redactor_removes_the_secret_and_authorization_values() -> None:
    """Both the raw token and any `Authorization: Token …` value are replaced."""
    redact = Redactor("s3cr3t-token")
    text = redact("got s3cr3t-token; header Authorization: Token other-token-value")
    assert "s3cr3t-token" not in text
    assert "other-token-value" not in text
    assert "s3cr3t" not in repr(redact)


class _Clock:
    """A clock that moves only when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _pause(clock: _Clock) -> RatePause:
    policy = RetryPolicy(rate_limit_jitter_cap=0.0, retry_after_cap=60.0)
    return RatePause(policy, sleep=clock.sleep, rng=random.Random(1), clock=clock)


async def test_the_rate_pause_keeps_the_latest_deadline() -> None:
    """A shorter Retry-After never shortens a pause; a longer one extends it (capped)."""
    clock = _Clock()
    pause = _pause(clock)
    assert pause.extend(10) == (10.0, 110.0)
    assert pause.extend(3) == (10.0, 110.0)
    assert pause.extend(500) == (60.0, 160.0)


async def test_a_request_waits_once_per_deadline() -> None:
    """Waiting covers the rest of the pause, then the same deadline is not waited for again."""
    clock = _Clock()
    pause = _pause(clock)
    pause.extend(10)
    clock.now += 4
    waited, deadline = await pause.wait(float("-inf"))
    assert (waited, deadline) == (6.0, 110.0)
    assert await pause.wait(deadline) == (0.0, 110.0)
    assert clock.sleeps == [6.0]


def test_a_request_gives_up_on_rate_limits_only_after_its_budget() -> None:
    """Each 429 costs at least a second, so `Retry-After: 0` forever still ends."""
    tries = Tries(RetryPolicy(rate_limit_budget=3.0), "GET products", "products")
    for _ in range(3):
        tries.rate_limited(0.0)
        tries.charge(0.0, per_429=True)
    with pytest.raises(RateLimitedError):
        tries.rate_limited(0.0)

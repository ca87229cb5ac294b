"""Retry timing, `Retry-After` parsing and redaction as pure functions."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testio.redaction import Redactor
from testio.retry import DEFAULT_RETRY_AFTER_S, RetryPolicy, parse_retry_after

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

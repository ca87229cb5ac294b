"""Fixtures for the client tests."""

from __future__ import annotations

import functools

import pytest
from client_fakes import ClientFactory, RecordedSleep, build_client


@pytest.fixture
def sleep() -> RecordedSleep:
    """The client's sleep: records every wait instead of taking it."""
    return RecordedSleep()


@pytest.fixture
def make_client(sleep: RecordedSleep) -> ClientFactory:
    """`make_client(handler, **options)`: a client over a MockTransport that records its waits."""
    return functools.partial(build_client, sleep=sleep)

"""Fixtures: MCP clients of a server with triage writes allowed, and bugs waiting for triage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs
import pytest
from mcp import Client

from testio.lifecycle import EXECUTED_STATUSES
from tests.world import NOW, World

Connect = Callable[[], Client]
USER = "qa.lead@example.com"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@attrs.frozen
class Open:
    """Bugs of one executed test of one product, all forwarded (open) upstream."""

    product_id: int
    test_id: int
    bug_ids: tuple[int, ...]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["legacy", "auto"])
def connect(request: pytest.FixtureRequest, synced: World, clock: Clock) -> Connect:
    """An in-memory MCP client of a server with writes allowed (entered inside each test)."""
    mode = request.param
    return lambda: Client(synced.server(at=clock, allow_writes=True, user=USER), mode=mode)


@pytest.fixture
def legacy(synced: World, clock: Clock) -> Connect:
    """The same server, in the handshake era only (for the tests of many fault kinds)."""
    return lambda: Client(synced.server(at=clock, allow_writes=True, user=USER), mode="legacy")


@pytest.fixture
def open_bugs(synced: World) -> Open:
    """The executed test with the most forwarded bugs."""
    best: Open | None = None
    for product in synced.products():
        for test in product["tests"]:
            if test["poisoned"] or test["status"] not in EXECUTED_STATUSES:
                continue
            ids = tuple(b["id"] for b in test["bugs"] if b["status"] == "forwarded")
            if best is None or len(ids) > len(best.bug_ids):
                best = Open(product["id"], test["id"], ids)
    assert best is not None
    assert len(best.bug_ids) >= 4
    return best


def truth_bug(world: World, bug_id: int) -> dict[str, Any]:
    """A bug as the sandbox holds it now."""
    return next(
        b for p in world.products() for t in p["tests"] for b in t["bugs"] if b["id"] == bug_id
    )

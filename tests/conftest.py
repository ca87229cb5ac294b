"""Fixtures shared by every test directory: a sandbox world and a cache synced from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from testio.sandbox import SandboxConfig
from tests.world import NOW, World


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path, SandboxConfig(seed=1, size="small", now=NOW))


@pytest.fixture
async def synced(world: World) -> World:
    await world.sync()
    return world

"""Fixtures of the browser tests: the tools, and an HTML report of a synced sandbox product."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest

from testio.serialize import to_jsonable
from tests.rendering.browser import find_tool
from tests.server.test_tools import biggest
from tests.world import World


@pytest.fixture
def chromium() -> str:
    return find_tool("chromium", "chromium-browser", "google-chrome")


@attrs.frozen
class Written:
    """An HTML report file and the JSON form of the same report."""

    path: Path
    data: dict[str, Any]


@pytest.fixture
async def written(synced: World) -> Written:
    """The biggest product's report, written as HTML by the service, with all rows inline."""
    async with synced.app() as app, app.reports() as svc:
        report = await svc.generate_ebr_report(
            biggest(synced)["id"], output_file="ebr.html", max_rows=None
        )
    assert report.output_file is not None
    return Written(Path(report.output_file), to_jsonable(report))

"""The worked example of metrics.md, reproduced exactly through generate_ebr_report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from testio.sandbox import SandboxConfig, dataset_from_spec
from tests.mcp_calls import call
from tests.world import NOW, World

A = {"status": "accepted", "auto_accepted": False}
U = {"status": "accepted", "auto_accepted": True}
R = {"status": "rejected"}
O = {"status": "forwarded"}  # noqa: E741 - the bucket's letter in metrics.md

SPEC: dict[str, Any] = {
    "token": "worked-example",
    "products": [
        {
            "id": 10,
            "name": "Example Shop",
            "tests": [
                {
                    "id": 101,
                    "status": "archived",
                    "end_at": "2025-01-15T18:00:00+01:00",
                    "bugs": [A, A, U, R, {**R, "known": True}],
                },
                {
                    "id": 102,
                    "status": "locked",
                    "end_at": "2025-03-31T23:30:00Z",
                    "bugs": [A, O, O],
                },
                {
                    "id": 103,
                    "status": "archived",
                    "end_at": "2025-04-01T00:30:00+02:00",
                    "bugs": [U],
                },
                {"id": 104, "status": "customer_finalized", "end_at": None, "bugs": []},
            ],
        }
    ],
}


@pytest.fixture
async def example(tmp_path: Path) -> World:
    world = World(tmp_path, SandboxConfig(dataset=dataset_from_spec(SPEC), now=NOW))
    await world.sync()
    return world


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_first_quarter_reproduces_the_worked_example(example: World, mode: Any) -> None:
    async with Client(example.server(), mode=mode) as mcp:
        data = await call(
            mcp,
            "generate_ebr_report",
            {"product_id": 10, "start_date": "2025-01-01", "end_date": "2025-03-31"},
        )
    assert data["tests_in_scope"] == 3
    assert [t["id"] for t in data["tests"]] == [102, 103, 101]
    bugs = data["summary"]["bugs"]
    assert (bugs["total"], bugs["active_accepted"], bugs["auto_accepted"]) == (9, 3, 2)
    assert (bugs["rejected"], bugs["open"], bugs["other"], bugs["known"]) == (2, 2, 0, 1)
    assert data["summary"]["rates"] == {
        "active_acceptance_rate": 0.3333,
        "overall_acceptance_rate": 0.5556,
        "auto_acceptance_rate": 0.4,
        "rejection_rate": 0.2222,
        "review_rate": 0.5556,
    }
    assert data["summary"]["health"] == {
        "overall": "critical",
        "active_acceptance_rate": "warning",
        "auto_acceptance_rate": "critical",
        "rejection_rate": "warning",
        "review_rate": "critical",
    }
    row_103 = next(t for t in data["tests"] if t["id"] == 103)["quality"]
    assert row_103["bugs"]["total"] == 1
    assert row_103["rates"] == {
        "active_acceptance_rate": 0.0,
        "overall_acceptance_rate": 1.0,
        "auto_acceptance_rate": 1.0,
        "rejection_rate": 0.0,
        "review_rate": 0.0,
    }


async def test_april_has_nothing_in_scope_and_every_rate_is_null(example: World) -> None:
    async with Client(example.server(), mode="legacy") as mcp:
        data = await call(
            mcp,
            "generate_ebr_report",
            {"product_id": 10, "start_date": "2025-04-01", "end_date": "2025-04-30"},
        )
    assert data["tests_in_scope"] == 0
    assert data["summary"]["bugs"]["total"] == 0
    assert set(data["summary"]["rates"].values()) == {None}
    assert set(data["summary"]["health"].values()) == {"unknown"}


async def test_query_metrics_reproduces_the_worked_example_by_product_and_by_utc_month(
    example: World,
) -> None:
    """By product the first quarter is metrics.md's example; test 103 ends in March in UTC."""
    scope = {"start_date": "2025-01-01", "end_date": "2025-03-31"}
    async with Client(example.server(), mode="legacy") as mcp:
        by_product = await call(mcp, "query_metrics", {"group_by": ["product"], **scope})
        by_month = await call(
            mcp, "query_metrics", {"group_by": ["month"], "sort_by": "group", **scope}
        )
    [group] = by_product["groups"]
    assert (group["product_id"], group["tests"]) == (10, 3)
    bugs = group["quality"]["bugs"]
    assert (bugs["total"], bugs["active_accepted"], bugs["auto_accepted"]) == (9, 3, 2)
    assert (bugs["rejected"], bugs["open"], bugs["other"], bugs["known"]) == (2, 2, 0, 1)
    assert group["quality"]["rates"] == {
        "active_acceptance_rate": 0.3333,
        "overall_acceptance_rate": 0.5556,
        "auto_acceptance_rate": 0.4,
        "rejection_rate": 0.2222,
        "review_rate": 0.5556,
    }
    assert group["quality"]["health"]["overall"] == "critical"
    months = [(g["month"], g["tests"], g["quality"]["bugs"]["total"]) for g in by_month["groups"]]
    assert months == [("2025-01", 1, 5), ("2025-03", 2, 4)]

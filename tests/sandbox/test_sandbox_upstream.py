"""Upstream changes made through the Sandbox object show in later reads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from testio.sandbox import Sandbox
from testio.sandbox.clock import ANCHOR


async def test_added_test_appears_first_after_the_drafts_of_its_products_list(
    api: httpx.AsyncClient, sandbox: Sandbox, products: list[dict[str, Any]]
) -> None:
    product = products[1]

    test_id = sandbox.add_test(product["id"], bugs=4, end_at=ANCHOR + timedelta(days=30))

    listed = (
        await api.get(f"products/{product['id']}/exploratory_tests", params={"page": 1})
    ).json()
    dated = [t["id"] for t in listed["exploratory_tests"] if t["end_at"] is not None]
    assert dated[0] == test_id
    assert test_id > max(t["id"] for p in products for t in p["tests"])


async def test_added_test_with_a_status_keeps_it_and_serves_its_bugs(
    api: httpx.AsyncClient, sandbox: Sandbox, products: list[dict[str, Any]]
) -> None:
    test_id = sandbox.add_test(products[1]["id"], bugs=3, status="archived")

    test = (await api.get(f"exploratory_tests/{test_id}")).json()["exploratory_test"]
    bugs = (await api.get("bugs", params={"filter_test_cycle_ids": str(test_id)})).json()["bugs"]

    assert test["status"] == "archived"
    assert len(bugs) == 3


async def test_added_bugs_show_up_forwarded(
    api: httpx.AsyncClient, sandbox: Sandbox, products: list[dict[str, Any]]
) -> None:
    test = next(t for t in products[1]["tests"] if t["bugs"])

    new_ids = sandbox.add_bugs(test["id"], 2)

    bugs = (await api.get("bugs", params={"filter_test_cycle_ids": str(test["id"])})).json()["bugs"]
    added = [b for b in bugs if b["id"] in new_ids]
    assert len(bugs) == len(test["bugs"]) + 2
    assert [b["status"] for b in added] == ["forwarded", "forwarded"]


async def test_deleted_bug_disappears_from_reads(
    api: httpx.AsyncClient, sandbox: Sandbox, products: list[dict[str, Any]]
) -> None:
    test = next(t for t in products[1]["tests"] if t["bugs"])
    bug_id = test["bugs"][0]["id"]

    sandbox.delete_bug(bug_id)

    batch = (await api.get("bugs", params={"filter_test_cycle_ids": str(test["id"])})).json()[
        "bugs"
    ]
    single = await api.get(f"bugs/{bug_id}")
    assert bug_id not in {b["id"] for b in batch}
    assert single.status_code == 404

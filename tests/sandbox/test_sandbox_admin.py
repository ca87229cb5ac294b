"""The admin endpoints: request counters, ground truth export and the clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from testio.sandbox import Sandbox

Connect = Callable[..., httpx.AsyncClient]


async def test_counters_count_requests_per_endpoint(
    sandbox: Sandbox, connect: Connect, products: list[dict[str, Any]]
) -> None:
    async with connect(sandbox) as client, connect(sandbox, base="/_admin") as admin:
        await client.get("products")
        await client.get(f"products/{products[1]['id']}/exploratory_tests", params={"page": 1})
        await client.get(f"products/{products[1]['id']}/exploratory_tests", params={"page": 2})
        await client.get("bugs", params={"filter_test_cycle_ids": "1"})
        counters = (await admin.get("counters")).json()

    assert counters == {
        "GET /bugs": 1,
        "GET /products": 1,
        "GET /products/{pid}/exploratory_tests": 2,
    }


async def test_counters_include_failed_and_faulted_requests(
    sandbox: Sandbox, connect: Connect
) -> None:
    async with connect(sandbox, "bad-token") as client:
        await client.get("products")
        await client.get("nowhere")

    assert sandbox.counters() == {"GET (unmatched)": 1, "GET /products": 1}


async def test_counter_reset_starts_from_zero(sandbox: Sandbox, connect: Connect) -> None:
    async with connect(sandbox) as client, connect(sandbox, base="/_admin") as admin:
        await client.get("products")
        reset = await admin.post("counters/reset")
        await client.get("products/1")
        counters = (await admin.get("counters")).json()

    assert reset.json() == {}
    assert counters == {"GET /products/{pid}": 1}


async def test_ground_truth_export_has_the_documented_shape(
    sandbox: Sandbox, connect: Connect
) -> None:
    async with connect(sandbox, base="/_admin") as admin:
        truth = (await admin.get("ground-truth")).json()

    product = truth["accounts"][0]["products"][0]
    test = next(t for t in product["tests"] if t["bugs"])
    assert truth["now"] == "2026-11-20T09:00:00Z"
    assert {"token", "products"} <= set(truth["accounts"][0])
    assert {"id", "name", "type", "has_sections", "section_ids", "feature_ids", "tests"} <= set(
        product
    )
    assert {
        "id",
        "status",
        "testing_type",
        "start_at",
        "end_at",
        "section_id",
        "poisoned",
        "position",
        "bugs",
    } <= set(test)
    assert {
        "id",
        "severity",
        "status",
        "auto_accepted",
        "known",
        "fixed",
        "exported",
        "reject_reason",
    } <= set(test["bugs"][0])


async def test_ground_truth_matches_what_the_api_serves(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    product = products[1]
    tests = (
        await api.get(
            f"products/{product['id']}/exploratory_tests", params={"page": 1, "per_page": 100}
        )
    ).json()
    ids = ",".join(str(t["id"]) for t in product["tests"])
    bugs = (await api.get("bugs", params={"filter_test_cycle_ids": ids})).json()["bugs"]

    assert [(t["id"], t["status"]) for t in tests["exploratory_tests"]] == [
        (t["id"], t["status"]) for t in product["tests"]
    ]
    expected = {
        b["id"]: (b["status"], b["auto_accepted"], b["known"])
        for t in product["tests"]
        for b in t["bugs"]
    }
    assert {b["id"]: (b["status"], b["auto_accepted"], b["known"]) for b in bugs} == expected


async def test_putting_now_changes_the_statuses_reads_show(
    sandbox: Sandbox, connect: Connect, products: list[dict[str, Any]]
) -> None:
    running = next(t for p in products for t in p["tests"] if t["status"] == "running")

    async with connect(sandbox) as client, connect(sandbox, base="/_admin") as admin:
        put = await admin.put("now", json={"now": "2027-03-01T00:00:00+01:00"})
        status = (await client.get(f"exploratory_tests/{running['id']}")).json()[
            "exploratory_test"
        ]["status"]

    assert put.json() == {"now": "2027-02-28T23:00:00Z"}
    assert status == "archived"


async def test_putting_a_null_now_returns_to_the_real_clock(
    sandbox: Sandbox, connect: Connect
) -> None:
    async with connect(sandbox, base="/_admin") as admin:
        await admin.put("now", json={"now": None})
        shown = (await admin.get("now")).json()

    assert shown["now"] != "2026-11-20T09:00:00Z"


async def test_putting_a_naive_now_is_refused_with_400(sandbox: Sandbox, connect: Connect) -> None:
    async with connect(sandbox, base="/_admin") as admin:
        response = await admin.put("now", json={"now": "2027-03-01T00:00:00"})

    assert response.status_code == 400


async def test_admin_lists_the_tokens(sandbox: Sandbox, connect: Connect) -> None:
    async with connect(sandbox, base="/_admin") as admin:
        tokens = (await admin.get("tokens")).json()

    assert tokens == {"tokens": sandbox.tokens}

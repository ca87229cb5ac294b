"""The clock: test statuses, bug arrival and auto-acceptance follow the configurable "now"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from testio.sandbox import Sandbox, SandboxConfig, dataset_from_spec
from testio.sandbox.clock import ANCHOR

Connect = Callable[..., httpx.AsyncClient]


def _at(when: datetime) -> Sandbox:
    """Return a small sandbox pinned to an instant."""
    return Sandbox(SandboxConfig(now=when))


def _instant(text: str) -> datetime:
    """Parse a ground-truth timestamp."""
    return datetime.fromisoformat(text)


def _find(products: list[dict[str, Any]], status: str) -> dict[str, Any]:
    """Return the first test with a status in the anchor's ground truth."""
    return next(t for p in products for t in p["tests"] if t["status"] == status)


async def _status(sandbox: Sandbox, connect: Connect, test_id: int) -> str:
    """Read a test's status over the API."""
    async with connect(sandbox) as client:
        return (await client.get(f"exploratory_tests/{test_id}")).json()["exploratory_test"][
            "status"
        ]


async def test_running_test_is_locked_after_its_end(
    connect: Connect, products: list[dict[str, Any]]
) -> None:
    test = _find(products, "running")
    later = _instant(test["end_at"]) + timedelta(days=3)

    assert await _status(_at(ANCHOR), connect, test["id"]) == "running"
    assert await _status(_at(later), connect, test["id"]) == "locked"


async def test_locked_test_is_archived_six_weeks_after_its_end(
    connect: Connect, products: list[dict[str, Any]]
) -> None:
    test = _find(products, "locked")

    status = await _status(
        _at(_instant(test["end_at"]) + timedelta(weeks=6, hours=1)), connect, test["id"]
    )

    assert status == "archived"


async def test_waiting_test_starts_running_at_its_start(
    connect: Connect, products: list[dict[str, Any]]
) -> None:
    test = _find(products, "waiting")

    status = await _status(
        _at(_instant(test["start_at"]) + timedelta(minutes=1)), connect, test["id"]
    )

    assert status == "running"


async def test_customer_finalized_test_is_waiting_a_moment_before_its_start(
    connect: Connect, products: list[dict[str, Any]]
) -> None:
    test = _find(products, "customer_finalized")

    status = await _status(
        _at(_instant(test["start_at"]) - timedelta(minutes=1)), connect, test["id"]
    )

    assert status == "waiting"


def test_test_without_bugs_skips_locked_and_is_archived_at_its_end(
    products: list[dict[str, Any]],
) -> None:
    test = next(
        t
        for p in products
        for t in p["tests"]
        if t["status"] == "archived" and not t["bugs"] and t["end_at"]
    )

    truth = _at(_instant(test["end_at"]) + timedelta(seconds=1)).ground_truth()

    statuses = {t["id"]: t["status"] for p in truth["accounts"][0]["products"] for t in p["tests"]}
    assert statuses[test["id"]] == "archived"


def test_bugs_of_a_running_test_appear_as_they_are_reported(products: list[dict[str, Any]]) -> None:
    test = _find(products, "running")

    later = _at(_instant(test["end_at"]) + timedelta(hours=1)).ground_truth()

    after = next(
        t for p in later["accounts"][0]["products"] for t in p["tests"] if t["id"] == test["id"]
    )
    assert 0 < len(test["bugs"]) < len(after["bugs"])
    assert all(_instant(b["reported_at"]) <= ANCHOR for b in test["bugs"])


def test_forwarded_bugs_are_auto_accepted_ten_days_after_the_test_ends(
    products: list[dict[str, Any]],
) -> None:
    test = _find(products, "locked")
    forwarded = {b["id"] for b in test["bugs"] if b["status"] == "forwarded"}
    last = max([_instant(test["end_at"])] + [_instant(b["reported_at"]) for b in test["bugs"]])

    truth = _at(last + timedelta(days=10, minutes=1)).ground_truth()

    later = next(
        t for p in truth["accounts"][0]["products"] for t in p["tests"] if t["id"] == test["id"]
    )
    bugs = [b for b in later["bugs"] if b["id"] in forwarded]
    assert forwarded
    assert all(b["status"] != "forwarded" for b in bugs)
    assert any(b["status"] == "accepted" and b["auto_accepted"] for b in bugs)


def test_no_bug_is_auto_accepted_within_ten_days_of_the_test_end(
    products: list[dict[str, Any]],
) -> None:
    test = _find(products, "locked")

    truth = _at(_instant(test["end_at"]) + timedelta(days=9, hours=23)).ground_truth()

    later = next(
        t for p in truth["accounts"][0]["products"] for t in p["tests"] if t["id"] == test["id"]
    )
    assert later["bugs"]
    assert not any(b["auto_accepted"] for b in later["bugs"])


async def test_test_does_not_exist_before_it_was_created(
    connect: Connect, products: list[dict[str, Any]]
) -> None:
    test = _find(products, "waiting")
    earlier = _at(ANCHOR - timedelta(days=120))

    async with connect(earlier) as client:
        response = await client.get(f"exploratory_tests/{test['id']}")

    assert response.status_code == 404


async def test_list_single_read_and_ground_truth_agree_at_the_same_instant(
    connect: Connect, products: list[dict[str, Any]]
) -> None:
    sandbox = _at(ANCHOR + timedelta(days=4))
    product = products[1]
    truth = {
        t["id"]: t["status"] for t in sandbox.ground_truth()["accounts"][0]["products"][1]["tests"]
    }

    async with connect(sandbox) as client:
        listed = (
            await client.get(f"products/{product['id']}/exploratory_tests", params={"page": 1})
        ).json()
        singles = {
            i: (await client.get(f"exploratory_tests/{i}")).json()["exploratory_test"]["status"]
            for i in truth
        }

    assert {t["id"]: t["status"] for t in listed["exploratory_tests"]} == truth == singles


def test_two_instants_give_two_different_status_mixes(products: list[dict[str, Any]]) -> None:
    later = _at(ANCHOR + timedelta(days=60)).ground_truth()

    before = sorted(t["status"] for t in products[0]["tests"])
    after = sorted(t["status"] for t in later["accounts"][0]["products"][0]["tests"])
    assert before != after
    assert "running" not in after


def test_hand_built_statuses_ignore_the_clock() -> None:
    spec = {"products": [{"tests": [{"status": "running", "bugs": [{"status": "forwarded"}]}]}]}
    dataset = dataset_from_spec(spec)

    truth = Sandbox(SandboxConfig(now=ANCHOR + timedelta(days=900), dataset=dataset)).ground_truth()

    test = truth["accounts"][0]["products"][0]["tests"][0]
    assert test["status"] == "running"
    assert test["bugs"][0]["status"] == "forwarded"


def test_unpinned_clock_follows_the_real_clock() -> None:
    sandbox = Sandbox(SandboxConfig())

    assert abs(sandbox.now() - datetime.now(UTC)) < timedelta(seconds=5)

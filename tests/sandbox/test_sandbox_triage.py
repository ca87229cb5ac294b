"""Bug triage writes and their effect on later reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from testio.sandbox import Sandbox
from testio.sandbox.clock import ANCHOR
from testio.sandbox.reasons import DEFAULT_COMMENTS

Connect = Callable[..., httpx.AsyncClient]


def _bug(products: list[dict[str, Any]], status: str) -> dict[str, Any]:
    """Return the first bug with a status in the ground truth."""
    return next(b for p in products for t in p["tests"] for b in t["bugs"] if b["status"] == status)


async def _read(api: httpx.AsyncClient, bug_id: int) -> dict[str, Any]:
    """Read a bug back."""
    return (await api.get(f"bugs/{bug_id}")).json()["bug"]


async def test_accepting_a_forwarded_bug_shows_it_actively_accepted(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    bug = _bug(products, "forwarded")

    response = await api.put(f"bugs/{bug['id']}/accept")

    assert response.json()["bug"]["status"] == "accepted"
    after = await _read(api, bug["id"])
    assert (after["status"], after["auto_accepted"]) == ("accepted", False)


async def test_rejecting_a_bug_appends_the_comment_and_shows_it_rejected(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    bug = _bug(products, "forwarded")

    await api.put(
        f"bugs/{bug['id']}/reject", json={"reason": "known_bug", "comment": "Seen it before."}
    )

    after = await _read(api, bug["id"])
    assert after["status"] == "rejected"
    assert after["comments"][-1]["body"] == "Seen it before."


async def test_rejecting_with_an_empty_comment_writes_the_default_comment(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    bug = _bug(products, "forwarded")

    await api.put(f"bugs/{bug['id']}/reject", json={"reason": "not_reproducible", "comment": ""})

    after = await _read(api, bug["id"])
    assert after["comments"][-1]["body"] == DEFAULT_COMMENTS["not_reproducible"]


async def test_reject_reads_reason_and_comment_from_the_query_too(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    bug = _bug(products, "forwarded")

    response = await api.put(
        f"bugs/{bug['id']}/reject", params={"reason": "irrelevant", "comment": "No."}
    )

    assert response.status_code == 200
    assert response.json()["bug"]["status"] == "rejected"


@pytest.mark.parametrize(
    "body",
    [
        {"comment": "x"},
        {"reason": "known_bug"},
        {"reason": "nonsense", "comment": "x"},
        {"reason": "request_timeout", "comment": "x"},
    ],
)
async def test_reject_without_a_valid_reason_and_comment_is_answered_422(
    api: httpx.AsyncClient, products: list[dict[str, Any]], body: dict[str, str]
) -> None:
    bug = _bug(products, "forwarded")

    response = await api.put(f"bugs/{bug['id']}/reject", json=body)

    assert response.status_code == 422
    assert (await _read(api, bug["id"]))["status"] == "forwarded"


async def test_accepting_a_rejected_bug_is_answered_422(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    response = await api.put(f"bugs/{_bug(products, 'rejected')['id']}/accept")

    assert response.status_code == 422


async def test_rejecting_an_accepted_bug_is_answered_422(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    bug = _bug(products, "accepted")

    response = await api.put(
        f"bugs/{bug['id']}/reject", json={"reason": "known_bug", "comment": "x"}
    )

    assert response.status_code == 422


async def test_accepting_an_accepted_bug_changes_nothing(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    bug = next(
        b
        for p in products
        for t in p["tests"]
        for b in t["bugs"]
        if b["status"] == "accepted" and b["auto_accepted"]
    )

    response = await api.put(f"bugs/{bug['id']}/accept")

    assert response.status_code == 200
    assert response.json()["bug"]["auto_accepted"] is True


@pytest.mark.parametrize(
    ("action", "field"), [("mark_as_known", "known"), ("mark_as_fixed", "fixed")]
)
async def test_marking_a_bug_sets_its_flag(
    api: httpx.AsyncClient, products: list[dict[str, Any]], action: str, field: str
) -> None:
    bug = next(b for p in products for t in p["tests"] for b in t["bugs"] if not b[field])

    await api.put(f"bugs/{bug['id']}/{action}")

    assert (await _read(api, bug["id"]))[field] is True


async def test_marking_a_bug_exported_sets_exported_at_once(
    api: httpx.AsyncClient, sandbox: Sandbox, products: list[dict[str, Any]]
) -> None:
    bug = next(b for p in products for t in p["tests"] for b in t["bugs"] if not b["exported"])

    await api.put(f"bugs/{bug['id']}/mark_as_exported")
    sandbox.set_now(ANCHOR + timedelta(hours=1))
    await api.put(f"bugs/{bug['id']}/mark_as_exported")

    assert (await _read(api, bug["id"]))["exported_at"] == "2026-11-20T09:00:00Z"


async def test_triage_writes_show_in_bug_batches_and_ground_truth(
    api: httpx.AsyncClient, sandbox: Sandbox, products: list[dict[str, Any]]
) -> None:
    test = next(
        t
        for p in products
        for t in p["tests"]
        if any(b["status"] == "forwarded" for b in t["bugs"])
    )
    bug = next(b for b in test["bugs"] if b["status"] == "forwarded")

    await api.put(
        f"bugs/{bug['id']}/reject", json={"reason": "ignored_instructions", "comment": ""}
    )

    batch = (await api.get("bugs", params={"filter_test_cycle_ids": str(test["id"])})).json()[
        "bugs"
    ]
    truth = [
        b
        for p in sandbox.ground_truth()["accounts"][0]["products"]
        for t in p["tests"]
        for b in t["bugs"]
    ]
    assert next(b for b in batch if b["id"] == bug["id"])["status"] == "rejected"
    assert next(b for b in truth if b["id"] == bug["id"])["reject_reason"] == "ignored_instructions"


async def test_an_actively_accepted_bug_is_never_auto_accepted_later(
    api: httpx.AsyncClient, sandbox: Sandbox, products: list[dict[str, Any]]
) -> None:
    bug = _bug(products, "forwarded")
    await api.put(f"bugs/{bug['id']}/accept")

    sandbox.set_now(ANCHOR + timedelta(days=30))

    after = await _read(api, bug["id"])
    assert (after["status"], after["auto_accepted"]) == ("accepted", False)


async def test_triage_on_another_accounts_bug_is_answered_403(
    sandbox: Sandbox, connect: Connect, truth: dict[str, Any]
) -> None:
    bug = next(b for t in truth["accounts"][1]["products"][0]["tests"] for b in t["bugs"])

    async with connect(sandbox) as client:
        response = await client.put(f"bugs/{bug['id']}/accept")

    assert response.status_code == 403


async def test_triage_with_a_malformed_json_body_is_answered_400(
    api: httpx.AsyncClient, products: list[dict[str, Any]]
) -> None:
    bug = _bug(products, "forwarded")

    response = await api.put(
        f"bugs/{bug['id']}/reject",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 400

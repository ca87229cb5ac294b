"""Hand-built datasets: exact statuses, offsets and flags as written in the spec."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from testio.sandbox import Sandbox, SandboxConfig, dataset_from_spec
from testio.sandbox.clock import ANCHOR
from testio.sandbox.reasons import DEFAULT_COMMENTS

Connect = Callable[..., httpx.AsyncClient]

WORKED_EXAMPLE: dict[str, Any] = {
    "token": "worked-example",
    "products": [
        {
            "id": 7,
            "name": "Example",
            "tests": [
                {
                    "id": 101,
                    "status": "archived",
                    "end_at": "2025-01-15T18:00:00+01:00",
                    "bugs": [
                        {"status": "accepted"},
                        {"status": "accepted"},
                        {"status": "accepted", "auto_accepted": True},
                        {"status": "rejected", "reject_reason": "known_bug"},
                        {"status": "rejected", "known": True},
                    ],
                },
                {
                    "id": 102,
                    "status": "locked",
                    "end_at": "2025-03-31T23:30:00Z",
                    "bugs": [
                        {"status": "accepted"},
                        {"status": "forwarded"},
                        {"status": "forwarded"},
                    ],
                },
                {
                    "id": 103,
                    "status": "archived",
                    "end_at": "2025-04-01T00:30:00+02:00",
                    "bugs": [{"status": "accepted", "auto_accepted": True}],
                },
                {"id": 104, "status": "customer_finalized", "start_at": None, "end_at": None},
            ],
        }
    ],
}


def _sandbox(spec: dict[str, Any]) -> Sandbox:
    """Serve a hand-built dataset."""
    return Sandbox(SandboxConfig(now=ANCHOR, dataset=dataset_from_spec(spec)))


async def test_hand_built_tests_keep_their_statuses_and_offsets(connect: Connect) -> None:
    sandbox = _sandbox(WORKED_EXAMPLE)

    async with connect(sandbox) as client:
        tests = (await client.get("products/7/exploratory_tests", params={"page": 1})).json()[
            "exploratory_tests"
        ]

    assert [(t["id"], t["status"], t["end_at"]) for t in tests] == [
        (104, "customer_finalized", None),
        (102, "locked", "2025-03-31T23:30:00Z"),
        (103, "archived", "2025-04-01T00:30:00+02:00"),
        (101, "archived", "2025-01-15T18:00:00+01:00"),
    ]


async def test_hand_built_bugs_keep_their_statuses_and_flags(connect: Connect) -> None:
    sandbox = _sandbox(WORKED_EXAMPLE)

    async with connect(sandbox) as client:
        bugs = (await client.get("bugs", params={"filter_test_cycle_ids": "101"})).json()["bugs"]

    assert sorted((b["status"], b["auto_accepted"], b["known"]) for b in bugs) == [
        ("accepted", False, False),
        ("accepted", False, False),
        ("accepted", True, False),
        ("rejected", False, False),
        ("rejected", False, True),
    ]
    rejected = next(b for b in bugs if b["status"] == "rejected" and not b["known"])
    assert rejected["comments"][0]["body"] == DEFAULT_COMMENTS["known_bug"]


def test_bug_count_shorthand_builds_default_bugs() -> None:
    truth = _sandbox({"products": [{"tests": [{"bugs": 4}]}]}).ground_truth()

    bugs = truth["accounts"][0]["products"][0]["tests"][0]["bugs"]
    assert [b["status"] for b in bugs] == ["accepted"] * 4


def test_spec_accounts_get_their_own_tokens_and_ids() -> None:
    spec: dict[str, Any] = {
        "accounts": [
            {"token": "a", "products": [{"tests": [{}]}]},
            {"token": "b", "products": [{"tests": [{}]}]},
        ]
    }

    truth = _sandbox(spec).ground_truth()

    assert [a["token"] for a in truth["accounts"]] == ["a", "b"]
    first, second = (a["products"][0] for a in truth["accounts"])
    assert first["id"] != second["id"]
    assert first["tests"][0]["id"] != second["tests"][0]["id"]


def test_spec_sections_make_a_sectioned_product_and_hybrid_sections_the_variant() -> None:
    spec = {"products": [{"sections": ["Web", "Apps"]}, {"hybrid_sections": ["Apps"]}, {}]}

    products = _sandbox(spec).ground_truth()["accounts"][0]["products"]

    assert [(p["has_sections"], len(p["section_ids"])) for p in products] == [
        (True, 2),
        (True, 2),
        (False, 1),
    ]

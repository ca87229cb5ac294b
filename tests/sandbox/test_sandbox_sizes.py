"""Dataset sizes: medium looks like one real customer, large is big and still starts fast."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from testio.sandbox import Sandbox, SandboxConfig
from testio.sandbox.clock import ANCHOR

Connect = Callable[..., httpx.AsyncClient]


@pytest.fixture(scope="module")
def medium() -> dict[str, Any]:
    """Account 0 of the medium dataset at the anchor."""
    return Sandbox(SandboxConfig(size="medium", now=ANCHOR)).ground_truth()["accounts"][0]


def test_medium_account_has_six_products_about_730_tests_and_8000_bugs(
    medium: dict[str, Any],
) -> None:
    tests = [t for p in medium["products"] for t in p["tests"]]

    assert len(medium["products"]) == 6
    assert 700 <= len(tests) <= 760
    assert 7_000 <= sum(len(t["bugs"]) for t in tests) <= 9_500
    assert sum(len(p["feature_ids"]) for p in medium["products"]) >= 300


def test_medium_has_one_big_sectioned_product_with_two_poisoned_tests(
    medium: dict[str, Any],
) -> None:
    big = max(medium["products"], key=lambda p: len(p["tests"]))

    assert len(big["tests"]) >= 400
    assert len(big["section_ids"]) == 2
    assert sum(t["poisoned"] for t in big["tests"]) == 2
    assert big["story_count"] >= 1_500


def test_medium_bug_outcomes_follow_the_documented_mix(medium: dict[str, Any]) -> None:
    bugs = [b for p in medium["products"] for t in p["tests"] for b in t["bugs"]]

    rejected = sum(b["status"] == "rejected" for b in bugs) / len(bugs)
    auto = sum(b["auto_accepted"] for b in bugs) / len(bugs)
    assert 0.2 <= rejected <= 0.3
    assert 0.15 <= auto <= 0.25
    assert {b["severity"] for b in bugs} == {
        "low",
        "high",
        "critical",
        "visual",
        "content",
        "custom",
    }


async def test_large_dataset_holds_about_20000_tests_and_250000_bugs(connect: Connect) -> None:
    sandbox = Sandbox(SandboxConfig(size="large", now=ANCHOR))
    account = sandbox.dataset.accounts[0]
    tests = [t for t in sandbox.dataset.tests if t.product_id in account.product_ids]

    async with connect(sandbox) as client:
        page = await client.get(
            f"products/{account.product_ids[-1]}/exploratory_tests", params={"page": 1}
        )

    assert 19_000 <= len(tests) <= 21_000
    assert 220_000 <= sum(t.bug_count for t in tests) <= 280_000
    assert len(page.json()["exploratory_tests"]) == 25

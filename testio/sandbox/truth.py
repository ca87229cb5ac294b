"""The ground truth export: what each account holds at one instant, as plain JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from testio.sandbox.clock import utc_stamp
from testio.sandbox.config import SandboxConfig
from testio.sandbox.dataset import Dataset
from testio.sandbox.lifecycle import BugState, review_status
from testio.sandbox.records import BugCore, Product, TestFacts
from testio.sandbox.store import Store


class Sandbox(Protocol):
    """What the export reads of a sandbox (`testio.sandbox.sandbox.Sandbox` is one)."""

    config: SandboxConfig
    dataset: Dataset
    store: Store
    anchor: datetime
    tokens: list[str]

    def visible_tests(self, product: Product, now: datetime) -> list[TestFacts]: ...

    def status_of(self, test: TestFacts, now: datetime) -> str: ...

    def bug_rows(self, test: TestFacts, now: datetime) -> Sequence[tuple[BugCore, BugState]]: ...


def _test_truth(sandbox: Sandbox, test: TestFacts, position: int, now: datetime) -> dict[str, Any]:
    """Describe one test and its bugs."""
    bugs: list[dict[str, Any]] = []
    for core, state in sandbox.bug_rows(test, now):
        bugs.append(
            {
                "id": core.id,
                "severity": core.severity,
                "status": state.status,
                "auto_accepted": bool(state.auto_accepted) if state.status == "accepted" else False,
                "known": state.known,
                "fixed": state.fixed is True,
                "exported": state.exported_at is not None,
                "reject_reason": state.reject_reason if state.status == "rejected" else None,
                "reported_at": utc_stamp(core.reported_at),
            }
        )
    bugs.sort(key=lambda b: b["id"])
    return {
        "id": test.id,
        "title": test.title,
        "status": sandbox.status_of(test, now),
        "review_status": review_status(test, now),
        "testing_type": test.testing_type,
        "start_at": utc_stamp(test.start_at),
        "end_at": utc_stamp(test.end_at),
        "section_id": test.section_id,
        "poisoned": test.poisoned,
        "position": position,
        "bugs": bugs,
    }


def _product_truth(sandbox: Sandbox, product: Product, now: datetime) -> dict[str, Any]:
    """Describe one product with its tests in list order."""
    tests = sandbox.visible_tests(product, now)
    return {
        "id": product.id,
        "name": product.name,
        "type": product.type,
        "has_sections": product.has_sections,
        "section_ids": list(product.section_ids),
        "feature_ids": list(product.feature_ids),
        "story_count": sum(len(sandbox.dataset.features[f].story_ids) for f in product.feature_ids),
        "tests": [_test_truth(sandbox, test, position, now) for position, test in enumerate(tests)],
    }


def build_ground_truth(sandbox: Sandbox, now: datetime) -> dict[str, Any]:
    """Describe every account at `now`: products, tests in list order, bugs and their statuses."""
    accounts: list[dict[str, Any]] = []
    for account in sandbox.store.accounts:
        products = [sandbox.store.products[pid] for pid in account.product_ids]
        accounts.append(
            {
                "token": sandbox.tokens[account.index],
                "products": [_product_truth(sandbox, p, now) for p in products],
            }
        )
    return {
        "now": utc_stamp(now),
        "anchor": utc_stamp(sandbox.anchor),
        "seed": sandbox.config.seed,
        "size": sandbox.config.size if sandbox.config.dataset is None else None,
        "accounts": accounts,
    }

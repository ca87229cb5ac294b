"""Payload objects for cache tests, with defaults for everything a test does not care about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from testio.client.bug_payloads import Bug
from testio.client.payloads import Product, Section, Test, TestFeature

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def make_product(pid: int = 1, *, name: str | None = None, sections: int = 0) -> Product:
    """A product, with `sections` named sections."""
    secs = tuple(Section(id=pid * 100 + i, name=f"Section {i}") for i in range(sections))
    return Product(
        id=pid,
        name=name or f"Product {pid}",
        type="website",
        description=None,
        default_section_id=pid * 100,
        sections=secs,
        has_sections=bool(secs),
    )


def make_test(
    tid: int,
    *,
    product_id: int = 1,
    status: str = "archived",
    end_at: datetime | None = T0,
    testing_type: str | None = "coverage",
    **changes: Any,
) -> Test:
    """A test of a product."""
    values: dict[str, Any] = {
        "id": tid,
        "product_id": product_id,
        "title": f"Test {tid}",
        "status": status,
        "review_status": "review_successful",
        "testing_type": testing_type,
        "start_at": None if end_at is None else end_at - timedelta(hours=24),
        "end_at": end_at,
        "section_id": None,
        "environment_id": 7,
        "environment_title": "Production",
        "created_by": "Ada",
        "goal": "Find bugs",
        "features": (TestFeature(id=tid * 10, feature_id=500, title="Checkout"),),
    }
    values.update(changes)
    return Test(**values)


def make_bug(
    bid: int,
    *,
    test_id: int,
    status: str = "accepted",
    auto_accepted: bool | None = False,
    known: bool = False,
    severity: str = "high",
    reported_at: datetime | None = T0,
) -> Bug:
    """A bug of a test."""
    return Bug(
        id=bid,
        test_id=test_id,
        title=f"Bug {bid}",
        severity=severity,
        status=status,
        auto_accepted=auto_accepted,
        known=known,
        fixed=None,
        exported_at=None,
        reported_at=reported_at,
        author="Tester",
        reject_reason=None,
        feature_id=500,
        location=None,
    )

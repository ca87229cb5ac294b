"""The sandbox's ground truth as typed values, and the fewest requests a full sync can make."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Final, cast

import attrs

BUG_BUDGET: Final = 600
"""Bugs one `GET bugs` carries before the sandbox answers 524 (its default `bug_batch_budget`)."""

MAX_IDS: Final = 40
"""Test ids one `GET bugs` may name (the sandbox's default `bug_batch_max_ids`)."""

PAGE_ERROR_ATTEMPTS: Final = 2
"""Tries of a test page failing with 500 before it is read in smaller pages (retry once)."""

SHRINK_SIZES: Final = (10, 5, 2, 1)
"""The smaller page sizes a poisoned window is read with, in turn (the documented recovery)."""


@attrs.frozen
class TruthTest:
    """One test as the ground truth has it; `offset` is its place in the list (0 = newest)."""

    id: int
    status: str
    end_at: datetime | None
    poisoned: bool
    offset: int
    bugs: int


@attrs.frozen
class TruthProduct:
    """One product with its tests in list order."""

    id: int
    name: str
    has_sections: bool
    section_ids: tuple[int, ...]
    tests: tuple[TruthTest, ...]

    @property
    def bugs(self) -> int:
        """Bugs of all its tests."""
        return sum(t.bugs for t in self.tests)

    @property
    def feature_calls(self) -> int:
        """Feature requests a sync needs: one per section, or one for a product without them."""
        return len(self.section_ids) if self.has_sections else 1

    @property
    def newest_end(self) -> datetime | None:
        """The latest end date of its tests."""
        ends = [t.end_at for t in self.tests if t.end_at is not None]
        return max(ends) if ends else None


@attrs.frozen
class Account:
    """One account's products, as `GET /_admin/ground-truth` lists them."""

    products: tuple[TruthProduct, ...]

    @classmethod
    def from_truth(cls, truth: dict[str, Any], index: int = 0) -> Account:
        """Read account `index` out of the ground-truth JSON."""
        account = cast(dict[str, Any], truth["accounts"][index])
        return cls(tuple(_product(p) for p in cast(list[dict[str, Any]], account["products"])))

    @property
    def tests(self) -> int:
        """Tests of all products."""
        return sum(len(p.tests) for p in self.products)

    @property
    def bugs(self) -> int:
        """Bugs of all products."""
        return sum(p.bugs for p in self.products)

    def biggest_product(self) -> TruthProduct:
        """The product with the most bugs (ties: the most tests)."""
        return max(self.products, key=lambda p: (p.bugs, len(p.tests)))

    def archived_test_with_bugs(self) -> TruthTest:
        """An archived, readable test of the biggest product with the most bugs."""
        candidates = [
            t
            for t in self.biggest_product().tests
            if t.status == "archived" and t.bugs > 0 and not t.poisoned
        ]
        if not candidates:
            raise RuntimeError("The sandbox lists no archived test with bugs.")
        return max(candidates, key=lambda t: t.bugs)


def _product(raw: dict[str, Any]) -> TruthProduct:
    tests = cast(list[dict[str, Any]], raw["tests"])
    return TruthProduct(
        id=int(raw["id"]),
        name=str(raw["name"]),
        has_sections=bool(raw["has_sections"]),
        section_ids=tuple(int(s) for s in cast(list[int], raw["section_ids"])),
        tests=tuple(_test(t, offset) for offset, t in enumerate(tests)),
    )


def _test(raw: dict[str, Any], offset: int) -> TruthTest:
    end = raw.get("end_at")
    return TruthTest(
        id=int(raw["id"]),
        status=str(raw["status"]),
        end_at=datetime.fromisoformat(str(end)) if end else None,
        poisoned=bool(raw["poisoned"]),
        offset=offset,
        bugs=len(cast(list[object], raw["bugs"])),
    )


def one_year_to(end: datetime) -> tuple[str, str]:
    """The `start_date`/`end_date` pair of the year ending on this day (both ends included)."""
    return (end - timedelta(days=364)).date().isoformat(), end.date().isoformat()


@attrs.frozen
class RequestBound:
    """The fewest requests a full sync of one account needs, by kind of request."""

    products: int
    features: int
    user_stories: int
    test_pages: int
    poisoned_windows: int
    recovery: int
    bug_batches: int

    @property
    def total(self) -> int:
        """The whole bound."""
        return (
            self.products
            + self.features
            + self.user_stories
            + self.test_pages
            + self.recovery
            + self.bug_batches
        )

    def describe(self) -> str:
        """One line naming each part."""
        return (
            f"bound {self.total} = {self.products} product list + {self.features} feature "
            f"+ {self.user_stories} user-story + {self.test_pages} test pages + {self.recovery} recovering "
            f"{self.poisoned_windows} poisoned windows + {self.bug_batches} bug batches"
        )


def request_bound(account: Account, page_size: int) -> RequestBound:
    """The bound: 1 + feature calls + as many user-story calls + test pages + bug batches,
    plus recovery (user stories are read per section like features).

    A list of n tests takes n // page_size + 1 pages: the last page is the short one that
    shows the list ended, an empty one when n is a multiple of the page size. Bug batches are
    as full as the API tolerates: by ids (`MAX_IDS`) and by bugs (`BUG_BUDGET`).
    """
    pages = sum(len(p.tests) // page_size + 1 for p in account.products)
    windows = 0
    recovery = 0
    for product in account.products:
        poisoned = {t.offset for t in product.tests if t.poisoned}
        for start in sorted({o - o % page_size for o in poisoned}):
            windows += 1
            recovery += window_recovery(start, start + page_size, len(product.tests), poisoned)
    batches = max(math.ceil(account.tests / MAX_IDS), math.ceil(account.bugs / BUG_BUDGET))
    return RequestBound(
        products=1,
        features=sum(p.feature_calls for p in account.products),
        user_stories=sum(p.feature_calls for p in account.products),
        test_pages=pages,
        poisoned_windows=windows,
        recovery=recovery,
        bug_batches=batches,
    )


def window_recovery(lo: int, hi: int, length: int, poisoned: Iterable[int]) -> int:
    """Requests beyond the one page for a window of the list holding a poisoned test.

    The page fails `PAGE_ERROR_ATTEMPTS` times, then is read in pages of `SHRINK_SIZES`; a
    smaller page that fails is tried as often and read smaller again, down to single tests.
    Reading stops once a short page has shown where the list ends.
    """
    end = _ListEnd()
    return PAGE_ERROR_ATTEMPTS - 1 + _shrink(lo, hi, hi - lo, length, frozenset(poisoned), end)


@attrs.define
class _ListEnd:
    """Where the list ends, once a short page has shown it."""

    at: int | None = None


def _shrink(lo: int, hi: int, size: int, length: int, bad: frozenset[int], end: _ListEnd) -> int:
    smaller = next((s for s in SHRINK_SIZES if s < size), None)
    if smaller is None:
        return 0
    requests = 0
    for index in range(lo // smaller, (hi - 1) // smaller + 1):
        first = index * smaller
        sub_lo, sub_hi = max(lo, first), min(hi, first + smaller)
        if end.at is not None and sub_lo >= end.at:
            break
        if any(o in bad for o in range(first, min(first + smaller, length))):
            requests += PAGE_ERROR_ATTEMPTS
            requests += _shrink(sub_lo, sub_hi, smaller, length, bad, end)
            continue
        requests += 1
        if first + smaller > length:
            end.at = length
            break
    return requests


def endpoint_groups(counters: dict[str, int]) -> dict[str, int]:
    """Counters folded into the kinds of the bound: products, features, test pages, bugs."""
    groups = {
        "products": 0,
        "features": 0,
        "user stories": 0,
        "test pages": 0,
        "bugs": 0,
        "other": 0,
    }
    for endpoint, count in counters.items():
        groups[_group(endpoint)] += count
    return groups


def _group(endpoint: str) -> str:
    if endpoint == "GET /products":
        return "products"
    if endpoint.endswith("/features"):
        return "features"
    if endpoint.endswith("/user_stories"):
        return "user stories"
    if endpoint.endswith("/exploratory_tests"):
        return "test pages"
    if endpoint == "GET /bugs":
        return "bugs"
    return "other"


def describe_counters(counters: dict[str, int]) -> str:
    """`GET /bugs 27, GET /products 1, ...`, busiest first."""
    items = sorted(counters.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{name} {count}" for name, count in items if count)

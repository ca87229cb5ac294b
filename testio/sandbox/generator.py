"""The deterministic dataset generator: same seed and size, same data, byte for byte."""

from __future__ import annotations

import hashlib
from random import Random

import attrs

from testio.sandbox import vocabulary as words
from testio.sandbox.catalogue import (
    CatalogueIds,
    Layout,
    ProductCatalogue,
    build_people,
    build_product,
)
from testio.sandbox.clock import ANCHOR
from testio.sandbox.config import Size
from testio.sandbox.dataset import Dataset
from testio.sandbox.records import Account, Product, TestFacts
from testio.sandbox.schedule import TestDraft, draft_tests
from testio.sandbox.sequence import IdSequence


@attrs.frozen
class ProductPlan:
    """How big one generated product is and where its poisoned tests sit."""

    tests: int
    layout: Layout
    features: int
    stories_per_feature: float
    span_days: int
    poison_at: tuple[int, ...] = ()
    showcase: bool = False
    bug_scale: float = 1.0


def _large_account() -> tuple[ProductPlan, ...]:
    """Plan the big account of the large size: about 20,000 tests over 20 products."""
    layouts: tuple[Layout, ...] = ("legacy", "sections", "legacy", "hybrid")
    rest = tuple(
        ProductPlan(950, layouts[i % 4], 40, 3.0, 1000, (104, 311), bug_scale=1.12)
        for i in range(19)
    )
    return (ProductPlan(2000, "sections", 300, 5.7, 1100, (104, 311), True, 1.12), *rest)


PLANS: dict[Size, tuple[tuple[ProductPlan, ...], ...]] = {
    "small": (
        (
            ProductPlan(18, "sections", 24, 2.0, 300, (9,), True),
            ProductPlan(14, "legacy", 10, 2.0, 300),
            ProductPlan(6, "hybrid", 6, 1.5, 200),
        ),
        (ProductPlan(5, "legacy", 5, 1.5, 200),),
    ),
    "medium": (
        (
            ProductPlan(430, "sections", 290, 5.9, 1100, (104, 311), True),
            ProductPlan(120, "legacy", 28, 1.9, 900, (57,)),
            ProductPlan(60, "hybrid", 20, 2.0, 700),
            ProductPlan(50, "legacy", 12, 2.0, 600),
            ProductPlan(40, "sections", 8, 1.1, 500),
            ProductPlan(30, "legacy", 10, 2.0, 400),
        ),
        (ProductPlan(25, "legacy", 12, 2.0, 500), ProductPlan(15, "sections", 6, 2.0, 300)),
        (ProductPlan(10, "legacy", 5, 2.0, 300),),
    ),
    "large": (
        _large_account(),
        (ProductPlan(150, "legacy", 20, 2.0, 600), ProductPlan(150, "sections", 20, 2.0, 600)),
        (ProductPlan(100, "legacy", 15, 2.0, 500),),
    ),
}


def demo_token(seed: int, account: int) -> str:
    """Return the fixed demo token of an account for a seed."""
    digest = hashlib.sha256(f"testio-sandbox/{seed}/{account}".encode()).hexdigest()
    return f"sbx_{digest[:32]}"


def stream(seed: int, purpose: int) -> Random:
    """Return an independent random stream for one purpose of one seed."""
    return Random(seed * 1_000_003 + purpose * 7_919)


def generate_dataset(seed: int, size: Size) -> Dataset:
    """Generate the dataset of a seed and size."""
    plans = PLANS[size]
    rng = stream(seed, 1)
    ids = CatalogueIds.start(stream(seed, 2))
    slots = [
        (account, index) for account, products in enumerate(plans) for index in range(len(products))
    ]
    order = slots[:1] + rng.sample(slots[1:], len(slots) - 1)
    names = rng.sample(words.PRODUCT_NAMES, len(slots))
    catalogues: dict[tuple[int, int], ProductCatalogue] = {}
    product_id = 598
    for (account, index), name in zip(order, names, strict=True):
        plan = plans[account][index]
        catalogues[(account, index)] = build_product(
            rng,
            ids,
            product_id=product_id,
            account=account,
            name=name,
            layout=plan.layout,
            feature_count=plan.features,
            stories_per_feature=plan.stories_per_feature,
        )
        product_id += rng.randint(300, 1100)
    features = {f.id: f for c in catalogues.values() for f in c.features}
    drafts: list[TestDraft] = []
    for slot, catalogue in catalogues.items():
        plan = plans[slot[0]][slot[1]]
        product_rng = stream(seed, 100 + catalogue.product.id)
        made = draft_tests(
            product_rng,
            ANCHOR,
            catalogue.product,
            features,
            plan.tests,
            plan.span_days,
            plan.showcase,
            plan.bug_scale,
        )
        drafts.extend(made)
    _assign_ids(stream(seed, 3), drafts)
    for slot, catalogue in catalogues.items():
        plan = plans[slot[0]][slot[1]]
        _poison(catalogue.product, drafts, plan.poison_at)
    accounts = _accounts(seed, plans, catalogues)
    return Dataset(
        accounts=accounts,
        products={
            c.product.id: c.product for c in sorted(catalogues.values(), key=lambda c: c.product.id)
        },
        features=features,
        stories={s.id: s for c in catalogues.values() for s in c.stories},
        environments={e.id: e for c in catalogues.values() for e in c.environments},
        tests=tuple(_facts(d) for d in sorted(drafts, key=lambda d: d.id)),
        seed=seed,
        anchor=ANCHOR,
        generated=True,
    )


def _accounts(
    seed: int,
    plans: tuple[tuple[ProductPlan, ...], ...],
    catalogues: dict[tuple[int, int], ProductCatalogue],
) -> tuple[Account, ...]:
    """Build the accounts with their tokens and people."""
    people_rng = stream(seed, 4)
    accounts: list[Account] = []
    for account, products in enumerate(plans):
        tests = sum(p.tests for p in products)
        testers, customers = build_people(
            people_rng, max(8, min(60, 10 + tests // 20)), people_rng.randint(2, 6)
        )
        product_ids = sorted(catalogues[(account, i)].product.id for i in range(len(products)))
        accounts.append(
            Account(account, demo_token(seed, account), tuple(product_ids), testers, customers)
        )
    return tuple(accounts)


def _assign_ids(rng: Random, drafts: list[TestDraft]) -> None:
    """Number tests by creation time, then test features, then bugs by start time."""
    order = sorted(drafts, key=lambda d: (d.created_at, d.product.id, d.title))
    tests = IdSequence(90_000, rng, max(1, 60_000 // max(1, len(drafts))))
    test_features = IdSequence(1_040_000, rng, 3)
    for draft in order:
        draft.id = tests.take()
        draft.test_feature_id_start = test_features.take(len(draft.feature_ids))
    bugs = IdSequence(2_000_000, rng, 6)
    with_bugs = sorted(
        (d for d in drafts if d.bug_count and d.start_at), key=lambda d: (d.start_at, d.id)
    )
    for draft in with_bugs:
        draft.bug_id_start = bugs.take(draft.bug_count)


def _poison(product: Product, drafts: list[TestDraft], positions: tuple[int, ...]) -> None:
    """Poison the plain tests at (or just after) the planned list positions."""
    mine = sorted((d for d in drafts if d.product.id == product.id), key=_list_order)
    for position in positions:
        for draft in mine[position:]:
            if not draft.special and draft.kind == "past":
                draft.poisoned = True
                break


def _list_order(draft: TestDraft) -> tuple[int, float, int]:
    """Sort key of the test list: end_at descending with drafts first, then id descending."""
    if draft.end_at is None:
        return (0, 0.0, -draft.id)
    return (1, -draft.end_at.timestamp(), -draft.id)


def _facts(draft: TestDraft) -> TestFacts:
    """Freeze a draft into the test's facts."""
    return TestFacts(
        id=draft.id,
        product_id=draft.product.id,
        section_id=draft.section_id,
        title=draft.title,
        testing_type=draft.testing_type,
        start_at=draft.start_at,
        end_at=draft.end_at,
        stamp_style=draft.stamp_style,
        created_at=draft.created_at,
        finalized_at=draft.finalized_at,
        approved_at=draft.approved_at,
        archive_at=draft.archive_at,
        fixed_status=draft.fixed_status,
        fixed_review_status=draft.fixed_review_status,
        failed_review_at=draft.failed_review_at,
        poisoned=draft.poisoned,
        feature_ids=draft.feature_ids,
        test_feature_id_start=draft.test_feature_id_start,
        environment_id=draft.environment_id,
        accessibility=draft.accessibility,
        bug_id_start=draft.bug_id_start,
        bug_count=draft.bug_count,
        clocked=True,
    )

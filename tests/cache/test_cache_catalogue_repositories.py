"""Products, features and whole-cache counts."""

from __future__ import annotations

from datetime import timedelta

from cache_builders import T0, make_bug, make_product, make_test
from sqlalchemy.ext.asyncio import AsyncSession

from testio.cache.models import SCHEMA_VERSION
from testio.client.payloads import Feature
from testio.repositories import Repositories


def _feature(fid: int, title: str = "F") -> Feature:
    return Feature(id=fid, title=title, description=None, howtofind=None, user_stories=("s",))


async def test_products_are_listed_with_test_and_bug_counts(session: AsyncSession) -> None:
    """Each product comes with its test count, bug count and newest test end."""
    repos = Repositories.on(session)
    await repos.products.upsert([make_product(1), make_product(2)], listed_at=T0)
    await repos.tests.upsert(
        [make_test(10, end_at=T0), make_test(11, end_at=T0 + timedelta(days=2))], synced_at=T0
    )
    await repos.bugs.upsert([make_bug(1, test_id=10)], product_of={10: 1}, synced_at=T0)
    listings = await repos.products.list_with_counts()
    summary = [(p.product.id, p.test_count, p.bug_count, p.last_test_end_at) for p in listings]
    assert summary == [(1, 2, 1, T0 + timedelta(days=2)), (2, 0, 0, None)]


async def test_product_sections_are_stored_with_the_product(session: AsyncSession) -> None:
    """Sections round-trip as id/name pairs, with the has_sections flag."""
    repos = Repositories.on(session)
    await repos.products.upsert([make_product(1, sections=2)], listed_at=T0)
    stored = await repos.products.get(1)
    assert stored is not None
    assert stored.has_sections
    assert stored.sections == [
        {"id": 100, "name": "Section 0"},
        {"id": 101, "name": "Section 1"},
    ]


async def test_product_freshness_marks_are_recorded(session: AsyncSession) -> None:
    """Features, test discovery and the whole product each keep their own time."""
    repos = Repositories.on(session)
    await repos.products.upsert([make_product(1)], listed_at=T0)
    await repos.products.mark_features_synced(1, T0)
    await repos.products.mark_tests_discovered(1, sync_id=7, at=T0 + timedelta(seconds=1))
    await repos.products.mark_synced(1, T0 + timedelta(seconds=2))
    stored = await repos.products.get(1)
    assert stored is not None
    await session.refresh(stored)
    assert (stored.features_synced_at, stored.tests_sync_id) == (T0, 7)
    assert stored.synced_at == T0 + timedelta(seconds=2)


async def test_replacing_features_drops_those_no_longer_listed(session: AsyncSession) -> None:
    """The product's catalogue becomes exactly the new list, with section ids."""
    repos = Repositories.on(session)
    await repos.features.replace_for_product(
        1, [(_feature(1), (100,)), (_feature(2), (100,))], synced_at=T0
    )
    removed = await repos.features.replace_for_product(
        1, [(_feature(2, "G"), (101, 100))], synced_at=T0
    )
    features = await repos.features.list_for_product(1)
    assert removed == 1
    assert [(f.id, f.title, f.section_ids) for f in features] == [(2, "G", [100, 101])]


async def test_cache_counts_cover_every_table(session: AsyncSession) -> None:
    """Row counts, the span of test end dates and per-product numbers in one call."""
    repos = Repositories.on(session)
    await repos.products.upsert([make_product(1), make_product(2)], listed_at=T0)
    await repos.features.replace_for_product(1, [(_feature(1), ())], synced_at=T0)
    await repos.tests.upsert(
        [
            make_test(10, end_at=T0),
            make_test(11, end_at=T0 + timedelta(days=3)),
            make_test(12, product_id=2, end_at=None),
        ],
        synced_at=T0,
    )
    await repos.bugs.upsert(
        [make_bug(1, test_id=10), make_bug(2, test_id=12)],
        product_of={10: 1, 12: 2},
        synced_at=T0,
    )
    counts = await repos.stats.cache_counts()
    assert (counts.products, counts.features, counts.tests, counts.bugs) == (2, 1, 3, 2)
    assert (counts.oldest_test_end_at, counts.newest_test_end_at) == (
        T0,
        T0 + timedelta(days=3),
    )
    assert [(p.id, p.tests, p.bugs) for p in counts.per_product] == [(1, 2, 1), (2, 1, 1)]
    assert counts.schema_version == SCHEMA_VERSION

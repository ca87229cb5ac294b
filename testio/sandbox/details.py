"""The descriptive parts of a test, generated lazily from the seed and the test id."""

from __future__ import annotations

from collections.abc import Mapping
from random import Random
from typing import Any

import attrs

from testio.sandbox import vocabulary as words
from testio.sandbox.devices import ALL_PLATFORMS, COMMON_PLATFORMS, PLAYSTATION_5, TV, Platform
from testio.sandbox.records import Feature, Product, TestFacts, UserStory

ACCESSIBILITY_CONFIGURATION: dict[str, Any] = {
    "id": 48,
    "title": "Accessibility Report Configuration",
    "keys": [{"value": key, "label": label} for key, label in words.ACCESSIBILITY_ITEMS],
}


def detail_rng(seed: int, test_id: int, purpose: int) -> Random:
    """Return the random stream of one purpose for one test."""
    return Random(seed * 1_000_003 + test_id * 31 + purpose)


def test_platforms(seed: int, test: TestFacts, product: Product) -> tuple[Platform, ...]:
    """Return the platforms a test requires (1-6, plus TV or console for such products)."""
    rng = detail_rng(seed, test.id, 23)
    chosen = rng.sample(COMMON_PLATFORMS, rng.randint(1, 6))
    if product.type == "streaming_app":
        chosen.append(TV)
    elif product.type == "gaming":
        chosen.append(PLAYSTATION_5)
    return tuple(sorted(chosen, key=ALL_PLATFORMS.index))


@attrs.frozen
class TestDetail:
    """The fields of a test that neither the clock nor triage ever change."""

    goal: tuple[str | None, str | None]
    out_of_scope: tuple[str | None, str | None]
    instructions: tuple[str | None, str | None]
    report_language: str
    enable_low: bool
    enable_high: bool
    enable_critical: bool
    allow_device_clouds: bool
    created_by: str | None
    submitted_by: str | None
    allowed_bug_types: tuple[str, ...]
    demo: bool
    requirements: tuple[dict[str, Any], ...]
    attachments: tuple[dict[str, Any], ...]
    features: tuple[dict[str, Any], ...]


def _pair(
    rng: Random, options: tuple[tuple[str, str], ...], **names: str
) -> tuple[str | None, str | None]:
    """Draw a rich-text and plain-text pair, or a pair of nulls."""
    if rng.random() < 0.2:
        return None, None
    rich, plain = rng.choice(options)
    return rich.format(**names), plain.format(**names)


def test_feature_snapshot(
    rng: Random, test: TestFacts, index: int, feature: Feature, stories: Mapping[int, UserStory]
) -> dict[str, Any]:
    """Render the snapshot of a catalogue feature as it stood for one test."""
    titles = [stories[s].title for s in feature.story_ids if s in stories]
    in_scope: list[str] | None = rng.sample(titles, rng.randint(0, len(titles))) if titles else []
    if rng.random() < 0.1:
        in_scope = None
    functional_only = test.testing_type in ("rapid", "focused")
    return {
        "id": test.test_feature_id_start + index,
        "feature_id": feature.id,
        "title": feature.title,
        "description": feature.description,
        "location": feature.howtofind,
        "howtofind": feature.howtofind,
        "target_idx": None,
        "enable_default": True if rng.random() < 0.9 else None,
        "enable_content": False if functional_only else (None if rng.random() < 0.3 else True),
        "enable_visual": False if functional_only else (None if rng.random() < 0.15 else True),
        "custom_report_configurations": [ACCESSIBILITY_CONFIGURATION] if test.accessibility else [],
        "user_stories": in_scope,
    }


def build_detail(
    seed: int,
    test: TestFacts,
    product: Product,
    features: Mapping[int, Feature],
    stories: Mapping[int, UserStory],
    customers: tuple[str, ...],
) -> TestDetail:
    """Generate the descriptive parts of a test."""
    rng = detail_rng(seed, test.id, 11)
    first = features.get(test.feature_ids[0]) if test.feature_ids else None
    name = first.title.split("] ", 1)[-1] if first else "the product"
    area = first.title[1:].split("]", 1)[0] if first else "main"
    rapid = test.testing_type == "rapid"
    focused = test.testing_type == "focused"
    allowed = ("default",) if rapid or focused else ("default", "content", "visual")
    if test.accessibility:
        allowed = (*allowed, "custom")
    creator = rng.choice(customers) if customers and rng.random() < 0.95 else None
    platforms = test_platforms(seed, test, product)
    requirements = tuple(p.requirement(800_000 + test.id * 8 + k) for k, p in enumerate(platforms))
    attachments: tuple[dict[str, Any], ...] = ()
    if rng.random() < 0.15:
        attachment_id = 3_000_000 + test.id
        base = f"https://upload.test.io/test_attachments/{attachment_id}"
        sizes = ("50x50", "150x150", "200x200", "x250", "50x36")
        attachments = (
            {
                "id": attachment_id,
                "url": f"{base}/briefing.png",
                "thumbnail_urls": {size: f"{base}/{size}/briefing.png" for size in sizes},
                "content_type": "image/png",
                "original_filename": "briefing.png",
            },
        )
    snapshots = tuple(
        test_feature_snapshot(rng, test, index, features[fid], stories)
        for index, fid in enumerate(test.feature_ids)
        if fid in features
    )
    return TestDetail(
        goal=_pair(rng, words.GOALS, area=area.lower(), feature=name),
        out_of_scope=_pair(rng, words.OUT_OF_SCOPE),
        instructions=_pair(rng, words.INSTRUCTIONS),
        report_language="de" if rng.random() < 0.05 else "en",
        enable_low=not rapid,
        enable_high=not rapid,
        enable_critical=True,
        allow_device_clouds=rng.random() < 0.1,
        created_by=creator,
        submitted_by=creator
        if creator and rng.random() < 0.8
        else (rng.choice(customers) if customers else None),
        allowed_bug_types=allowed,
        demo=False,
        requirements=requirements,
        attachments=attachments,
        features=snapshots,
    )

"""Generation of a product's tests: kinds, testing types, dates, ties, features and bug counts."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from random import Random

import attrs

from testio.sandbox import vocabulary as words
from testio.sandbox.clock import StampStyle, berlin_wall
from testio.sandbox.records import Feature, Product

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# How a test stands at the anchor; the clock turns these into statuses.
KIND_WEIGHTS = {
    "draft": 0.015,
    "cancelled": 0.03,
    "scheduled": 0.01,
    "finalized": 0.015,
    "waiting": 0.015,
    "running": 0.02,
    "recent": 0.05,
    "past": 0.83,
}
EXECUTED = frozenset({"running", "recent", "past"})
SHOWCASE = (
    "draft", "draft", "cancelled", "scheduled", "finalized", "waiting", "running", "recent",
    "recent", "past", "past", "past", "past", "past", "past", "past",
)  # fmt: skip
TYPE_WEIGHTS = (("coverage", 45), ("rapid", 25), ("focused", 20), ("external", 5), (None, 5))
STAMP_STYLES: tuple[StampStyle, ...] = ("berlin", "z", "utc", "zms", "new_york")
STAMP_STYLE_WEIGHTS = (75, 8, 7, 5, 5)


@attrs.define
class TestDraft:
    """A test while the generator is still deciding its ids."""

    product: Product
    kind: str
    testing_type: str | None
    section_id: int
    title: str
    start_at: datetime | None
    end_at: datetime | None
    created_at: datetime
    stamp_style: StampStyle
    feature_ids: tuple[int, ...]
    environment_id: int
    bug_count: int
    finalized_at: datetime | None = None
    approved_at: datetime | None = None
    archive_at: datetime | None = None
    fixed_status: str | None = None
    fixed_review_status: str | None = None
    failed_review_at: datetime | None = None
    accessibility: bool = False
    special: bool = False
    review_failed: bool | None = None
    poisoned: bool = False
    id: int = 0
    test_feature_id_start: int = 0
    bug_id_start: int = 0


def _duration(rng: Random, testing_type: str | None) -> timedelta:
    """Draw a test duration for its testing type."""
    if testing_type == "rapid":
        return rng.choice((2, 3, 4)) * HOUR
    if testing_type == "focused":
        return 24 * HOUR
    if testing_type == "external":
        return rng.choice((24, 48, 72)) * HOUR
    if testing_type is None:
        return rng.choice((24, 48)) * HOUR
    return rng.choice((24, 28, 28, 28, 48)) * HOUR


def _start(anchor: datetime, rng: Random, days_back: float) -> datetime:
    """Return a start at a whole Berlin hour on the day `days_back` before the anchor."""
    day = (anchor - days_back * DAY).date()
    return berlin_wall(day.year, day.month, day.day, rng.randint(8, 16))


def _bug_count(rng: Random, testing_type: str | None, scale: float) -> int:
    """Draw a heavy-tailed bug count (median about 8, mean about 11, 12% zero)."""
    if rng.random() < 0.12:
        return 0
    if rng.random() < 0.005:
        return rng.randint(150, 300)
    count = max(1, round(rng.lognormvariate(math.log(10 * scale), 0.85)))
    return max(1, count // 2) if testing_type == "rapid" else count


def _features(rng: Random, pool: list[Feature], testing_type: str | None) -> tuple[int, ...]:
    """Pick the features a test covers (about 1.6 on average, at most 4 unless coverage)."""
    count = rng.choices((1, 2, 3, 4), (55, 30, 10, 5))[0]
    if testing_type == "coverage" and rng.random() < 0.03:
        count = rng.randint(5, 8)
    chosen = rng.sample(pool, min(count, len(pool)))
    return tuple(f.id for f in chosen)


def _times(
    rng: Random, anchor: datetime, kind: str, duration: timedelta, span_days: int
) -> tuple[datetime | None, datetime | None]:
    """Place a test of a kind in time around the anchor."""
    hours = duration / HOUR
    if kind == "draft":
        return None, None
    if kind == "running":
        back = max(0.5, hours - 1.5) if hours <= 2 else rng.uniform(0.5, hours - 1.5)
        start = (anchor - back * HOUR).replace(minute=0, second=0)
        return start, start + duration
    if kind == "recent":
        start = _start(anchor, rng, rng.uniform(hours / 24 + 0.3, 27))
        while start + duration > anchor - HOUR:
            start -= DAY
        return start, start + duration
    if kind == "past":
        start = _start(anchor, rng, rng.uniform(29 + hours / 24, max(span_days, 60)))
        return start, start + duration
    if kind == "cancelled":
        start = _start(anchor, rng, rng.uniform(-20, 200))
        return start, start + duration
    ahead = {"waiting": (1.0, 6.0), "finalized": (3.0, 14.0), "scheduled": (6.0, 20.0)}[kind]
    start = _start(anchor, rng, -rng.uniform(*ahead))
    return start, start + duration


def _timeline(rng: Random, anchor: datetime, draft: TestDraft) -> None:
    """Set when the test was created, submitted, approved and archived."""
    if draft.kind == "draft":
        draft.created_at = anchor - rng.uniform(1, 20) * DAY
        failed = rng.random() < 0.3 if draft.review_failed is None else draft.review_failed
        if failed:
            draft.failed_review_at = draft.created_at + rng.uniform(2, 20) * HOUR
            draft.fixed_review_status = "review_failed"
        else:
            draft.fixed_review_status = "not_finalized"
        draft.fixed_status = "initialized"
        _whole_seconds(draft)
        return
    assert draft.start_at is not None
    assert draft.end_at is not None
    if draft.kind == "finalized":
        draft.finalized_at = anchor - rng.uniform(2, 72) * HOUR
        draft.approved_at = anchor + rng.uniform(2, 40) * HOUR
    elif draft.kind == "scheduled":
        room = (draft.start_at - anchor) / HOUR
        draft.finalized_at = anchor + rng.uniform(12, room / 2) * HOUR
        draft.approved_at = draft.finalized_at + rng.uniform(2, room / 3) * HOUR
    elif draft.kind == "waiting":
        draft.approved_at = anchor - rng.uniform(1, 72) * HOUR
        draft.finalized_at = draft.approved_at - rng.uniform(3, 48) * HOUR
    else:
        draft.approved_at = draft.start_at - rng.uniform(2, 72) * HOUR
        draft.finalized_at = draft.approved_at - rng.uniform(3, 48) * HOUR
    draft.created_at = min(draft.finalized_at, anchor - HOUR) - rng.uniform(1, 10) * DAY
    if draft.kind in EXECUTED and rng.random() < 0.1:
        draft.failed_review_at = draft.finalized_at + rng.uniform(1, 3) * HOUR
        draft.finalized_at = draft.failed_review_at + rng.uniform(2, 6) * HOUR
        if draft.approved_at <= draft.finalized_at:
            draft.approved_at = draft.finalized_at + HOUR
    if draft.kind == "past" and rng.random() < 0.04:
        draft.created_at = min(draft.end_at + rng.uniform(1, 60) * DAY, anchor - HOUR)  # backdated
    if draft.kind == "cancelled":
        draft.fixed_status = "cancelled"
        past = draft.start_at < anchor
        draft.fixed_review_status = (
            "review_successful" if past else rng.choice(("not_finalized", "review_initialized"))
        )
    draft.archive_at = draft.end_at + rng.uniform(28, 42) * DAY
    _whole_seconds(draft)


def _whole_seconds(draft: TestDraft) -> None:
    """Drop sub-second parts from the generated instants, as the API never shows them."""
    draft.created_at = draft.created_at.replace(microsecond=0)
    for name in ("finalized_at", "approved_at", "archive_at", "failed_review_at"):
        value = getattr(draft, name)
        if value is not None:
            setattr(draft, name, value.replace(microsecond=0))


def _title(rng: Random, testing_type: str | None, accessibility: bool, feature: Feature) -> str:
    """Draw a test title."""
    name = feature.title.split("] ", 1)[-1]
    area = feature.title[1:].split("]", 1)[0]
    if accessibility:
        return f"Accessibility audit – {name}"
    if testing_type is None:
        return f"Test case run: {name}"
    form = rng.choice(words.TEST_TITLES)
    return form.format(
        area=area,
        feature=name,
        major=rng.randint(1, 9),
        minor=rng.randint(0, 30),
        patch=rng.randint(0, 9),
    )


def draft_tests(
    rng: Random,
    anchor: datetime,
    product: Product,
    features: dict[int, Feature],
    count: int,
    span_days: int,
    showcase: bool,
    bug_scale: float = 1.0,
) -> list[TestDraft]:
    """Generate a product's tests as drafts awaiting their ids."""
    kinds = list(SHOWCASE[:count]) if showcase else []
    names, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    kinds += rng.choices(names, weights, k=count - len(kinds))
    section_ids = [s.id for s in (product.sections or product.sections_with_default)]
    catalogue = [features[f] for f in product.feature_ids]
    drafts: list[TestDraft] = []
    for kind in kinds:
        testing_type = rng.choices([t for t, _ in TYPE_WEIGHTS], [w for _, w in TYPE_WEIGHTS])[0]
        section_id = (
            section_ids[0] if len(section_ids) == 1 or rng.random() < 0.8 else section_ids[1]
        )
        pool = [f for f in catalogue if section_id in f.section_ids] or catalogue
        accessibility = testing_type in ("coverage", "external") and rng.random() < 0.03
        duration = _duration(rng, testing_type)
        start, end = _times(rng, anchor, kind, duration, span_days)
        feature_ids = _features(rng, pool, testing_type)
        draft = TestDraft(
            product=product,
            kind=kind,
            testing_type=testing_type,
            section_id=section_id,
            title=_title(rng, testing_type, accessibility, features[feature_ids[0]]),
            start_at=start,
            end_at=end,
            created_at=anchor,
            stamp_style=rng.choices(STAMP_STYLES, STAMP_STYLE_WEIGHTS)[0],
            feature_ids=feature_ids,
            environment_id=product.environment_ids[0 if rng.random() < 0.8 else -1],
            bug_count=_bug_count(rng, testing_type, bug_scale) if kind in EXECUTED else 0,
            accessibility=accessibility,
        )
        drafts.append(draft)
    if showcase:
        _dress_showcase(rng, anchor, drafts[: len(SHOWCASE)], features)
    _make_ties(rng, drafts)
    for draft in drafts:
        _timeline(rng, anchor, draft)
    return drafts


def _retime(draft: TestDraft, testing_type: str | None, end: datetime, duration: timedelta) -> None:
    """Give a draft a testing type and an end instant."""
    draft.testing_type = testing_type
    draft.end_at = end
    draft.start_at = end - duration


def _dress_showcase(
    rng: Random, anchor: datetime, drafts: list[TestDraft], features: dict[int, Feature]
) -> None:
    """Force the showcase tests: every status, testing type, a tie group and the zero-bug cases."""
    by_kind: dict[str, list[TestDraft]] = {}
    for draft in drafts:
        by_kind.setdefault(draft.kind, []).append(draft)
    by_kind["draft"][0].review_failed, by_kind["draft"][1].review_failed = True, False
    running = by_kind["running"][0]
    running.special = True
    start = (anchor - 20 * HOUR).replace(minute=0, second=0)
    running.testing_type, running.start_at, running.end_at = "coverage", start, start + 48 * HOUR
    running.bug_count = 10
    if len(by_kind.get("recent", [])) >= 2:
        by_kind["recent"][0].special = by_kind["recent"][1].special = True
        by_kind["recent"][0].bug_count = max(5, by_kind["recent"][0].bug_count)
        by_kind["recent"][1].bug_count = 0
    past = by_kind.get("past", [])
    if len(past) < 7:
        return
    tie_end = _start(anchor, rng, 75) + 28 * HOUR
    _retime(past[0], "external", past[0].end_at or tie_end, 48 * HOUR)
    _retime(past[1], None, past[1].end_at or tie_end, 24 * HOUR)
    for draft, kind, style, hours in zip(
        past[2:5],
        ("rapid", "focused", "coverage"),
        ("berlin", "z", "utc"),
        (3, 24, 28),
        strict=True,
    ):
        _retime(draft, kind, tie_end, hours * HOUR)
        draft.stamp_style = style
        draft.bug_count = max(draft.bug_count, 3)
    past[4].accessibility = True
    past[4].bug_count = 12
    past[5].testing_type, past[5].bug_count = "coverage", 0
    past[6].testing_type, past[6].bug_count = "coverage", 160
    for draft in past[:7]:
        draft.special = True
        draft.title = _title(
            rng, draft.testing_type, draft.accessibility, features[draft.feature_ids[0]]
        )


def _make_ties(rng: Random, drafts: list[TestDraft]) -> None:
    """Let about 8% of ended tests end at the same instant as an earlier one."""
    ended = [d for d in drafts if d.kind in ("past", "recent") and not d.special]
    for index, draft in enumerate(ended[1:], start=1):
        if rng.random() < 0.08:
            other = ended[rng.randrange(index)]
            if (
                other.kind == draft.kind
                and other.end_at is not None
                and draft.start_at
                and draft.end_at
            ):
                draft.start_at = other.end_at - (draft.end_at - draft.start_at)
                draft.end_at = other.end_at

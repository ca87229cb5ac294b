"""Lazy, deterministic generation of a test's bugs from the seed and the test id."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from random import Random

from testio.sandbox import vocabulary as words
from testio.sandbox.clock import StampStyle
from testio.sandbox.details import detail_rng, test_platforms
from testio.sandbox.reasons import DEFAULT_COMMENTS
from testio.sandbox.records import (
    Bug,
    BugBody,
    BugCore,
    BugDevice,
    Comment,
    FeatureLink,
    Product,
    TestFacts,
)

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
SETTLE = timedelta(days=10)  # forwarded bugs are auto-accepted this long after test end

SEVERITIES = ("low", "high", "critical", "visual", "content")
SEVERITY_WEIGHTS = (30, 25, 8, 20, 15)
FUNCTIONAL_WEIGHTS = (30, 25, 8, 0, 0)
REASON_WEIGHTS = (
    ("intended_behavior", 30), ("not_reproducible", 20), ("irrelevant", 15), ("known_bug", 15),
    ("ignored_instructions", 10), ("device_not_relevant", 5), ("request_timeout", 3), (None, 2),
)  # fmt: skip
STAMP_STYLES: tuple[StampStyle, ...] = ("z", "utc", "zms", "berlin")
STAMP_STYLE_WEIGHTS = (45, 20, 15, 20)
SYSTEM_AUTHOR = "TestIO"


def comment_id(bug_id: int, index: int) -> int:
    """Return the id of a generated comment of a bug."""
    return bug_id * 4 + index


def _severity(rng: Random, test: TestFacts) -> str:
    """Draw the (overloaded) severity a bug of this test has."""
    if test.accessibility and rng.random() < 0.7:
        return "custom"
    if test.testing_type == "rapid":
        return "critical"
    weights = FUNCTIONAL_WEIGHTS if test.testing_type in ("focused", None) else SEVERITY_WEIGHTS
    return rng.choices(SEVERITIES, weights)[0]


def _reject_comment(rng: Random, reason: str | None) -> str:
    """Write the comment that rejects a bug, carrying the reason's exact default text."""
    if reason is None:
        return rng.choice(words.FREE_TEXT_REJECTIONS)
    if reason == "request_timeout":
        return words.REQUEST_TIMEOUT
    return (
        rng.choice(words.REJECT_PREFIXES)
        + DEFAULT_COMMENTS[reason]
        + rng.choice(words.REJECT_SUFFIXES)
    )


def generate_cores(seed: int, test: TestFacts, has_tracker: bool) -> tuple[BugCore, ...]:
    """Generate the status-deciding facts of a generated test's bugs."""
    if not test.bug_count or test.start_at is None or test.end_at is None:
        return ()
    rng = detail_rng(seed, test.id, 5)
    start, end = test.start_at, test.end_at
    span = (end - start).total_seconds()
    cores: list[BugCore] = []
    for index in range(test.bug_count):
        reported = start + timedelta(seconds=int(span * rng.uniform(0.02, 0.98)))
        severity = _severity(rng, test)
        draw = rng.random()
        outcome = "accepted" if draw < 0.55 else ("auto" if draw < 0.75 else "rejected")
        settle = max(reported, end) + SETTLE
        decided: datetime | None = None
        reason: str | None = None
        comment: str | None = None
        if outcome != "auto":
            early = rng.random() < 0.4
            decided = (
                reported + rng.uniform(0.5, 12) * HOUR
                if early
                else end + rng.uniform(1, 228) * HOUR
            )
            if outcome == "rejected":
                reason = rng.choices(
                    [r for r, _ in REASON_WEIGHTS], [w for _, w in REASON_WEIGHTS]
                )[0]
                comment = _reject_comment(rng, reason)
                if reason == "request_timeout":
                    decided = max(decided, reported + 26 * HOUR)
            decided = min(max(decided, reported + 0.2 * HOUR), settle - HOUR).replace(microsecond=0)
        exported: datetime | None = None
        export_draw = rng.random()
        if outcome == "accepted" and decided is not None and export_draw < 0.3:
            exported = (decided + rng.uniform(1, 72) * HOUR).replace(microsecond=0)
        elif outcome == "auto" and export_draw < 0.12:
            exported = (settle + rng.uniform(1, 72) * HOUR).replace(microsecond=0)
        fixed_draw = rng.random()
        cores.append(
            BugCore(
                id=test.bug_id_start + index,
                test_id=test.id,
                severity=severity,
                reported_at=reported,
                stamp_style=rng.choices(STAMP_STYLES, STAMP_STYLE_WEIGHTS)[0],
                outcome=outcome,
                decided_at=decided,
                known=rng.random() < 0.03 or (reason == "known_bug" and rng.random() < 0.4),
                fixed=(True if fixed_draw < 0.06 else False if fixed_draw < 0.1 else None)
                if outcome == "accepted"
                else None,
                exported_at=exported,
                export_requested=has_tracker
                and exported is None
                and outcome != "rejected"
                and rng.random() < 0.08,
                reject_reason=reason,
                reject_comment=comment,
            )
        )
    return tuple(cores)


def _slug(name: str) -> str:
    """Make a host-name slug from a product name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _result(rng: Random, options: tuple[str, ...]) -> str | None:
    """Draw an expected or actual result: usually text, sometimes empty, padded or null."""
    draw = rng.random()
    text = rng.choice(options)
    if draw < 0.05:
        return ""
    if draw < 0.15:
        return f"  {text}  "
    if draw < 0.18:
        return None
    return text


class TesterPool:
    """An account's testers with power-law weights: the top five report about 40% of bugs."""

    def __init__(self, testers: tuple[str, ...]) -> None:
        self.testers = testers or ("tester_1",)
        weights = [1.0 / (rank + 1) ** 0.75 for rank in range(len(self.testers))]
        self.cumulative = list(itertools.accumulate(weights))

    def draw(self, rng: Random) -> str:
        """Draw the author of one bug."""
        return rng.choices(self.testers, cum_weights=self.cumulative)[0]


def _comments(
    rng: Random, core: BugCore, author: str, customers: tuple[str, ...]
) -> tuple[Comment, ...]:
    """Write a bug's comments, including the one that hides its rejection reason."""
    customer = rng.choice(customers) if customers else "Customer"
    comments: list[Comment] = []
    if core.reject_comment is not None and core.decided_at is not None:
        if core.reject_reason == "request_timeout":
            asked = core.decided_at - 24 * HOUR - rng.uniform(0, 1) * HOUR
            comments.append(
                Comment(comment_id(core.id, 0), rng.choice(words.INFO_REQUESTS), customer, asked)
            )
            comments.append(
                Comment(
                    comment_id(core.id, 1),
                    core.reject_comment,
                    SYSTEM_AUTHOR,
                    core.decided_at,
                    True,
                )
            )
        else:
            comments.append(
                Comment(
                    comment_id(core.id, 0), core.reject_comment, customer, core.decided_at, True
                )
            )
    elif rng.random() < 0.1:
        asked = core.reported_at + rng.uniform(1, 20) * HOUR
        pick = rng.randrange(len(words.INFO_REQUESTS))
        comments.append(Comment(comment_id(core.id, 0), words.INFO_REQUESTS[pick], customer, asked))
        replied = asked + rng.uniform(1, 10) * HOUR
        comments.append(
            Comment(comment_id(core.id, 1), words.TESTER_REPLIES[pick], author, replied)
        )
    return tuple(comments)


def generate_body(
    rng: Random,
    core: BugCore,
    test: TestFacts,
    product: Product,
    pool: TesterPool,
    customers: tuple[str, ...],
    devices: tuple[BugDevice, ...],
) -> BugBody:
    """Generate the descriptive parts of one bug."""
    custom = core.severity == "custom"
    if custom:
        title = rng.choice(words.ACCESSIBILITY_TITLES)
        author = f"a11y_tester_{rng.randint(1, 9)}"
    else:
        place = rng.choice(words.BUG_PLACES)
        title = f"{rng.choice(words.BUG_OBJECTS)} {rng.choice(words.BUG_PROBLEMS)} {place}".strip()
        author = pool.draw(rng)
    link_draw = rng.random()
    link: FeatureLink = (
        "present" if link_draw < 0.85 else ("null" if link_draw < 0.93 else "absent")
    )
    test_feature: tuple[int, int] | None = None
    if test.feature_ids and link == "present":
        index = rng.randrange(len(test.feature_ids))
        test_feature = (test.test_feature_id_start + index, test.feature_ids[index])
    elif link == "present":
        link = "null"
    attachments = tuple(
        (
            5_500_000 + core.id * 3 + k,
            rng.choice(("screenshot.png", "recording.mp4", "console.log")),
        )
        for k in range(rng.choice((0, 1, 1, 1, 2, 3)))
    )
    report: tuple[tuple[str, str, str], ...] | None = None
    if custom:
        report = tuple(
            (key, name, f"{name} for: {title}")
            for key, name in words.ACCESSIBILITY_ITEMS[: rng.randint(2, 6)]
        )
    return BugBody(
        title=title,
        author=author,
        language="de" if rng.random() < 0.05 else "en",
        location=None
        if rng.random() < 0.05
        else f"https://www.{_slug(product.name)}.com/{rng.choice(words.FEATURE_AREAS).lower().replace(' ', '-')}",
        expected_result=_result(rng, words.EXPECTED),
        actual_result=_result(rng, words.ACTUAL),
        steps=None if custom else tuple(rng.sample(words.STEPS, rng.randint(2, 6))),
        test_feature=test_feature,
        feature_link=link,
        device=None if custom or not devices else rng.choice(devices),
        attachments=attachments,
        comments=_comments(rng, core, author, customers),
        report=report,
        absent_results=rng.random() < 0.03,
    )


def bug_devices(seed: int, test: TestFacts, product: Product) -> tuple[BugDevice, ...]:
    """Return the devices testers of this test use: one model per required platform."""
    rng = detail_rng(seed, test.id, 29)
    devices: list[BugDevice] = []
    for platform in test_platforms(seed, test, product):
        model_id, vendor, model = rng.choice(platform.models)
        browsers = (rng.choice(platform.browsers)[1],) if platform.browsers else ()
        devices.append(
            BugDevice(
                model_id,
                platform.category,
                vendor,
                model,
                (platform.os[0], platform.os[2]),
                browsers,
            )
        )
    return tuple(devices)


def generate_bugs(
    seed: int,
    test: TestFacts,
    product: Product,
    cores: tuple[BugCore, ...],
    pool: TesterPool,
    customers: tuple[str, ...],
) -> tuple[Bug, ...]:
    """Dress a test's bug cores into full bugs."""
    rng = detail_rng(seed, test.id, 17)
    devices = bug_devices(seed, test, product)
    return tuple(
        Bug(core, generate_body(rng, core, test, product, pool, customers, devices))
        for core in cores
    )


def fresh_bugs(
    seed: int,
    test: TestFacts,
    product: Product,
    ids: list[int],
    now: datetime,
    pool: TesterPool,
    customers: tuple[str, ...],
) -> tuple[Bug, ...]:
    """Generate bugs reported just now; they wait for triage (and are auto-accepted in time)."""
    if not ids:
        return ()
    rng = detail_rng(seed, ids[0], 37)
    devices = bug_devices(seed, test, product)
    earliest = test.start_at or now - HOUR
    made: list[Bug] = []
    for bug_id in ids:
        reported = max(earliest, now - rng.uniform(1, 3600) * timedelta(seconds=1)).replace(
            microsecond=0
        )
        core = BugCore(
            id=bug_id,
            test_id=test.id,
            severity=_severity(rng, test),
            reported_at=min(reported, now.replace(microsecond=0)),
            outcome="auto",
            fixed_status=None if test.clocked else "forwarded",
            fixed_auto_accepted=None if test.clocked else False,
            clocked=test.clocked,
        )
        made.append(Bug(core, generate_body(rng, core, test, product, pool, customers, devices)))
    return tuple(made)

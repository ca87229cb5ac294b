"""Statuses computed from "now": the test lifecycle and bug auto-acceptance."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs

from testio.sandbox.clock import StampStyle, stamp
from testio.sandbox.records import BugBody, BugCore, Comment, TestFacts

SETTLE = timedelta(days=10)


def test_exists(test: TestFacts, now: datetime) -> bool:
    """Tell whether a test has been created by `now`."""
    return not test.clocked or test.created_at is None or test.created_at <= now


def test_status(test: TestFacts, now: datetime, has_bugs: bool) -> str:
    """Compute a test's status at `now` (the §4.1 state machine, driven by the clock)."""
    if test.fixed_status is not None:
        return test.fixed_status
    if test.start_at is None or test.end_at is None:
        return "initialized"
    if test.finalized_at is not None and now < test.finalized_at:
        return "initialized"
    if test.approved_at is not None and now < test.approved_at:
        return "customer_finalized"
    if now < test.start_at:
        return "waiting"
    if now < test.end_at:
        return "running"
    if has_bugs and (test.archive_at is None or now < test.archive_at):
        return "locked"
    return "archived"


def review_status(test: TestFacts, now: datetime) -> str:
    """Compute a test's team-lead review status at `now`."""
    if test.fixed_review_status is not None:
        return test.fixed_review_status
    if test.finalized_at is not None and now < test.finalized_at:
        if test.failed_review_at is not None and test.failed_review_at <= now:
            return "review_failed"
        return "not_finalized"
    if test.approved_at is not None and now < test.approved_at:
        return "review_initialized"
    return "review_successful"


def _review(status: str, when: datetime, style: StampStyle, comment: str | None) -> dict[str, Any]:
    """Render one review record."""
    return {
        "status": status,
        "instruction_comment": None,
        "test_environment_comment": None,
        "feature_comment": None,
        "bug_type_comment": comment,
        "reviewed_at": stamp(when, style),
    }


def reviews(test: TestFacts, now: datetime) -> list[dict[str, Any]]:
    """Render the review records that exist at `now`."""
    records: list[dict[str, Any]] = []
    if test.failed_review_at is not None and (not test.clocked or test.failed_review_at <= now):
        records.append(
            _review("failed", test.failed_review_at, test.stamp_style, "Please allow visual bugs.")
        )
    approved = test.approved_at
    if approved is not None and review_status(test, now) == "review_successful" and approved <= now:
        records.append(_review("successful", approved, test.stamp_style, None))
    return records


@attrs.frozen
class Triage:
    """What the customer's triage writes changed on a bug."""

    status: str | None = None
    auto_accepted: bool | None = None
    known: bool | None = None
    fixed: bool | None = None
    exported_at: datetime | None = None
    reject_reason: str | None = None
    comments: tuple[Comment, ...] = ()


@attrs.frozen
class BugState:
    """A bug's changing fields at one instant."""

    status: str
    auto_accepted: bool | None
    known: bool
    fixed: bool | None
    exported_at: datetime | None
    reject_reason: str | None


def bug_visible(core: BugCore, now: datetime) -> bool:
    """Tell whether a bug has been reported by `now`."""
    return not core.clocked or core.reported_at <= now


def bug_state(core: BugCore, test: TestFacts, now: datetime, triage: Triage | None) -> BugState:
    """Compute a bug's status and flags at `now`, with triage writes on top."""
    if core.fixed_status is not None or not core.clocked:
        status = core.fixed_status or "forwarded"
        auto: bool | None = core.fixed_auto_accepted
        exported = core.exported_at
        reason = core.reject_reason if status == "rejected" else None
    else:
        decided = core.decided_at is not None and core.decided_at <= now
        settle = max(core.reported_at, test.end_at or core.reported_at) + SETTLE
        if decided and core.outcome in ("accepted", "rejected"):
            status, auto = core.outcome, False
        elif now > settle:
            status, auto = "accepted", True
        else:
            status, auto = "forwarded", False
        exported = (
            core.exported_at if core.exported_at is not None and core.exported_at <= now else None
        )
        if status != "accepted":
            exported = None
        reason = core.reject_reason if status == "rejected" else None
    known, fixed = core.known, core.fixed
    if triage is not None:
        if triage.status is not None:
            status, auto = triage.status, triage.auto_accepted
            reason = triage.reject_reason if status == "rejected" else None
        known = triage.known if triage.known is not None else known
        fixed = triage.fixed if triage.fixed is not None else fixed
        exported = triage.exported_at if triage.exported_at is not None else exported
    return BugState(status, auto, known, fixed, exported, reason)


def bug_comments(
    core: BugCore, body: BugBody, now: datetime, triage: Triage | None
) -> tuple[Comment, ...]:
    """Return the comments visible at `now`; triage overrides hide the generated decision."""
    overridden = triage is not None and triage.status is not None
    shown = tuple(
        c
        for c in body.comments
        if (not core.clocked or c.created_at <= now) and not (overridden and c.decision)
    )
    return shown + (triage.comments if triage is not None else ())

"""What a triage change does to one bug, and to the rates of its test and product (no I/O).

Rates come from `metrics` over the cached counts, shifted by the bugs whose state changes,
so a preview's "after" is exactly what generate_ebr_report shows once the write is made.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

import testio.metrics as metrics
from testio.client.payloads import Bug
from testio.domain.triage import BugState, Effect


def state_of(status: str, auto_accepted: bool | None, known: bool) -> BugState:
    """A bug's triage state with its bucket."""
    return BugState(
        status=status,
        auto_accepted=auto_accepted,
        known=known,
        bucket=metrics.bucket(status, auto_accepted),
    )


def bug_state(bug: Bug) -> BugState:
    """The triage state of a bug as the API shows it."""
    return state_of(bug.status, bug.auto_accepted, bug.known)


def plan(action: str, bug: Bug) -> tuple[Effect, BugState, str | None]:
    """What `action` would do to `bug`: its effect, the state it leaves, and why if nothing."""
    now = bug_state(bug)
    if action == "mark_as_known":
        if bug.known:
            return "no_change", now, "Already marked as known."
        return "change", state_of(bug.status, bug.auto_accepted, True), None
    if action == "accept":
        if bug.status == "forwarded":
            return "change", state_of("accepted", False, bug.known), None
        if bug.status == "accepted":
            return "no_change", now, f"Already accepted ({now.bucket})."
        return (
            "not_allowed",
            now,
            f"A {bug.status} bug cannot be accepted (TestIO refuses it); it is left as it is.",
        )
    if bug.status == "forwarded":
        return "change", state_of("rejected", False, bug.known), None
    if bug.status == "rejected":
        return "no_change", now, "Already rejected."
    return (
        "not_allowed",
        now,
        f"A {bug.status} bug cannot be rejected (TestIO refuses it); it is left as it is.",
    )


def shifted(
    counts: metrics.BucketCounts, swaps: Iterable[tuple[BugState, BugState]]
) -> metrics.BucketCounts:
    """`counts` with each bug moved from the first state of its swap to the second."""
    values = attrs.asdict(counts)
    for old, new in swaps:
        values[old.bucket] -= 1
        values[new.bucket] += 1
        values["known"] += int(new.known) - int(old.known)
    return metrics.BucketCounts(**values)

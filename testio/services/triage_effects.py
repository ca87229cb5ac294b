"""The decisions of bug triage, with no I/O: the checked arguments, what a change does to each
bug, what a write's answer means for it, and the rates of its test and product.

Rates come from `metrics` over the cached counts, shifted by the bugs whose state changes,
so a preview's "after" is exactly what generate_ebr_report shows once the write is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs

import testio.metrics as metrics
from testio.client.bug_payloads import Bug
from testio.client.writes import TRIAGE_ACTIONS, TriageAction, WriteAnswer
from testio.domain.common import Quality, Ref
from testio.domain.triage import MAX_BUGS, REJECT_REASONS, BugState, BugTriage, Effect, RateEffect
from testio.errors import InvalidArgumentError


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


def unique_ids(bug_ids: Sequence[int]) -> list[int]:
    return list(dict.fromkeys(bug_ids))


def checked(
    bug_ids: Sequence[int], action: str, reason: str | None, comment: str | None
) -> tuple[TriageAction, str | None, str | None]:
    """The action with its reason and comment in canonical form, or one sentence saying why not."""
    if action not in TRIAGE_ACTIONS:
        raise InvalidArgumentError(
            f"Unknown triage action {action!r}; use {', '.join(TRIAGE_ACTIONS)}."
        )
    if not bug_ids or len(unique_ids(bug_ids)) > MAX_BUGS:
        raise InvalidArgumentError(f"Name between 1 and {MAX_BUGS} bugs to triage at once.")
    chosen: TriageAction = action  # pyright: ignore[reportAssignmentType]  # checked just above
    if chosen == "reject":
        if reason not in REJECT_REASONS:
            raise InvalidArgumentError(
                f"Rejecting needs a reason: one of {', '.join(REJECT_REASONS)}."
            )
        return chosen, reason, (comment or "").strip()
    if reason is not None or comment is not None:
        raise InvalidArgumentError(f"Only reject takes a reason and a comment, not {action}.")
    return chosen, None, None


def planned(action: TriageAction, bug: Bug, product_id: int) -> BugTriage:
    effect, after, why = plan(action, bug)
    return BugTriage(
        bug_id=bug.id,
        title=bug.title,
        test_id=bug.test_id,
        product_id=product_id,
        before=bug_state(bug),
        after=after,
        effect=effect,
        outcome=None,
        http_status=None,
        detail=why,
    )


def outcome_of(item: BugTriage, answer: WriteAnswer) -> BugTriage:
    after = bug_state(answer.bug) if answer.bug is not None else None
    if answer.applied is True:
        detail = None
        if answer.verified_by_read:
            detail = f"TestIO's answer was lost ({answer.error}); a read of the bug shows the change was made."
        return attrs.evolve(
            item, after=after, outcome="changed", http_status=answer.status, detail=detail
        )
    if answer.applied is None:
        return attrs.evolve(
            item,
            after=None,
            outcome="unknown",
            http_status=answer.status,
            detail=f"TestIO did not answer ({answer.error}) and the bug could not be read; "
            "check it (preview again) before writing it again.",
        )
    if answer.verified_by_read:
        detail = f"TestIO did not answer ({answer.error}); a read of the bug shows it is unchanged."
    else:
        detail = _refusal(item.bug_id, answer)
    return attrs.evolve(
        item,
        after=after or item.before,
        outcome="unchanged",
        http_status=answer.status,
        detail=detail,
    )


def _refusal(bug_id: int, answer: WriteAnswer) -> str:
    why = {
        401: "the API token was rejected",
        403: f"this token may not change bug {bug_id}",
        404: f"TestIO has no bug {bug_id} for this token",
        422: "TestIO does not allow this change from the bug's state",
        429: "TestIO kept rate-limiting the write",
    }.get(answer.status or 0)
    if answer.error is None:
        return (
            f"TestIO answered HTTP {answer.status} but bug {bug_id} does not show the change; "
            "it is unchanged (preview again to see its state)."
        )
    if why is None:
        return f"{answer.error} The bug is unchanged."
    return f"TestIO refused the write (HTTP {answer.status}: {why}); the bug is unchanged."


def stops_batch(status: int | None) -> bool:
    """Whether a failure says the API itself is in trouble (stop) rather than this bug (go on)."""
    return status is None or status in (401, 429) or status >= 500


def rate_effect(
    scope: Any,
    ref: Ref,
    counts: metrics.BucketCounts,
    moved: metrics.BucketCounts,
    after_is_cache: bool,
) -> RateEffect:
    before, after = (moved, counts) if after_is_cache else (counts, moved)
    return RateEffect(
        scope=scope, ref=ref, before=Quality.from_buckets(before), after=Quality.from_buckets(after)
    )

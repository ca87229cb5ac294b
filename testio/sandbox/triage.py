"""The customer's bug triage writes and the rules that govern them."""

from __future__ import annotations

import threading
from datetime import datetime

import attrs

from testio.sandbox.errors import Unprocessable
from testio.sandbox.lifecycle import BugState, Triage
from testio.sandbox.reasons import DEFAULT_COMMENTS
from testio.sandbox.records import Comment

ACTIONS = ("accept", "reject", "mark_as_known", "mark_as_fixed", "mark_as_exported")


class TriageLedger:
    """Remembers every triage write, by bug id."""

    def __init__(self) -> None:
        self._entries: dict[int, Triage] = {}
        self._lock = threading.Lock()
        self._next_comment_id = 90_000_000

    def get(self, bug_id: int) -> Triage | None:
        """Return the writes made to a bug, if any."""
        return self._entries.get(bug_id)

    def apply(
        self,
        bug_id: int,
        action: str,
        state: BugState,
        now: datetime,
        *,
        reason: str | None = None,
        comment: str | None = None,
        author: str = "Customer",
    ) -> None:
        """Apply one triage action to a bug in a given state; raise Unprocessable when not allowed."""
        with self._lock:
            current = self._entries.get(bug_id) or Triage()
            changed = self._change(bug_id, action, state, current, now, reason, comment, author)
            if changed is not None:
                self._entries[bug_id] = changed

    def _change(
        self,
        bug_id: int,
        action: str,
        state: BugState,
        current: Triage,
        now: datetime,
        reason: str | None,
        comment: str | None,
        author: str,
    ) -> Triage | None:
        """Return the bug's writes after the action, or None when nothing changes."""
        if action == "accept":
            if state.status == "rejected":
                raise Unprocessable(f"Bug {bug_id} is rejected and cannot be accepted.")
            if state.status == "accepted":
                return None
            return attrs.evolve(current, status="accepted", auto_accepted=False)
        if action == "reject":
            return self._reject(bug_id, state, current, now, reason, comment, author)
        if action == "mark_as_known":
            return attrs.evolve(current, known=True)
        if action == "mark_as_fixed":
            return attrs.evolve(current, fixed=True)
        if action == "mark_as_exported":
            if state.exported_at is not None:
                return None
            return attrs.evolve(current, exported_at=now.replace(microsecond=0))
        raise Unprocessable(f"Unknown triage action {action!r}; use one of {', '.join(ACTIONS)}.")

    def _reject(
        self,
        bug_id: int,
        state: BugState,
        current: Triage,
        now: datetime,
        reason: str | None,
        comment: str | None,
        author: str,
    ) -> Triage | None:
        """Reject a forwarded bug, appending the rejection comment."""
        if reason is None or comment is None:
            raise Unprocessable("Rejecting a bug needs both 'reason' and 'comment'.")
        if reason not in DEFAULT_COMMENTS:
            known = ", ".join(DEFAULT_COMMENTS)
            raise Unprocessable(f"Unknown reject reason {reason!r}; use one of {known}.")
        if state.status == "accepted":
            raise Unprocessable(f"Bug {bug_id} is accepted and cannot be rejected.")
        if state.status == "rejected":
            return None
        body = comment.strip() or DEFAULT_COMMENTS[reason]
        self._next_comment_id += 1
        note = Comment(
            self._next_comment_id, body, author, now.replace(microsecond=0), decision=True
        )
        return attrs.evolve(
            current,
            status="rejected",
            auto_accepted=False,
            reject_reason=reason,
            comments=(*current.comments, note),
        )

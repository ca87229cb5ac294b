"""Bug triage writes, with no I/O: what each action sends, what it should leave behind, and
which actions may simply be sent again when an answer is lost.

`accept` and `mark_as_known` are idempotent on the API (a repeat answers 200 and changes
nothing), so a timed-out one is sent again like a read. `reject` is not: a repeat after an
applied reject may answer 422 (or append a second comment), so a reject whose answer was lost
is sent again only after a read of the bug shows it was not applied.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

import attrs

from testio.client.bug_payloads import Bug

TriageAction = Literal["accept", "reject", "mark_as_known"]
TRIAGE_ACTIONS: Final[tuple[TriageAction, ...]] = get_args(TriageAction)
IDEMPOTENT: Final[frozenset[str]] = frozenset({"accept", "mark_as_known"})


def triage_body(action: TriageAction, reason: str | None, comment: str | None) -> dict[str, str]:
    """The JSON body of a triage PUT; reject needs both keys (an empty comment is the default)."""
    if action == "reject":
        return {"reason": reason or "", "comment": comment or ""}
    return {}


def reached(action: TriageAction, bug: Bug) -> bool:
    """Whether a bug as the API shows it carries the effect of `action`."""
    if action == "accept":
        return bug.status == "accepted"
    if action == "reject":
        return bug.status == "rejected"
    return bug.known


@attrs.frozen
class WriteAnswer:
    """How one triage write ended, as far as the API let us know.

    `applied` is True when the bug carries the change, False when it does not, and None
    when the write's answer was lost and the bug could not be read to find out. `bug` is
    the bug as the API last showed it (the write's answer, or a read after a lost answer).
    `status` is the HTTP status of the write's last answer (None: no answer), and `error`
    the sentence of the failure that stopped it, if any.
    """

    applied: bool | None
    bug: Bug | None
    status: int | None
    attempts: int
    error: str | None = None
    verified_by_read: bool = False

"""Results of bug triage: the preview of a change, what a confirmed change did, and the log."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

import attrs

from testio.domain.common import DataWarning, Quality, Ref

REJECT_REASONS: Final[tuple[str, ...]] = (
    "device_not_relevant",
    "ignored_instructions",
    "intended_behavior",
    "irrelevant",
    "known_bug",
    "not_reproducible",
)
"""The reasons TestIO's reject takes (its `GET bugs/reject_reasons` keys)."""
MAX_BUGS: Final = 100
"""The most bugs one triage call changes."""

Effect = Literal["change", "no_change", "not_allowed"]
Outcome = Literal["changed", "unchanged", "unknown"]


@attrs.frozen
class BugState:
    """A bug's triage state: the API's status and flags, and its bucket (metrics.md)."""

    status: str
    auto_accepted: bool | None
    known: bool
    bucket: str


@attrs.frozen
class BugTriage:
    """One bug of a triage change: where it stands, what the change does to it, how it went.

    In a preview `after` is the state the change would give it and `outcome` is null; after
    a confirmed write `after` is the state the API answered with (null when unknown).
    """

    bug_id: int
    title: str
    test_id: int
    product_id: int
    before: BugState
    after: BugState | None
    effect: Effect
    outcome: Outcome | None
    http_status: int | None
    detail: str | None


@attrs.frozen
class RateEffect:
    """The bugs and five rates of one test or product before and after the change."""

    scope: Literal["test", "product"]
    ref: Ref
    before: Quality
    after: Quality


@attrs.frozen
class TriageOutcome:
    """A triage preview (stage `preview`, with the token that confirms it) or its result.

    The product rates cover the product's executed tests (running, locked, archived), the
    default scope of generate_ebr_report, so they match its summary.
    """

    stage: Literal["preview", "written"]
    action: str
    reason: str | None
    comment: str | None
    bugs: tuple[BugTriage, ...]
    rates: tuple[RateEffect, ...]
    to_write: int
    changed: int
    unchanged: int
    unknown: int
    confirmation_token: str | None
    expires_at: datetime | None
    batch: str | None
    message: str
    data_as_of: datetime | None
    warnings: tuple[DataWarning, ...] = ()


@attrs.frozen
class TriageLogEntry:
    """One triage write: who, when, what, and what the API answered (never the token)."""

    id: int
    batch: str
    at: datetime
    user: str
    action: str
    reason: str | None
    comment: str | None
    bug_id: int
    test_id: int | None
    product_id: int | None
    before_status: str | None
    before_known: bool | None
    outcome: str
    http_status: int | None
    after_status: str | None
    after_auto_accepted: bool | None
    after_known: bool | None
    detail: str | None


@attrs.frozen
class TriageLog:
    """The most recent triage writes, newest first."""

    entries: tuple[TriageLogEntry, ...]
    total: int
    data_as_of: datetime | None
    warnings: tuple[DataWarning, ...] = ()

"""Results about bugs: a filtered, sorted page of them, and one bug in full."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import attrs

from testio.domain.common import DataWarning, Ref

BugSort = Literal["newest", "oldest", "severity", "id"]
BUG_SORTS: tuple[BugSort, ...] = ("newest", "oldest", "severity", "id")


@attrs.frozen
class BugSummary:
    """One bug in a list: what it is, how triage stands, where it was found."""

    id: int
    title: str
    severity: str
    status: str
    bucket: str
    known: bool
    test: Ref
    product_id: int
    reported_at: datetime | None
    author: str | None
    operating_system: str | None
    device: str | None
    browsers: str | None
    reject_reason: str | None


@attrs.frozen
class BugList:
    """One page of the bugs that match a filter, with the exact total and `has_more`."""

    bugs: tuple[BugSummary, ...]
    total: int
    page: int
    per_page: int
    has_more: bool
    sort: BugSort
    data_as_of: datetime | None
    warnings: tuple[DataWarning, ...] = ()


@attrs.frozen
class RejectReason:
    """A rejection reason: the API's key and its name (parsed from the bug's comments)."""

    key: str
    name: str


@attrs.frozen
class BugDevice:
    """The device a bug was found on."""

    name: str | None
    category: str | None
    operating_system: str | None
    browsers: tuple[str, ...]


@attrs.frozen
class Comment:
    """A comment on a bug."""

    author: str | None
    body: str
    created_at: datetime | None


@attrs.frozen
class BugDetail:
    """One bug in full: its report, triage state, device, environment, files and comments.

    `reject_reason` is null for a bug that is not rejected, and for a rejection whose comments
    carry none of the standard reasons' texts (free text).
    """

    id: int
    title: str
    severity: str
    status: str
    bucket: str
    known: bool
    fixed: bool | None
    auto_accepted: bool | None
    product: Ref
    test: Ref
    feature: Ref | None
    location: str | None
    steps: tuple[str, ...]
    expected_result: str | None
    actual_result: str | None
    device: BugDevice | None
    environment: Ref | None
    attachments: tuple[str, ...]
    comments: tuple[Comment, ...]
    reject_reason: RejectReason | None
    author: str | None
    reported_at: datetime | None
    exported_at: datetime | None
    data_as_of: datetime | None
    warnings: tuple[DataWarning, ...] = ()

"""Base facts of the simulated account data, as immutable records."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import attrs

from testio.sandbox.clock import StampStyle

Outcome = Literal["accepted", "rejected", "auto"]
FeatureLink = Literal["present", "null", "absent"]


@attrs.frozen
class Connection:
    """A bug-tracker integration of a product or section."""

    id: int
    name: str
    url: str | None
    fixed: bool = False


@attrs.frozen
class Section:
    """A product section; the default one is named "default-section"."""

    id: int
    name: str
    connection: Connection | None = None
    template_count: int = 0


@attrs.frozen
class UserStory:
    """A user story; the API repeats its title as its path."""

    id: int
    title: str


@attrs.frozen
class Feature:
    """A catalogue feature with the ids of its stories and of the sections that list it."""

    id: int
    title: str
    description: str | None
    howtofind: str | None
    story_ids: tuple[int, ...]
    section_ids: tuple[int, ...]


@attrs.frozen
class Environment:
    """A test environment of a product; credentials are "" when unset."""

    id: int
    product_id: int
    title: str
    url: str | None
    username: str = ""
    password: str = ""
    access: str | None = None
    access_type: str = "url"
    binary_app: tuple[int, str, int] | None = None


@attrs.frozen
class Product:
    """A product with its sections, catalogue and environments."""

    id: int
    account: int
    name: str
    description: str | None
    type: str
    default_section_id: int
    sections: tuple[Section, ...]
    sections_with_default: tuple[Section, ...]
    connection: Connection | None
    remote_device_testing: bool
    feature_ids: tuple[int, ...]
    environment_ids: tuple[int, ...]
    tracker_key: str

    @property
    def has_sections(self) -> bool:
        """Apply the contract's section detection rule."""
        return len(self.sections) > 0 or len(self.sections_with_default) > 1

    @property
    def section_ids(self) -> tuple[int, ...]:
        """Return the ids a client iterates: named sections, else the default list."""
        chosen = self.sections or self.sections_with_default
        return tuple(s.id for s in chosen)

    def section(self, section_id: int) -> Section | None:
        """Return one of the product's sections by id."""
        for s in self.sections_with_default + self.sections:
            if s.id == section_id:
                return s
        return None


@attrs.frozen
class TestFacts:
    """What a test is, independent of "now"; its status is computed from these."""

    id: int
    product_id: int
    section_id: int
    title: str
    testing_type: str | None
    start_at: datetime | None
    end_at: datetime | None
    stamp_style: StampStyle = "berlin"
    created_at: datetime | None = None
    finalized_at: datetime | None = None
    approved_at: datetime | None = None
    archive_at: datetime | None = None
    fixed_status: str | None = None
    fixed_review_status: str | None = None
    failed_review_at: datetime | None = None
    poisoned: bool = False
    feature_ids: tuple[int, ...] = ()
    test_feature_id_start: int = 0
    environment_id: int | None = None
    accessibility: bool = False
    bug_id_start: int = 0
    bug_count: int = 0
    clocked: bool = True


@attrs.frozen
class Comment:
    """A bug comment; `created_at` decides when it becomes visible."""

    id: int
    body: str
    author: str
    created_at: datetime
    decision: bool = False


@attrs.frozen
class BugCore:
    """The facts of a bug that decide its status and the report numbers."""

    id: int
    test_id: int
    severity: str
    reported_at: datetime
    stamp_style: StampStyle = "z"
    outcome: Outcome = "accepted"
    decided_at: datetime | None = None
    fixed_status: str | None = None
    fixed_auto_accepted: bool | None = None
    known: bool = False
    fixed: bool | None = None
    exported_at: datetime | None = None
    export_requested: bool = False
    reject_reason: str | None = None
    reject_comment: str | None = None
    clocked: bool = True


@attrs.frozen
class BugDevice:
    """The one device a bug was found on."""

    id: int
    category: tuple[int, str, str]
    vendor: str
    model: str
    os: tuple[int, str]
    browsers: tuple[str, ...]


@attrs.frozen
class BugBody:
    """The descriptive parts of a bug, which never change."""

    title: str
    author: str
    language: str = "en"
    location: str | None = None
    expected_result: str | None = None
    actual_result: str | None = None
    steps: tuple[str, ...] | None = ()
    test_feature: tuple[int, int] | None = None
    feature_link: FeatureLink = "absent"
    device: BugDevice | None = None
    attachments: tuple[tuple[int, str], ...] = ()
    comments: tuple[Comment, ...] = ()
    report: tuple[tuple[str, str, str], ...] | None = None
    absent_results: bool = False


@attrs.frozen
class Bug:
    """A bug: its core facts and its descriptive body."""

    core: BugCore
    body: BugBody


@attrs.frozen
class Account:
    """One customer account: its token, products and people."""

    index: int
    token: str
    product_ids: tuple[int, ...]
    testers: tuple[str, ...]
    customer_users: tuple[str, ...]

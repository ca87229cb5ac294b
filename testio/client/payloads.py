"""Typed, tolerant parsing of the API objects we keep: products, features, user stories, tests.

Each `from_api` takes one decoded JSON object and returns an attrs value object, or raises
`PayloadError` when a required field is missing or has the wrong type (the caller skips that
item and records it). Optional fields tolerate nulls, missing keys, unknown enum values and
mixed timestamp offsets; timestamps become aware UTC datetimes. Secrets (test environment
credentials) are never read. Bugs are in `bug_payloads`; the field readers in `fields`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self

import attrs

from testio.client.fields import (
    MAX_TEXT,
    as_object,
    int_field,
    list_field,
    opt_int,
    opt_text,
    parse_instant,
    sub_object,
    text_field,
)
from testio.errors import PayloadError


@attrs.frozen
class Section:
    """A named section of a product."""

    id: int
    name: str


@attrs.frozen
class Product:
    """A product on the account, with its section layout."""

    id: int
    name: str
    type: str | None
    description: str | None
    default_section_id: int | None
    sections: tuple[Section, ...]
    has_sections: bool

    @property
    def section_ids(self) -> tuple[int, ...]:
        """The sections to iterate for features and user stories."""
        return tuple(s.id for s in self.sections)

    @classmethod
    def from_api(cls, raw: Any) -> Self:
        """Parse one product; sections follow the detection rule of the API contract."""
        data = as_object(raw, "A product")
        pid = int_field(data, "id", "A product")
        named = [_section(s) for s in list_field(data, "sections")]
        with_default = [_section(s) for s in list_field(data, "sections_with_default")]
        named_ok = [s for s in named if s is not None]
        default_ok = [s for s in with_default if s is not None]
        has_sections = len(named_ok) > 0 or len(default_ok) > 1
        return cls(
            id=pid,
            name=opt_text(data, "name") or f"Product {pid}",
            type=opt_text(data, "type"),
            description=opt_text(data, "description"),
            default_section_id=opt_int(data, "default_section_id"),
            sections=tuple(named_ok or default_ok),
            has_sections=has_sections,
        )


def _section(raw: Any) -> Section | None:
    if not isinstance(raw, Mapping):
        return None
    sid = opt_int(raw, "id")  # pyright: ignore[reportUnknownArgumentType]
    if sid is None:
        return None
    return Section(id=sid, name=opt_text(raw, "name") or f"Section {sid}")  # pyright: ignore[reportUnknownArgumentType]


@attrs.frozen
class Feature:
    """A catalogue feature; user stories are titles only."""

    id: int
    title: str
    description: str | None
    howtofind: str | None
    user_stories: tuple[str, ...]

    @classmethod
    def from_api(cls, raw: Any) -> Self:
        """Parse one catalogue feature."""
        data = as_object(raw, "A feature")
        return cls(
            id=int_field(data, "id", "A feature"),
            title=text_field(data, "title", "A feature"),
            description=opt_text(data, "description"),
            howtofind=opt_text(data, "howtofind"),
            user_stories=tuple(
                s[:MAX_TEXT] for s in list_field(data, "user_stories") if isinstance(s, str)
            ),
        )


@attrs.frozen
class UserStory:
    """A user story of a product; it names no feature (features list stories by title)."""

    id: int
    title: str

    @classmethod
    def from_api(cls, raw: Any) -> Self:
        """Parse one user story (`path` repeats `title`)."""
        data = as_object(raw, "A user story")
        sid = int_field(data, "id", "A user story")
        title = opt_text(data, "title") or opt_text(data, "path")
        if title is None:
            raise PayloadError(f"User story {sid} has no title.")
        return cls(id=sid, title=title)


@attrs.frozen
class TestFeature:
    """A feature as it stood for one test."""

    __test__ = False

    id: int
    feature_id: int | None
    title: str


@attrs.frozen
class Test:
    """An exploratory test (or test-case run); environment credentials are never kept."""

    __test__ = False

    id: int
    product_id: int
    title: str
    status: str
    review_status: str | None
    testing_type: str | None
    start_at: datetime | None
    end_at: datetime | None
    section_id: int | None
    environment_id: int | None
    environment_title: str | None
    created_by: str | None
    goal: str | None
    features: tuple[TestFeature, ...]

    @classmethod
    def from_api(cls, raw: Any, *, product_id: int | None = None) -> Self:
        """Parse one test; `product_id` is used when the payload lacks `product.id`."""
        data = as_object(raw, "A test")
        tid = int_field(data, "id", "A test")
        what = f"Test {tid}"
        pid = opt_int(sub_object(data, "product"), "id") or product_id
        if pid is None:
            raise PayloadError(f"{what} has no product id.")
        status = opt_text(data, "status")
        if status is None:
            raise PayloadError(f"{what} has no status.")
        env = sub_object(data, "test_environment")
        features: list[TestFeature] = []
        for item in list_field(data, "features"):
            if isinstance(item, Mapping):
                fid = opt_int(item, "id")  # pyright: ignore[reportUnknownArgumentType]
                if fid is not None:
                    features.append(
                        TestFeature(
                            id=fid,
                            feature_id=opt_int(item, "feature_id"),  # pyright: ignore[reportUnknownArgumentType]
                            title=opt_text(item, "title") or "",  # pyright: ignore[reportUnknownArgumentType]
                        )
                    )
        return cls(
            id=tid,
            product_id=pid,
            title=opt_text(data, "title") or opt_text(data, "test_title") or f"Test {tid}",
            status=status,
            review_status=opt_text(data, "review_status"),
            testing_type=opt_text(data, "testing_type"),
            start_at=parse_instant(data.get("start_at")),
            end_at=parse_instant(data.get("end_at")),
            section_id=opt_int(sub_object(data, "section"), "id"),
            environment_id=opt_int(env, "id"),
            environment_title=opt_text(env, "title"),
            created_by=opt_text(data, "created_by"),
            goal=opt_text(data, "goal_text") or opt_text(data, "goal"),
            features=tuple(features),
        )

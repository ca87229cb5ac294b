"""Results about a product's catalogue: its features and its user stories."""

from __future__ import annotations

from datetime import datetime

import attrs

from testio.domain.common import DataWarning, Ref


@attrs.frozen
class FeatureSummary:
    """A catalogue feature, the sections that list it, and how much testing touched it.

    `test_count` counts the cached tests that had the feature in scope; `bug_count` the
    cached bugs reported against it.
    """

    id: int
    title: str
    description: str | None
    howtofind: str | None
    section_ids: tuple[int, ...]
    user_stories: tuple[str, ...]
    test_count: int
    bug_count: int


@attrs.frozen
class FeatureList:
    """One page of a product's features (or one section's), by title."""

    product: Ref
    section_id: int | None
    features: tuple[FeatureSummary, ...]
    total: int
    page: int
    per_page: int
    has_more: bool
    data_as_of: datetime | None
    warnings: tuple[DataWarning, ...] = ()


@attrs.frozen
class UserStorySummary:
    """A user story and the features that list its title.

    The API links stories to features by exact title only; `ambiguous` is true when another
    story of the product has the same title, so a listed feature may mean that story instead.
    """

    id: int
    title: str
    section_ids: tuple[int, ...]
    features: tuple[Ref, ...]
    ambiguous: bool
    test_count: int
    """Cached tests that had one of those features in scope (summed over the features)."""
    bug_count: int
    """Cached bugs reported against one of those features (summed over the features)."""


@attrs.frozen
class UserStoryList:
    """One page of a product's user stories (or one section's), by title."""

    product: Ref
    section_id: int | None
    user_stories: tuple[UserStorySummary, ...]
    total: int
    page: int
    per_page: int
    has_more: bool
    data_as_of: datetime | None
    warnings: tuple[DataWarning, ...] = ()

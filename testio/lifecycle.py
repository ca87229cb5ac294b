"""The test lifecycle: statuses, phases, cache classes and testing types (see metrics.md).

This is the only module that knows what a test status means. Unknown values never crash:
an unknown status is in the `unknown` phase and mutable (so the cache refreshes it), and an
unknown testing type is passed through normalised.
"""

from __future__ import annotations

from typing import Final, Literal

TestStatus = Literal[
    "initialized",
    "customer_finalized",
    "waiting",
    "running",
    "locked",
    "archived",
    "cancelled",
]
"""The test statuses the TestIO API is known to send; others may appear and are kept."""

TEST_STATUSES: Final[tuple[TestStatus, ...]] = (
    "initialized",
    "customer_finalized",
    "waiting",
    "running",
    "locked",
    "archived",
    "cancelled",
)

EXECUTED_STATUSES: Final[frozenset[str]] = frozenset({"running", "locked", "archived"})
"""The default report scope; `customer_finalized` is pre-execution and not in it."""

IMMUTABLE_STATUSES: Final[frozenset[str]] = frozenset({"archived", "cancelled"})
"""Tests whose cached bugs are never fetched again unless a user forces it."""

Phase = Literal["before_execution", "executing", "ended", "final", "unknown"]

_PHASES: Final[dict[str, Phase]] = {
    "initialized": "before_execution",
    "customer_finalized": "before_execution",
    "waiting": "before_execution",
    "running": "executing",
    "locked": "ended",
    "archived": "final",
    "cancelled": "final",
}

TestingType = Literal[
    "coverage", "focused", "rapid", "usability", "external", "custom", "test_case"
]

TESTING_TYPES: Final[frozenset[str]] = frozenset(
    {"coverage", "focused", "rapid", "usability", "external", "custom", "test_case"}
)
"""Known testing types; `test_case` stands for a test-case run, which the API sends as null."""

TEST_CASE_RUN: Final = "test_case"


def phase(status: str | None) -> Phase:
    """The lifecycle phase of a test status; anything unrecognised is `unknown`."""
    if status is None:
        return "unknown"
    return _PHASES.get(status, "unknown")


def is_executed(status: str | None) -> bool:
    """Whether a test with this status is in the default (executed) report scope."""
    return status in EXECUTED_STATUSES


def is_immutable(status: str | None) -> bool:
    """Whether a test's cached bugs are final; unknown and missing statuses are mutable."""
    return status in IMMUTABLE_STATUSES


def normalise_testing_type(value: str | None) -> str:
    """The testing type as stored and reported: lower case, with null meaning `test_case`.

    A missing or blank value is a test-case run. An unknown value is kept (lower-cased,
    trimmed) rather than refused, so a new type from the API never breaks a sync.
    """
    if value is None or not value.strip():
        return TEST_CASE_RUN
    return value.strip().lower()

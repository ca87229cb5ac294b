"""The test lifecycle table of metrics.md, row by row."""

from __future__ import annotations

import pytest

from testio.lifecycle import (
    EXECUTED_STATUSES,
    IMMUTABLE_STATUSES,
    TEST_STATUSES,
    TESTING_TYPES,
    Phase,
    is_executed,
    is_immutable,
    normalise_testing_type,
    phase,
)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("initialized", "before_execution"),
        ("customer_finalized", "before_execution"),
        ("waiting", "before_execution"),
        ("running", "executing"),
        ("locked", "ended"),
        ("archived", "final"),
        ("cancelled", "final"),
    ],
)
def test_each_known_status_has_the_phase_of_the_lifecycle_table(
    status: str, expected: Phase
) -> None:
    assert phase(status) == expected


@pytest.mark.parametrize("status", ["paused", "ARCHIVED", "", None])
def test_an_unknown_or_missing_status_is_in_the_unknown_phase_and_mutable(
    status: str | None,
) -> None:
    assert phase(status) == "unknown"
    assert is_immutable(status) is False


def test_only_archived_and_cancelled_tests_are_immutable() -> None:
    immutable = {status for status in TEST_STATUSES if is_immutable(status)}

    assert immutable == {"archived", "cancelled"} == IMMUTABLE_STATUSES


def test_executed_scope_is_running_locked_and_archived_without_customer_finalized() -> None:
    executed = {status for status in TEST_STATUSES if is_executed(status)}

    assert executed == {"running", "locked", "archived"} == EXECUTED_STATUSES
    assert not is_executed("customer_finalized")
    assert not is_executed(None)


def test_every_known_status_has_a_known_phase() -> None:
    assert all(phase(status) != "unknown" for status in TEST_STATUSES)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_missing_testing_type_is_a_test_case_run(value: str | None) -> None:
    assert normalise_testing_type(value) == "test_case"


@pytest.mark.parametrize(
    "value", ["coverage", "focused", "rapid", "usability", "external", "custom"]
)
def test_a_known_testing_type_is_kept_as_is(value: str) -> None:
    assert normalise_testing_type(value) == value
    assert value in TESTING_TYPES


def test_a_testing_type_is_trimmed_and_lower_cased() -> None:
    assert normalise_testing_type("  Rapid ") == "rapid"


def test_an_unknown_testing_type_is_kept_rather_than_refused() -> None:
    assert normalise_testing_type("exploratory") == "exploratory"
    assert "exploratory" not in TESTING_TYPES

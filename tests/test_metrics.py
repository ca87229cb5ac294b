"""Bug buckets, rates and health, including the worked example of metrics.md exactly."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testio.dates import DateRange, resolve_range
from testio.lifecycle import EXECUTED_STATUSES
from testio.metrics import (
    DEFAULT_THRESHOLDS,
    BucketCounts,
    HealthThresholds,
    Level,
    Rates,
    Threshold,
    bucket,
    health,
    overall_health,
    rates,
    round_rate,
)

Bug = tuple[str | None, bool | None, bool | None]  # (status, auto_accepted, known)
Test = tuple[int, str, datetime | None, list[Bug]]  # (id, status, end_at, bugs)

PLUS_1 = timezone(timedelta(hours=1))
PLUS_2 = timezone(timedelta(hours=2))

WORKED_EXAMPLE: list[Test] = [
    (
        101,
        "archived",
        datetime(2025, 1, 15, 18, 0, tzinfo=PLUS_1),
        [
            ("accepted", False, False),
            ("accepted", False, False),
            ("accepted", True, False),
            ("rejected", None, False),
            ("rejected", None, True),
        ],
    ),
    (
        102,
        "locked",
        datetime(2025, 3, 31, 23, 30, tzinfo=UTC),
        [("accepted", False, False), ("forwarded", None, False), ("forwarded", None, False)],
    ),
    (103, "archived", datetime(2025, 4, 1, 0, 30, tzinfo=PLUS_2), [("accepted", True, False)]),
    (104, "customer_finalized", None, []),
]

TODAY = date(2025, 6, 1)


def in_scope(tests: Iterable[Test], date_range: DateRange | None) -> list[Test]:
    """The executed tests whose end_at falls in the range, as a report selects them."""
    return [
        test
        for test in tests
        if test[1] in EXECUTED_STATUSES and (date_range is None or date_range.contains(test[2]))
    ]


def count(tests: Iterable[Test]) -> BucketCounts:
    return BucketCounts.from_bugs(bug for test in tests for bug in test[3])


def rounded(r: Rates) -> dict[str, float | None]:
    return {
        "active_acceptance_rate": round_rate(r.active_acceptance_rate),
        "overall_acceptance_rate": round_rate(r.overall_acceptance_rate),
        "auto_acceptance_rate": round_rate(r.auto_acceptance_rate),
        "rejection_rate": round_rate(r.rejection_rate),
        "review_rate": round_rate(r.review_rate),
    }


# The worked example


def test_worked_example_scope_is_tests_101_102_and_103() -> None:
    date_range = resolve_range("2025-01-01", "2025-03-31", today=TODAY)

    assert [test[0] for test in in_scope(WORKED_EXAMPLE, date_range)] == [101, 102, 103]


def test_worked_example_counts_nine_bugs_in_their_buckets_with_one_known() -> None:
    date_range = resolve_range("2025-01-01", "2025-03-31", today=TODAY)

    counts = count(in_scope(WORKED_EXAMPLE, date_range))

    assert counts == BucketCounts(
        active_accepted=3, auto_accepted=2, rejected=2, open=2, other=0, known=1
    )
    assert (counts.total, counts.total_accepted, counts.reviewed) == (9, 5, 5)


def test_worked_example_rates_match_metrics_md_to_four_places() -> None:
    date_range = resolve_range("2025-01-01", "2025-03-31", today=TODAY)

    result = rates(count(in_scope(WORKED_EXAMPLE, date_range)))

    assert rounded(result) == {
        "active_acceptance_rate": 0.3333,
        "overall_acceptance_rate": 0.5556,
        "auto_acceptance_rate": 0.4,
        "rejection_rate": 0.2222,
        "review_rate": 0.5556,
    }


def test_worked_example_health_levels_match_metrics_md() -> None:
    date_range = resolve_range("2025-01-01", "2025-03-31", today=TODAY)

    levels = health(rates(count(in_scope(WORKED_EXAMPLE, date_range))))

    assert levels == {
        "active_acceptance_rate": "warning",
        "auto_acceptance_rate": "critical",
        "rejection_rate": "warning",
        "review_rate": "critical",
    }
    assert overall_health(levels) == "critical"


def test_worked_example_test_103_alone_is_fully_auto_accepted_and_unreviewed() -> None:
    counts = count(test for test in WORKED_EXAMPLE if test[0] == 103)

    assert (counts.total, counts.active_accepted, counts.auto_accepted) == (1, 0, 1)
    assert rounded(rates(counts)) == {
        "active_acceptance_rate": 0.0,
        "overall_acceptance_rate": 1.0,
        "auto_acceptance_rate": 1.0,
        "rejection_rate": 0.0,
        "review_rate": 0.0,
    }


def test_worked_example_april_has_no_tests_so_zero_counts_null_rates_unknown_health() -> None:
    date_range = resolve_range("2025-04-01", "2025-04-30", today=TODAY)

    counts = count(in_scope(WORKED_EXAMPLE, date_range))
    result = rates(counts)
    levels = health(result)

    assert counts == BucketCounts()
    assert counts.total == 0
    assert result == Rates(None, None, None, None, None)
    assert set(levels.values()) == {"unknown"}
    assert overall_health(levels) == "unknown"


# Buckets


@pytest.mark.parametrize(
    ("status", "auto_accepted", "expected"),
    [
        ("accepted", False, "active_accepted"),
        ("accepted", None, "active_accepted"),
        ("accepted", True, "auto_accepted"),
        ("rejected", None, "rejected"),
        ("rejected", True, "rejected"),
        ("forwarded", None, "open"),
    ],
)
def test_each_status_falls_in_the_bucket_of_metrics_md(
    status: str, auto_accepted: bool | None, expected: str
) -> None:
    assert bucket(status, auto_accepted) == expected


@pytest.mark.parametrize("status", ["auto_accepted", "duplicate", "Accepted", "", None])
def test_an_unknown_bug_status_falls_in_other(status: str | None) -> None:
    assert bucket(status, True) == "other"


def test_known_bugs_stay_in_their_bucket_and_are_counted_as_known_too() -> None:
    counts = BucketCounts.from_bugs([("rejected", None, True), ("mystery", None, True)])

    assert (counts.rejected, counts.other, counts.known, counts.total) == (1, 1, 2, 2)


def test_bucket_counts_add_field_by_field() -> None:
    left = BucketCounts(active_accepted=1, auto_accepted=2, rejected=3, open=4, other=5, known=6)
    right = BucketCounts(active_accepted=10, auto_accepted=20, rejected=30, open=40, other=50)

    assert left + right == BucketCounts(
        active_accepted=11, auto_accepted=22, rejected=33, open=44, other=55, known=6
    )


def test_bucket_counts_build_from_sql_grouped_counts_with_missing_and_null_as_zero() -> None:
    counts = BucketCounts.from_mapping({"active_accepted": 3, "rejected": None}, known=2)

    assert counts == BucketCounts(active_accepted=3, known=2)


def test_bucket_counts_refuse_a_grouped_count_that_is_not_a_bucket() -> None:
    with pytest.raises(ValueError, match="Unknown bug bucket 'accepted'"):
        BucketCounts.from_mapping({"accepted": 3})


def test_bucket_counts_refuse_a_negative_count() -> None:
    with pytest.raises(ValueError, match="rejected"):
        BucketCounts(rejected=-1)


# Rates


def test_auto_acceptance_is_null_when_nothing_is_accepted_but_other_rates_are_not() -> None:
    result = rates(BucketCounts(rejected=2, open=2))

    assert result.auto_acceptance_rate is None
    assert result.rejection_rate == 0.5
    assert result.active_acceptance_rate == 0.0


def test_rates_are_computed_from_exact_counts_not_rounded_ones() -> None:
    result = rates(BucketCounts(active_accepted=1, other=2))

    assert result.active_acceptance_rate == 1 / 3
    assert round_rate(result.active_acceptance_rate) == 0.3333


def test_round_rate_keeps_null_as_null() -> None:
    assert round_rate(None) is None


# Health thresholds


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.19, "healthy"),
        (0.20, "warning"),
        (0.34, "warning"),
        (0.35, "critical"),
        (1.0, "critical"),
    ],
)
def test_rejection_rate_thresholds_are_inclusive(value: float, expected: Level) -> None:
    assert DEFAULT_THRESHOLDS.rejection_rate.level(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.19, "healthy"), (0.20, "warning"), (0.39, "warning"), (0.40, "critical")],
)
def test_auto_acceptance_rate_thresholds_are_inclusive(value: float, expected: Level) -> None:
    assert DEFAULT_THRESHOLDS.auto_acceptance_rate.level(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.36, "healthy"),
        (0.35, "warning"),
        (0.21, "warning"),
        (0.20, "critical"),
        (0.0, "critical"),
    ],
)
def test_active_acceptance_rate_thresholds_are_inclusive(value: float, expected: Level) -> None:
    assert DEFAULT_THRESHOLDS.active_acceptance_rate.level(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.81, "healthy"), (0.80, "warning"), (0.61, "warning"), (0.60, "critical")],
)
def test_review_rate_thresholds_are_inclusive(value: float, expected: Level) -> None:
    assert DEFAULT_THRESHOLDS.review_rate.level(value) == expected


def test_a_rate_exactly_on_a_boundary_from_counts_reaches_that_level() -> None:
    # 1/5, 7/20, 4/5 and 3/5 divide to the same floats as the literals of the thresholds.
    levels = health(
        Rates(
            active_acceptance_rate=7 / 20,
            overall_acceptance_rate=None,
            auto_acceptance_rate=1 / 5,
            rejection_rate=7 / 20,
            review_rate=3 / 5,
        )
    )

    assert levels == {
        "rejection_rate": "critical",
        "auto_acceptance_rate": "warning",
        "active_acceptance_rate": "warning",
        "review_rate": "critical",
    }


def test_a_null_rate_has_unknown_health() -> None:
    assert DEFAULT_THRESHOLDS.review_rate.level(None) == "unknown"


def test_default_thresholds_are_those_of_metrics_md() -> None:
    assert HealthThresholds() == HealthThresholds(
        rejection_rate=Threshold(0.20, 0.35, "high"),
        auto_acceptance_rate=Threshold(0.20, 0.40, "high"),
        active_acceptance_rate=Threshold(0.35, 0.20, "low"),
        review_rate=Threshold(0.80, 0.60, "low"),
    )


@pytest.mark.parametrize(
    ("warning", "critical", "bad_when"),
    [(0.35, 0.20, "high"), (0.20, 0.20, "high"), (0.20, 0.35, "low"), (0.30, 0.30, "low")],
)
def test_thresholds_in_the_wrong_order_are_refused(
    warning: float, critical: float, bad_when: Literal["high", "low"]
) -> None:
    with pytest.raises(ValueError, match="wrong order"):
        Threshold(warning, critical, bad_when)


def test_a_wrong_order_from_config_names_the_rate() -> None:
    with pytest.raises(ValueError, match=r"^The thresholds of review_rate are in the wrong order"):
        HealthThresholds.from_config({"review_rate": (0.60, 0.80)})


def test_config_overrides_one_rate_and_keeps_the_other_defaults() -> None:
    thresholds = HealthThresholds.from_config({"rejection_rate": (0.10, 0.15)})

    assert thresholds.rejection_rate == Threshold(0.10, 0.15, "high")
    assert thresholds.review_rate == DEFAULT_THRESHOLDS.review_rate


def test_config_for_an_unknown_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="No health threshold for 'overall_acceptance_rate'"):
        HealthThresholds.from_config({"overall_acceptance_rate": (0.5, 0.3)})


def test_a_threshold_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match=r"use a fraction in \[0, 1\]"):
        Threshold(20, 35, "high")


def test_a_threshold_with_the_wrong_direction_for_its_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="rejection_rate is bad when high"):
        HealthThresholds(rejection_rate=Threshold(0.5, 0.3, "low"))


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        (["healthy", "warning", "unknown"], "warning"),
        (["unknown", "critical", "warning"], "critical"),
        (["healthy", "unknown"], "healthy"),
        (["unknown", "unknown"], "unknown"),
        ([], "unknown"),
    ],
)
def test_overall_health_is_the_worst_known_level(levels: list[Level], expected: Level) -> None:
    assert overall_health({str(i): level for i, level in enumerate(levels)}) == expected


# Properties

bugs_strategy = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(["accepted", "rejected", "forwarded"]), st.none(), st.text()),
        st.one_of(st.booleans(), st.none()),
        st.one_of(st.booleans(), st.none()),
    )
)


@given(bugs_strategy)
def test_bucket_totals_equal_the_number_of_bugs_and_rates_stay_in_zero_to_one(
    bugs: list[Bug],
) -> None:
    counts = BucketCounts.from_bugs(bugs)
    result = rates(counts)

    assert counts.total == len(bugs)
    assert counts.known == sum(1 for bug in bugs if bug[2] is True)
    for value in (
        result.active_acceptance_rate,
        result.overall_acceptance_rate,
        result.auto_acceptance_rate,
        result.rejection_rate,
        result.review_rate,
    ):
        assert value is None or 0.0 <= value <= 1.0
    assert (result.rejection_rate is None) == (len(bugs) == 0)

"""Report scope dates: every phrase, calendar edges, range errors and UTC-day membership."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testio.dates import DateRange, DateRangeError, parse_date_phrase, resolve_range

TODAY = date(2025, 5, 15)

ACCEPTED = (
    "use YYYY-MM-DD, today, yesterday, last N days|weeks|months, "
    "this month|quarter|year or last month|quarter|year."
)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025-02-03", date(2025, 2, 3), date(2025, 2, 3)),
        ("today", TODAY, TODAY),
        ("yesterday", date(2025, 5, 14), date(2025, 5, 14)),
        ("last 1 day", TODAY, TODAY),
        ("last 7 days", date(2025, 5, 9), TODAY),
        ("last 1 week", date(2025, 5, 9), TODAY),
        ("last 2 weeks", date(2025, 5, 2), TODAY),
        ("last 1 month", date(2025, 4, 16), TODAY),
        ("last 3 months", date(2025, 2, 16), TODAY),
        ("this month", date(2025, 5, 1), date(2025, 5, 31)),
        ("this quarter", date(2025, 4, 1), date(2025, 6, 30)),
        ("this year", date(2025, 1, 1), date(2025, 12, 31)),
        ("last month", date(2025, 4, 1), date(2025, 4, 30)),
        ("last quarter", date(2025, 1, 1), date(2025, 3, 31)),
        ("last year", date(2024, 1, 1), date(2024, 12, 31)),
    ],
)
def test_each_accepted_form_gives_its_first_day_as_start_and_last_day_as_end(
    text: str, start: date, end: date
) -> None:
    assert parse_date_phrase(text, today=TODAY) == start
    assert parse_date_phrase(text, today=TODAY, end=True) == end


@pytest.mark.parametrize("text", ["  Last 7 DAYS ", "LAST   7\tdays", "last 7 day", "Today "])
def test_phrases_ignore_case_surrounding_whitespace_and_plural_form(text: str) -> None:
    expected = TODAY if "oday" in text.lower() else date(2025, 5, 9)

    assert parse_date_phrase(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("today", "phrase", "start", "end"),
    [
        (date(2025, 1, 10), "last month", date(2024, 12, 1), date(2024, 12, 31)),
        (date(2025, 1, 10), "last quarter", date(2024, 10, 1), date(2024, 12, 31)),
        (date(2025, 12, 31), "this month", date(2025, 12, 1), date(2025, 12, 31)),
        (date(2025, 12, 31), "this quarter", date(2025, 10, 1), date(2025, 12, 31)),
        (date(2025, 12, 31), "last quarter", date(2025, 7, 1), date(2025, 9, 30)),
        (date(2024, 3, 1), "last month", date(2024, 2, 1), date(2024, 2, 29)),
        (date(2025, 3, 1), "last month", date(2025, 2, 1), date(2025, 2, 28)),
        (date(2024, 2, 29), "this month", date(2024, 2, 1), date(2024, 2, 29)),
        (date(2024, 2, 29), "yesterday", date(2024, 2, 28), date(2024, 2, 28)),
        (date(2024, 3, 1), "yesterday", date(2024, 2, 29), date(2024, 2, 29)),
        (date(2025, 1, 1), "yesterday", date(2024, 12, 31), date(2024, 12, 31)),
        (date(2025, 1, 1), "last 7 days", date(2024, 12, 26), date(2025, 1, 1)),
    ],
)
def test_calendar_periods_cross_year_ends_and_leap_days_correctly(
    today: date, phrase: str, start: date, end: date
) -> None:
    assert parse_date_phrase(phrase, today=today) == start
    assert parse_date_phrase(phrase, today=today, end=True) == end


@pytest.mark.parametrize(
    ("today", "phrase", "start"),
    [
        (date(2025, 5, 31), "last 3 months", date(2025, 3, 1)),
        (date(2025, 3, 31), "last 1 month", date(2025, 3, 1)),
        (date(2024, 3, 31), "last 1 month", date(2024, 3, 1)),
        (date(2024, 3, 28), "last 1 month", date(2024, 2, 29)),
        (date(2025, 1, 31), "last 2 months", date(2024, 12, 1)),
        (date(2025, 2, 15), "last 12 months", date(2024, 2, 16)),
        (date(2025, 2, 15), "last 14 months", date(2023, 12, 16)),
    ],
)
def test_last_n_months_starts_the_day_after_the_same_day_n_months_back_clamped(
    today: date, phrase: str, start: date
) -> None:
    assert parse_date_phrase(phrase, today=today) == start
    assert parse_date_phrase(phrase, today=today, end=True) == today


@pytest.mark.parametrize(
    "text",
    [
        "next week",
        "last 0 days",
        "last -1 days",
        "last days",
        "last fortnight",
        "2025-02-30",
        "2025-13-01",
        "2025-1-5",
        "20250105",
        "15/05/2025",
        "",
    ],
)
def test_an_unreadable_date_names_the_value_and_lists_the_accepted_forms(text: str) -> None:
    with pytest.raises(DateRangeError) as caught:
        parse_date_phrase(text, today=TODAY)

    assert str(caught.value) == f"Cannot read {text!r} as a date; {ACCEPTED}"


def test_the_message_for_next_week_is_exactly_the_documented_one() -> None:
    with pytest.raises(DateRangeError) as caught:
        resolve_range("next week", None, today=TODAY)

    assert str(caught.value) == (
        "Cannot read 'next week' as a date; use YYYY-MM-DD, today, yesterday, "
        "last N days|weeks|months, this month|quarter|year or last month|quarter|year."
    )


def test_a_count_reaching_outside_the_calendar_is_a_date_range_error() -> None:
    with pytest.raises(DateRangeError, match="reaches outside the calendar"):
        parse_date_phrase("last 99999999 months", today=TODAY)


def test_date_range_error_is_a_value_error() -> None:
    assert issubclass(DateRangeError, ValueError)


def test_a_start_after_the_end_is_refused_with_both_dates_named() -> None:
    with pytest.raises(DateRangeError) as caught:
        resolve_range("2025-03-02", "2025-03-01", today=TODAY)

    assert str(caught.value) == (
        "The start date 2025-03-02 is after the end date 2025-03-01;"
        " swap them or choose an earlier start."
    )


def test_a_phrase_start_after_a_phrase_end_is_refused() -> None:
    with pytest.raises(DateRangeError, match="is after the end date"):
        resolve_range("this month", "last month", today=TODAY)


def test_a_range_of_one_day_is_allowed() -> None:
    assert resolve_range("today", "today", today=TODAY) == DateRange(TODAY, TODAY)


def test_a_span_phrase_gives_its_whole_span_when_used_for_both_ends() -> None:
    assert resolve_range("last month", "last month", today=TODAY) == DateRange(
        date(2025, 4, 1), date(2025, 4, 30)
    )


def test_no_start_and_no_end_is_no_range() -> None:
    assert resolve_range(None, None, today=TODAY) is None
    assert resolve_range("  ", "", today=TODAY) is None


def test_a_span_phrase_given_only_as_start_leaves_the_end_open() -> None:
    date_range = resolve_range("last month", None, today=TODAY)

    assert date_range == DateRange(date(2025, 4, 1), None)
    assert date_range is not None
    assert date_range.contains(datetime(2030, 1, 1, tzinfo=UTC))


def test_an_end_without_a_start_leaves_the_start_open() -> None:
    date_range = resolve_range(None, "2025-01-31", today=TODAY)

    assert date_range == DateRange(None, date(2025, 1, 31))
    assert date_range is not None
    assert date_range.contains(datetime(1999, 1, 1, tzinfo=UTC))
    assert not date_range.contains(datetime(2025, 2, 1, tzinfo=UTC))


def test_instants_are_whole_utc_days_from_midnight_to_the_last_microsecond() -> None:
    date_range = DateRange(date(2025, 1, 1), date(2025, 3, 31))

    assert date_range.start_instant == datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert date_range.end_instant == datetime(2025, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)


def test_an_open_side_has_no_instant() -> None:
    date_range = DateRange(None, None)

    assert (date_range.start_instant, date_range.end_instant) == (None, None)


@pytest.mark.parametrize(
    ("instant", "inside"),
    [
        (datetime(2025, 1, 1, 0, 0, tzinfo=UTC), True),
        (datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), False),
        (datetime(2025, 3, 31, 23, 59, 59, 999999, tzinfo=UTC), True),
        (datetime(2025, 4, 1, 0, 0, tzinfo=UTC), False),
        (datetime(2025, 4, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))), True),
        (datetime(2025, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), False),
        (datetime(2024, 12, 31, 20, 0, tzinfo=timezone(timedelta(hours=-5))), True),
    ],
)
def test_contains_compares_in_utc_with_both_ends_inclusive(instant: datetime, inside: bool) -> None:
    assert DateRange(date(2025, 1, 1), date(2025, 3, 31)).contains(instant) is inside


def test_a_test_without_end_at_is_outside_every_range() -> None:
    assert DateRange(None, None).contains(None) is False


def test_contains_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        DateRange(None, None).contains(datetime(2025, 1, 1))


PHRASES = st.one_of(
    st.sampled_from(
        [
            "today",
            "yesterday",
            "this month",
            "this quarter",
            "this year",
            "last month",
            "last quarter",
            "last year",
        ]
    ),
    st.builds(
        "last {} {}".format,
        st.integers(min_value=1, max_value=400),
        st.sampled_from(["day", "days", "week", "weeks", "month", "months"]),
    ),
)


@given(phrase=PHRASES, today=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_every_phrase_denotes_a_non_empty_span_that_starts_no_later_than_today(
    phrase: str, today: date
) -> None:
    date_range = resolve_range(phrase, phrase, today=today)

    assert date_range is not None
    assert date_range.start is not None
    assert date_range.end is not None
    assert date_range.start <= date_range.end
    assert date_range.start <= today

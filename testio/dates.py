"""Report scope dates: date phrases, whole-UTC-day ranges and membership of a test's end_at.

Conventions (all days are UTC calendar days, both ends of a range inclusive):

- `YYYY-MM-DD` is that day; `today` and `yesterday` are single days.
- `last N days` is the N days ending today (`last 1 day` is today); `last N weeks` is the
  7·N days ending today.
- `last N months` is a rolling window ending today: it starts the day after the same day of
  the month N months back, clamped to that month's end (from 2025-05-15, `last 1 month` is
  2025-04-16..2025-05-15; from 2025-05-31, `last 3 months` starts 2025-03-01).
- `this month|quarter|year` and `last month|quarter|year` are calendar periods (`last month`
  is the whole previous calendar month, unlike the rolling `last 1 month`).
- A phrase that denotes a span gives its first day as a start and its last day as an end, so
  `this month` as an end is the last day of this month, even if that is in the future.
- One phrase fills only the end it is given for: `start="last month"` with no end is open-ended.
- A missing or blank start or end means that side of the range is open.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

import attrs

ACCEPTED_FORMS: Final = (
    "YYYY-MM-DD, today, yesterday, last N days|weeks|months, "
    "this month|quarter|year or last month|quarter|year"
)

_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LAST_N: Final = re.compile(r"last\s+([0-9]+)\s+(day|week|month)s?")
_PERIOD: Final = re.compile(r"(this|last)\s+(month|quarter|year)")


class DateRangeError(ValueError):
    """A report date or date range that cannot be used; the message says what to write."""


def _unreadable(text: str) -> DateRangeError:
    return DateRangeError(f"Cannot read {text.strip()!r} as a date; use {ACCEPTED_FORMS}.")


def _month_start(year: int, month: int) -> date:
    """The first day of a month given with a month number that may be out of 1..12."""
    years, month_index = divmod(month - 1, 12)
    return date(year + years, month_index + 1, 1)


def _month_end(year: int, month: int) -> date:
    return _month_start(year, month + 1) - timedelta(days=1)


def _months_back(day: date, months: int) -> date:
    """The same day of the month `months` months earlier, clamped to that month's last day."""
    first = _month_start(day.year, day.month - months)
    last = _month_end(first.year, first.month)
    return first.replace(day=min(day.day, last.day))


def _period(kind: str, which: str, today: date) -> tuple[date, date]:
    """The first and last day of this or last calendar month, quarter or year."""
    step = -1 if which == "last" else 0
    if kind == "year":
        year = today.year + step
        return date(year, 1, 1), date(year, 12, 31)
    months = 3 if kind == "quarter" else 1
    period_first_month = (today.month - 1) // months * months + 1 + step * months
    first = _month_start(today.year, period_first_month)
    return first, _month_end(first.year, first.month + months - 1)


def _span(phrase: str, today: date) -> tuple[date, date] | None:
    """The first and last day a normalised phrase denotes, or None if it is not a phrase."""
    if phrase == "today":
        return today, today
    if phrase == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    if match := _LAST_N.fullmatch(phrase):
        count, unit = int(match[1]), match[2]
        if count < 1:
            return None
        if unit == "day":
            return today - timedelta(days=count - 1), today
        if unit == "week":
            return today - timedelta(days=7 * count - 1), today
        return _months_back(today, count) + timedelta(days=1), today
    if match := _PERIOD.fullmatch(phrase):
        return _period(match[2], match[1], today)
    return None


def parse_date_phrase(text: str, *, today: date, end: bool = False) -> date:
    """The day a date or phrase denotes: a span's first day, or its last day when `end`.

    Case and surrounding whitespace are ignored. Raises DateRangeError naming the value and
    listing the accepted forms when it cannot be read.
    """
    phrase = " ".join(text.split()).lower()
    if _ISO_DATE.fullmatch(phrase):
        try:
            return date.fromisoformat(phrase)
        except ValueError:
            raise _unreadable(text) from None
    try:
        span = _span(phrase, today)
    except (OverflowError, ValueError):
        raise DateRangeError(
            f"{text.strip()!r} reaches outside the calendar; use a smaller number."
        ) from None
    if span is None:
        raise _unreadable(text)
    return span[1] if end else span[0]


def _ordered(
    instance: DateRange, attribute: attrs.Attribute[date | None], value: date | None
) -> None:
    if instance.start is not None and value is not None and instance.start > value:
        raise DateRangeError(
            f"The start date {instance.start} is after the end date {value};"
            " swap them or choose an earlier start."
        )


@attrs.frozen
class DateRange:
    """Whole UTC days from `start` to `end`, both inclusive; a None side is open."""

    start: date | None
    end: date | None = attrs.field(validator=_ordered)

    @property
    def start_instant(self) -> datetime | None:
        """00:00:00Z of the start day."""
        return None if self.start is None else datetime.combine(self.start, time.min, UTC)

    @property
    def end_instant(self) -> datetime | None:
        """23:59:59.999999Z of the end day."""
        return None if self.end is None else datetime.combine(self.end, time.max, UTC)

    def contains(self, instant: datetime | None) -> bool:
        """Whether an aware instant (a test's end_at) falls in the range; None never does."""
        if instant is None:
            return False
        if instant.utcoffset() is None:
            raise ValueError(f"DateRange.contains needs an aware datetime, not naive {instant}.")
        start, end = self.start_instant, self.end_instant
        return (start is None or start <= instant) and (end is None or instant <= end)


def resolve_range(start: str | None, end: str | None, *, today: date) -> DateRange | None:
    """The range a start and an end (dates or phrases) denote; None when neither is given.

    Raises DateRangeError for an unreadable value or a start after the end.
    """
    start_text = start if start is not None and start.strip() else None
    end_text = end if end is not None and end.strip() else None
    if start_text is None and end_text is None:
        return None
    return DateRange(
        start=None if start_text is None else parse_date_phrase(start_text, today=today),
        end=None if end_text is None else parse_date_phrase(end_text, today=today, end=True),
    )

"""Instants: the data anchor, the Berlin offset rule, and the mixed timestamp styles of the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Literal

# Generated dates are laid out relative to this instant, so the data never depends on the real
# clock; only the statuses computed from "now" do.
ANCHOR = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

StampStyle = Literal["asis", "berlin", "utc", "z", "zms", "new_york"]

_NEW_YORK = timezone(timedelta(hours=-5))
_SUMMER = timezone(timedelta(hours=2))
_WINTER = timezone(timedelta(hours=1))


def _last_sunday(year: int, month: int) -> datetime:
    """Return 01:00 UTC on the last Sunday of a month (when EU clocks change)."""
    first_of_next = datetime(year + month // 12, month % 12 + 1, 1, 1, tzinfo=UTC)
    last_day = first_of_next - timedelta(days=1)
    return last_day - timedelta(days=(last_day.weekday() + 1) % 7)


def berlin(instant: datetime) -> datetime:
    """Return the instant in Europe/Berlin local time (+01:00 in winter, +02:00 in summer)."""
    utc = instant.astimezone(UTC)
    summer = _last_sunday(utc.year, 3) <= utc < _last_sunday(utc.year, 10)
    return utc.astimezone(_SUMMER if summer else _WINTER)


def berlin_wall(year: int, month: int, day: int, hour: int) -> datetime:
    """Return the instant at a Berlin wall-clock hour."""
    guess = datetime(year, month, day, hour, tzinfo=UTC) - timedelta(hours=1)
    offset = berlin(guess).utcoffset() or timedelta(hours=1)
    return datetime(year, month, day, hour, tzinfo=UTC) - offset


def stamp(instant: datetime, style: StampStyle) -> str:
    """Format an instant the way the API does, in one of its observed styles."""
    if style == "asis":
        return instant.isoformat()
    if style == "berlin":
        return berlin(instant).isoformat()
    if style == "new_york":
        return instant.astimezone(_NEW_YORK).isoformat()
    utc = instant.astimezone(UTC)
    if style == "utc":
        return utc.isoformat()
    text = utc.replace(microsecond=0, tzinfo=None).isoformat()
    return f"{text}.000Z" if style == "zms" else f"{text}Z"


def utc_stamp(instant: datetime | None) -> str | None:
    """Format an instant as ISO-8601 UTC with a Z, or None."""
    return None if instant is None else stamp(instant, "z")


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 instant that carries an offset; raise ValueError otherwise."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        raise ValueError(
            f"Instant {text!r} has no UTC offset; add one, for example 'Z' or '+01:00'."
        )
    return value

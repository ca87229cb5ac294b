"""Tolerant readers of decoded JSON fields: required ones raise `PayloadError`, optional ones
give None for nulls, missing keys and wrong types; text is trimmed and capped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from testio.errors import PayloadError

MAX_TEXT = 2000  # longer strings from the API are cut: a title is never a novel


def as_object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError(f"{what} is not a JSON object.")
    return value  # pyright: ignore[reportUnknownVariableType]  # JSON objects have str keys


def int_field(data: Mapping[str, Any], key: str, what: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PayloadError(f"{what} has no valid integer {key!r}.")
    return value


def opt_int(data: Mapping[str, Any] | None, key: str) -> int | None:
    if data is None:
        return None
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def text_field(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise PayloadError(f"{what} has no text {key!r}.")
    return value[:MAX_TEXT]


def opt_text(data: Mapping[str, Any] | None, key: str) -> str | None:
    if data is None:
        return None
    value = data.get(key)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:MAX_TEXT] or None


def opt_bool(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


def parse_instant(value: Any) -> datetime | None:
    """An ISO-8601 timestamp with any offset (or `Z`) as an aware UTC datetime; else None."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:  # the API never sends naive times; read one as UTC, not local
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def sub_object(data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = data.get(key)
    return value if isinstance(value, Mapping) else None  # pyright: ignore[reportUnknownVariableType]


def list_field(data: Mapping[str, Any], key: str) -> Sequence[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else ()  # pyright: ignore[reportUnknownVariableType]

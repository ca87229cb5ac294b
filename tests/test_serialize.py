"""Output schemas derived from the result types accept exactly what `to_jsonable` produces."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import attrs
import pytest
from jsonschema import Draft202012Validator

from testio.serialize import schema_for, to_jsonable


@attrs.frozen
class Inner:
    """A nested object."""

    id: int
    name: str


@attrs.frozen
class Outer:
    """Every kind of optional field a result type has."""

    when: datetime | None
    inner: Inner | None
    kind: Literal["a", "b"] | None
    count: int | None
    either: int | str
    items: tuple[Inner, ...]


def _valid(data: Any) -> bool:
    schema = schema_for(Outer)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    return validator.is_valid(data)  # pyright: ignore[reportUnknownMemberType]  # partly untyped overloads


FULL = Outer(
    when=datetime(2026, 11, 21, 12, tzinfo=UTC),
    inner=Inner(1, "x"),
    kind="a",
    count=3,
    either="s",
    items=(Inner(2, "y"),),
)
EMPTY = Outer(when=None, inner=None, kind=None, count=None, either=1, items=())


@pytest.mark.parametrize("value", [FULL, EMPTY], ids=["values", "nulls"])
def test_the_schema_accepts_what_to_jsonable_produces(value: Outer) -> None:
    """Set and null optional fields both validate."""
    assert _valid(to_jsonable(value))


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("when", 5),
        ("inner", "x"),
        ("inner", {"id": 1}),
        ("kind", "c"),
        ("count", "3"),
        ("either", None),
        ("items", [None]),
    ],
)
def test_the_schema_rejects_wrong_values(field: str, bad: Any) -> None:
    """A nullable field still constrains its non-null values (type, properties, enum)."""
    data = to_jsonable(FULL)
    data[field] = bad
    assert not _valid(data)


def test_optional_fields_are_a_type_list_not_an_any_of() -> None:
    """`X | None` is X's schema with null added to its types (cheap for clients to check)."""
    properties = schema_for(Outer)["properties"]
    assert properties["when"] == {"type": ["string", "null"], "format": "date-time"}
    assert properties["inner"]["type"] == ["object", "null"]
    assert properties["inner"]["required"] == ["id", "name"]
    assert properties["kind"] == {"enum": ["a", "b", None]}
    assert properties["count"] == {"type": ["integer", "null"]}
    assert properties["either"] == {"type": ["integer", "string"]}

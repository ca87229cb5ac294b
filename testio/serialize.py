"""Attrs value objects to plain JSON, and the JSON Schema that describes them.

The MCP tools return `to_jsonable(result)` as structured content and advertise
`schema_for(type(result))` as their output schema, so the two cannot drift apart.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import attrs

JSON = dict[str, Any]


def iso(moment: datetime | None) -> str | None:
    """An aware datetime as ISO-8601 UTC with a `Z`, or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@functools.cache
def _field_names(cls: type[Any]) -> tuple[str, ...] | None:
    if not attrs.has(cls):
        return None
    return tuple(f.name for f in attrs.fields(cls) if not f.name.startswith("_"))


def to_jsonable(value: Any) -> Any:
    """Plain JSON data (dicts, lists, str, numbers, bools, None) from attrs objects and friends."""
    if value is None or isinstance(value, str | int | float):
        return value
    names = _field_names(type(value))  # pyright: ignore[reportUnknownArgumentType]  # attrs values are Any
    if names is not None:
        return {name: to_jsonable(getattr(value, name)) for name in names}
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        items: Mapping[Any, Any] = value  # pyright: ignore[reportUnknownVariableType]  # any mapping
        return {str(k): to_jsonable(v) for k, v in items.items()}
    if isinstance(value, list | tuple | frozenset | set):
        seq: list[Any] | tuple[Any, ...] | frozenset[Any] | set[Any] = value  # pyright: ignore[reportUnknownVariableType]  # any sequence
        return [to_jsonable(v) for v in seq]
    return value


def schema_for(cls: Any) -> JSON:
    """The JSON Schema (draft 2020-12) of `to_jsonable(instance of cls)`.

    A union of attrs classes is an object that matches one of them (`anyOf`), so a tool's
    output schema keeps an object at its root.
    """
    schema = _schema(cls)
    options: list[JSON] = schema.get("anyOf", [])
    if options and all(o.get("type") == "object" for o in options):
        return {"type": "object", **schema}
    return schema


def _schema(tp: Any) -> JSON:
    if tp is type(None) or tp is None:
        return {"type": "null"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is str or tp is Path:
        return {"type": "string"}
    if tp is datetime:
        return {"type": "string", "format": "date-time"}
    if tp is date:
        return {"type": "string", "format": "date"}
    if tp is Any:
        return {}
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is Literal:
        return {"enum": list(args)}
    if origin in (Union, types.UnionType):
        options = [_schema(a) for a in args]
        plain = [o.get("type") for o in options]
        if all(isinstance(t, str) for t in plain) and all(len(o) == 1 for o in options):
            return {"type": plain}
        nullable = _nullable(options)
        return nullable if nullable is not None else {"anyOf": options}
    if origin in (tuple, list, frozenset, set):
        item = args[0] if args else Any
        return {"type": "array", "items": _schema(item)}
    if origin in (dict, Mapping) or tp is dict:
        value = args[1] if len(args) == 2 else Any
        return {"type": "object", "additionalProperties": _schema(value)}
    if isinstance(tp, type) and attrs.has(tp):
        hints = typing.get_type_hints(tp)
        fields: list[str] = [f.name for f in attrs.fields(tp) if not f.name.startswith("_")]
        schema: JSON = {
            "type": "object",
            "properties": {name: _schema(hints[name]) for name in fields},
            "required": fields,
        }
        if tp.__doc__:
            schema["description"] = tp.__doc__.strip().splitlines()[0]
        return schema
    raise TypeError(f"No JSON Schema for {tp!r}")


def _nullable(options: list[JSON]) -> JSON | None:
    """`X | None` as X's schema that also admits null, where that is exact: a type list
    (`format`, `properties`, `items` constrain only their own type) or an enum with null.
    Validators check a type list far faster than an `anyOf` of two schemas."""
    null = {"type": "null"}
    if len(options) != 2 or null not in options:
        return None
    other = options[0] if options[1] == null else options[1]
    kind = other.get("type")
    if isinstance(kind, str):
        return {**other, "type": [kind, "null"]}
    if "enum" in other and len(other) == 1:
        return {"enum": [*other["enum"], None]}
    return None

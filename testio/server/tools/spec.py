"""What a tool is (`ToolSpec`), and the schema pieces the tools share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from testio.app import App
from testio.lifecycle import TEST_STATUSES
from testio.serialize import schema_for

Progress = Callable[[float, float | None, str], Awaitable[None]]
Handler = Callable[[App, dict[str, Any], Progress], Awaitable[Any]]

PRODUCT_TYPES = [
    "website",
    "mobile_app_ios",
    "mobile_app_android",
    "mobile_app_windows",
    "streaming_app",
    "gaming",
]
TESTING_TYPES = ["coverage", "focused", "rapid", "usability", "external", "custom", "test_case"]
DATE_FORMS = (
    "YYYY-MM-DD, or a phrase: today, yesterday, last N days|weeks|months, "
    "this month|quarter|year, last month|quarter|year"
)
DATE: dict[str, Any] = {"type": "string", "maxLength": 40, "description": DATE_FORMS}
ID = {"type": "integer", "minimum": 1, "maximum": 2**53}
STATUSES = {
    "type": "array",
    "items": {"enum": list(TEST_STATUSES)},
    "uniqueItems": True,
    "maxItems": len(TEST_STATUSES),
    "description": "test statuses to include",
}


@attrs.frozen
class ToolSpec:
    """One tool as the server lists it, and the handler that answers it."""

    name: str
    title: str
    description: str
    input_schema: dict[str, Any]
    output_type: Any
    """An attrs class, or a union of them (`A | B`) when the result is one of several shapes."""
    read_only: bool
    idempotent: bool
    open_world: bool
    handler: Handler
    destructive: bool = False

    @property
    def output_schema(self) -> dict[str, Any]:
        """Derived from the result type, so it always matches what the handler returns."""
        return schema_for(self.output_type)


def object_schema(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema

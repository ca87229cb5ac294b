"""Property: whatever arguments a client sends, every tool answers with a result or a clean error."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from testio.server.tools import TOOLS
from tests.world import World

HOSTILE_TEXT = [
    "../../../etc/passwd",
    "/etc/passwd",
    "..\\..\\windows\\system32",
    "'; DROP TABLE tests; --",
    "1 OR 1=1",
    "\x00",
    "🙂" * 300,
    "x" * 20_000,
    "",
    " ",
    "last 99999999999 months",
    "2025-02-30",
    "today; rm -rf /",
]

hostile = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
    st.sampled_from(HOSTILE_TEXT),
    st.lists(st.integers(min_value=-5, max_value=10**12), max_size=5),
    st.lists(st.text(max_size=10), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def valid(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "integer":
        return st.integers(
            schema.get("minimum", -(2**31)), min(schema.get("maximum", 2**31), 10**7)
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        return st.lists(valid(schema["items"]), max_size=3, unique=True)
    return st.one_of(
        st.sampled_from(["today", "last 3 months", "2025-01-01", "this year", "ebr.md", "r.csv"]),
        st.text(min_size=1, max_size=20),
    )


def arguments(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    props: dict[str, Any] = schema.get("properties", {})
    optional = {name: st.one_of(valid(prop), hostile) for name, prop in props.items()}
    well_formed = st.fixed_dictionaries({}, optional=optional)

    def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
        return {**base, **extra}

    with_extra = st.builds(
        merged, well_formed, st.dictionaries(st.text(min_size=1, max_size=8), hostile, max_size=2)
    )
    return st.one_of(well_formed, with_extra)  # the protocol itself requires an object


@pytest.mark.parametrize("tool", [t.name for t in TOOLS])
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_any_arguments_get_a_result_or_a_one_sentence_error(
    synced: World, tool: str, data: st.DataObject
) -> None:
    spec = next(t for t in TOOLS if t.name == tool)
    args = data.draw(arguments(spec.input_schema))
    async with Client(synced.server(), mode="legacy") as mcp:
        result = await mcp.call_tool(tool, args)  # pyright: ignore[reportArgumentType]
        text = result.content[0].text if result.content and result.content[0].type == "text" else ""
        if result.is_error:
            assert "\n" not in text
            assert "Traceback" not in text
            assert "sqlalchemy" not in text.lower()
            assert len(text) < 600
        else:
            assert result.structured_content is not None
        assert synced.settings.api_token
        assert synced.settings.api_token not in text
        still = await mcp.call_tool("get_database_stats", {})
        assert not still.is_error

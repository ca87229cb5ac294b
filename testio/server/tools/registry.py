"""Every tool the server lists, in the order it lists them."""

from __future__ import annotations

from testio.server.tools.analytics import ANALYTICS_TOOLS
from testio.server.tools.bugs import BUG_TOOLS
from testio.server.tools.cache import CACHE_TOOLS
from testio.server.tools.catalogue import CATALOGUE_TOOLS
from testio.server.tools.reports import REPORT_TOOLS
from testio.server.tools.search import SEARCH_TOOLS
from testio.server.tools.spec import ToolSpec
from testio.server.tools.tests import TEST_TOOLS
from testio.server.tools.triage import GET_TRIAGE_LOG, WRITE_TOOLS

_BY_NAME = {
    spec.name: spec
    for spec in (
        *CACHE_TOOLS,
        *TEST_TOOLS,
        *REPORT_TOOLS,
        *BUG_TOOLS,
        *CATALOGUE_TOOLS,
        *SEARCH_TOOLS,
        *ANALYTICS_TOOLS,
        GET_TRIAGE_LOG,
    )
}
_ORDER = (
    "health_check",
    "list_products",
    "list_tests",
    "get_test_status",
    "generate_ebr_report",
    "get_database_stats",
    "get_sync_history",
    "get_problematic_tests",
    "sync_data",
    "list_bugs",
    "get_bug",
    "list_features",
    "list_user_stories",
    "search",
    "query_metrics",
    "get_triage_log",
)

TOOLS: tuple[ToolSpec, ...] = tuple(_BY_NAME[name] for name in _ORDER)
"""The tools every server lists (none of them writes to TestIO)."""


def listed_tools(*, allow_writes: bool) -> tuple[ToolSpec, ...]:
    """The tools a server lists: the write tools only when the user allowed writes."""
    return (*TOOLS, *WRITE_TOOLS) if allow_writes else TOOLS

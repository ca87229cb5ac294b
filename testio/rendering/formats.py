"""The report formats, and the one call that renders a report in any of them."""

from __future__ import annotations

import json
from typing import Literal

from testio.domain.reports import EbrReport
from testio.rendering.csv_rows import render_csv
from testio.rendering.markdown import render_markdown
from testio.rendering.table import render_table
from testio.serialize import to_jsonable

Format = Literal["table", "markdown", "csv", "json", "html"]


def render(report: EbrReport, fmt: Format) -> str:
    """The report in one of the formats."""
    if fmt == "json":
        return json.dumps(to_jsonable(report), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return render_csv(report)
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "html":
        # Imported here: the chart library loads only when a page is drawn.
        from testio.rendering.html import render_html

        return render_html(report)
    return render_table(report)

"""The one call that renders a multi-product EBR report in any text format."""

from __future__ import annotations

import json

from testio.domain.multi_reports import MultiProductEbrReport
from testio.errors import InvalidArgumentError
from testio.rendering.formats import Format
from testio.rendering.multi_csv import render_multi_csv
from testio.rendering.multi_markdown import render_multi_markdown
from testio.rendering.multi_table import render_multi_table
from testio.serialize import to_jsonable


def render_multi(report: MultiProductEbrReport, fmt: Format) -> str:
    """The report in one of the formats."""
    if fmt == "json":
        return json.dumps(to_jsonable(report), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return render_multi_csv(report)
    if fmt == "markdown":
        return render_multi_markdown(report)
    if fmt == "table":
        return render_multi_table(report)
    if fmt == "html":
        from testio.rendering.html_comparison import render_comparison  # loads the chart library

        return render_comparison(report)
    raise InvalidArgumentError(  # a format added for one-product reports only
        f"A multi-product report cannot be written as {fmt}; use json, csv, markdown or html."
    )

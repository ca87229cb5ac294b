"""Reports for people: a terminal table, Markdown, CSV, JSON or HTML, and where report files may go.

`formats.render` renders an `EbrReport` in any format, one module per format;
`multi_formats.render_multi` does the same for a `MultiProductEbrReport` (the `multi_*`
modules, sharing `comparison`); `files` holds the safe-path and private-write rules for
report files.
"""

from __future__ import annotations

from testio.rendering.files import format_for, safe_report_path, write_private
from testio.rendering.formats import Format, render
from testio.rendering.labels import percent
from testio.rendering.multi_formats import render_multi

__all__ = [
    "Format",
    "format_for",
    "percent",
    "render",
    "render_multi",
    "safe_report_path",
    "write_private",
]

"""Reports for people: a terminal table, Markdown, CSV, JSON or HTML, and where report files may go.

`formats.render` renders an `EbrReport` in any format, one module per format; `files` holds
the safe-path and private-write rules for report files.
"""

from __future__ import annotations

from testio.rendering.files import format_for, safe_report_path, write_private
from testio.rendering.formats import Format, render
from testio.rendering.labels import percent

__all__ = ["Format", "format_for", "percent", "render", "safe_report_path", "write_private"]

"""The EBR report tool."""

from __future__ import annotations

from typing import Any

from testio.app import App
from testio.domain.reports import EbrReport
from testio.server.tools.spec import (
    DATE,
    DATE_FORMS,
    ID,
    STATUSES,
    Progress,
    ToolSpec,
    object_schema,
)


async def generate_ebr_report(app: App, args: dict[str, Any], progress: Progress) -> EbrReport:
    async with app.reports() as svc:
        return await svc.generate_ebr_report(
            args["product_id"],
            start_date=args.get("start_date"),
            end_date=args.get("end_date"),
            statuses=args.get("statuses"),
            output_file=args.get("output_file"),
            format=args.get("format"),
            max_rows=args.get("max_rows", 50),
            progress=progress,
        )


REPORT_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="generate_ebr_report",
        title="Executive Business Review report",
        description="EBR report of one product: tests in scope (default: executed tests, "
        "optionally an end-date range), bugs by severity and triage bucket, acceptance, "
        "auto-acceptance, rejection and review rates with health, and per-test rows newest "
        "first. output_file writes the full report (json, csv, markdown, or html: one "
        "self-contained page with charts) into the reports directory.",
        input_schema=object_schema(
            {
                "product_id": {**ID, "description": "the product's id (see list_products)"},
                "start_date": {
                    **DATE,
                    "description": "earliest test end date; " + DATE_FORMS,
                },
                "end_date": {**DATE, "description": "latest test end date; " + DATE_FORMS},
                "statuses": {
                    **STATUSES,
                    "description": "test statuses in scope (default: running, locked, archived)",
                },
                "output_file": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "description": "a file name inside the reports directory, e.g. ebr-2025.md or "
                    "ebr-2025.html",
                },
                "format": {
                    "enum": ["json", "csv", "markdown", "html"],
                    "description": "file format (default: from the file name's extension, else json)",
                },
                "max_rows": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 500,
                    "default": 50,
                    "description": "per-test rows returned inline (the file always has all)",
                },
            },
            ["product_id"],
        ),
        output_type=EbrReport,
        read_only=False,
        idempotent=True,
        open_world=True,
        handler=generate_ebr_report,
    ),
)

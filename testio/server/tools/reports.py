"""The EBR report tool."""

from __future__ import annotations

from typing import Any

from testio.app import App
from testio.domain.multi_reports import MultiProductEbrReport
from testio.domain.reports import EbrReport
from testio.errors import InvalidArgumentError
from testio.server.tools.spec import (
    DATE,
    DATE_FORMS,
    ID,
    STATUSES,
    Progress,
    ToolSpec,
    object_schema,
)


async def generate_ebr_report(
    app: App, args: dict[str, Any], progress: Progress
) -> EbrReport | MultiProductEbrReport:
    async with app.reports() as svc:
        if "product_ids" in args and "product_id" not in args:
            return await svc.generate_multi_product_ebr_report(
                args["product_ids"], **_options(args), progress=progress
            )
        return await svc.generate_ebr_report(
            _one_product(args), **_options(args), progress=progress
        )


def _one_product(args: dict[str, Any]) -> int:
    if "product_id" not in args:
        raise InvalidArgumentError(
            "Missing required argument 'product_id' (the product's id, see list_products), "
            "or give product_ids for several products."
        )
    if "product_ids" in args:
        raise InvalidArgumentError(
            "Give product_id for one product or product_ids for several, not both."
        )
    product_id: int = args["product_id"]
    return product_id


def _options(args: dict[str, Any]) -> dict[str, Any]:
    return {
        "start_date": args.get("start_date"),
        "end_date": args.get("end_date"),
        "statuses": args.get("statuses"),
        "output_file": args.get("output_file"),
        "format": args.get("format"),
        "max_rows": args.get("max_rows", 50),
    }


REPORT_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        name="generate_ebr_report",
        title="Executive Business Review report",
        description="EBR report of one product (product_id), or of several at once "
        "(product_ids: a comparison table, a combined section and each product's own report): "
        "tests in scope (default: executed tests, "
        "optionally an end-date range), bugs by severity and triage bucket, acceptance, "
        "auto-acceptance, rejection and review rates with health, and per-test rows newest "
        "first. output_file writes the full report (json, csv, markdown, or html: one "
        "self-contained page with charts) into the reports directory.",
        input_schema=object_schema(
            {
                "product_id": {**ID, "description": "the product's id (see list_products)"},
                "product_ids": {
                    "type": "array",
                    "items": ID,
                    "minItems": 1,
                    "maxItems": 50,
                    "uniqueItems": True,
                    "description": "several products' ids, instead of product_id",
                },
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
                    "description": "per-test rows returned inline, per product (the file always has all)",
                },
            },
        ),
        output_type=EbrReport | MultiProductEbrReport,
        read_only=False,
        idempotent=True,
        open_world=True,
        handler=generate_ebr_report,
    ),
)

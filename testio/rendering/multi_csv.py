"""The multi-product EBR report's per-test rows as CSV, each led by its product."""

from __future__ import annotations

import csv
import io

from testio.domain.multi_reports import MultiProductEbrReport
from testio.rendering.csv_rows import render_csv


def render_multi_csv(report: MultiProductEbrReport) -> str:
    """Every product's per-test rows (the one-product CSV columns) after product_id and product."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for index, section in enumerate(report.products):
        rows = list(csv.reader(io.StringIO(render_csv(section))))
        if index == 0:
            writer.writerow(["product_id", "product", *rows[0]])
        product = section.scope.product
        writer.writerows([product.id, product.title, *row] for row in rows[1:])
    return out.getvalue()

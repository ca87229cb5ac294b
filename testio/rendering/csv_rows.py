"""The EBR report's per-test rows as CSV, one line each, with counts and rates."""

from __future__ import annotations

import csv
import io

from testio.domain.reports import EbrReport
from testio.rendering.labels import RATE_LABELS
from testio.serialize import iso


def render_csv(report: EbrReport) -> str:
    """Per-test rows, one line each, with counts and rates."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    rate_keys = [k for k, _ in RATE_LABELS]
    writer.writerow(
        [
            "test_id",
            "title",
            "status",
            "testing_type",
            "end_at",
            "bugs",
            "active_accepted",
            "auto_accepted",
            "rejected",
            "open",
            "other",
            "known",
            *rate_keys,
        ]
    )
    for row in report.tests:
        b = row.quality.bugs
        writer.writerow(
            [
                row.id,
                row.title,
                row.status,
                row.testing_type,
                iso(row.end_at) or "",
                b.total,
                b.active_accepted,
                b.auto_accepted,
                b.rejected,
                b.open,
                b.other,
                b.known,
                *[
                    "" if getattr(row.quality.rates, k) is None else getattr(row.quality.rates, k)
                    for k in rate_keys
                ],
            ]
        )
    return out.getvalue()

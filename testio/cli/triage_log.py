"""`testio triage-log`: the audit log of triage writes, printed for people (or as JSON)."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from testio.app import App
from testio.config import Settings
from testio.domain.triage import TriageLog
from testio.errors import TestioError
from testio.serialize import iso, to_jsonable

COLUMNS = ("at", "user", "action", "bug", "before", "outcome", "http", "after", "reason")


async def run_triage_log(
    settings: Settings,
    *,
    limit: int,
    bug_id: int | None,
    product_id: int | None,
    fmt: str,
    out: TextIO,
    err: TextIO = sys.stderr,
) -> int:
    """Print the newest writes; returns 0, or 1 with one sentence on `err`."""
    try:
        async with App(settings) as app, app.triage() as svc:
            log = await svc.get_triage_log(limit=limit, bug_id=bug_id, product_id=product_id)
    except TestioError as exc:
        err.write(f"testio: {exc}\n")
        return 1
    if fmt == "json":
        out.write(json.dumps(to_jsonable(log), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(_table(log))
    return 0


def _table(log: TriageLog) -> str:
    if not log.entries:
        return "No triage writes recorded.\n"
    rows = [
        (
            iso(e.at) or "",
            e.user,
            e.action,
            str(e.bug_id),
            e.before_status or "",
            e.outcome,
            "" if e.http_status is None else str(e.http_status),
            e.after_status or "",
            e.reason or "",
        )
        for e in log.entries
    ]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.append(f"{len(rows)} of {log.total} write(s) shown, newest first.")
    return "\n".join(lines) + "\n"

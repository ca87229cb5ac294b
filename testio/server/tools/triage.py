"""Tools for bug triage: the gated write (listed only when writes are allowed) and its log."""

from __future__ import annotations

from typing import Any

from testio.app import App
from testio.domain.triage import MAX_BUGS, REJECT_REASONS, TriageLog, TriageOutcome
from testio.server.tools.spec import ID, Progress, ToolSpec, object_schema


async def triage_bugs(app: App, args: dict[str, Any], progress: Progress) -> TriageOutcome:
    async with app.triage() as svc:
        return await svc.triage_bugs(
            args["bug_ids"],
            args["action"],
            reason=args.get("reason"),
            comment=args.get("comment"),
            confirmation_token=args.get("confirmation_token"),
        )


async def get_triage_log(app: App, args: dict[str, Any], progress: Progress) -> TriageLog:
    async with app.triage() as svc:
        return await svc.get_triage_log(
            limit=args.get("limit", 20),
            bug_id=args.get("bug_id"),
            product_id=args.get("product_id"),
        )


TRIAGE_BUGS = ToolSpec(
    name="triage_bugs",
    title="Triage bugs (accept, reject, mark known)",
    description="Accept, reject (with a reason and optional comment) or mark as known one or "
    "more bugs in TestIO. Two steps: without confirmation_token it only previews (each bug's "
    "current bucket, what changes, the test's and product's rates before and after) and "
    "returns a confirmation_token; show the preview to the user, and only after they agree "
    "call again with the same arguments and that token to write. Tokens expire after 5 "
    "minutes and work once.",
    input_schema=object_schema(
        {
            "bug_ids": {
                "type": "array",
                "items": ID,
                "minItems": 1,
                "maxItems": MAX_BUGS,
                "uniqueItems": True,
                "description": "the bugs to triage (see get_test_status)",
            },
            "action": {"enum": ["accept", "reject", "mark_as_known"]},
            "reason": {
                "enum": list(REJECT_REASONS),
                "description": "reject only: the standard TestIO reject reason",
            },
            "comment": {
                "type": "string",
                "maxLength": 2000,
                "description": "reject only: comment for the tester (empty: the reason's default text)",
            },
            "confirmation_token": {
                "type": "string",
                "minLength": 1,
                "maxLength": 20000,
                "description": "the token of the preview of exactly this change, to write it",
            },
        },
        ["bug_ids", "action"],
    ),
    output_type=TriageOutcome,
    read_only=False,
    idempotent=False,
    open_world=True,
    destructive=True,
    handler=triage_bugs,
)

GET_TRIAGE_LOG = ToolSpec(
    name="get_triage_log",
    title="Triage audit log",
    description="The triage writes made through this server, newest first: who, when, which "
    "bug, the action, reason and comment, the bug's state before and after, and TestIO's "
    "answer. Optionally only one bug or product.",
    input_schema=object_schema(
        {
            "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 20},
            "bug_id": {**ID, "description": "only this bug"},
            "product_id": {**ID, "description": "only this product"},
        }
    ),
    output_type=TriageLog,
    read_only=True,
    idempotent=True,
    open_world=False,
    handler=get_triage_log,
)

WRITE_TOOLS: tuple[ToolSpec, ...] = (TRIAGE_BUGS,)
"""Tools that change data in TestIO: listed, and callable, only when writes are allowed."""

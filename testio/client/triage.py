"""Sending one triage write, and finding out what happened when its answer is lost.

The decisions without I/O (what each action sends and leaves behind, which actions are
idempotent) live in `testio.client.writes`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable

from testio.client.bug_payloads import Bug
from testio.client.responses import one_in
from testio.client.retry import RetryPolicy
from testio.client.session import Session
from testio.client.writes import IDEMPOTENT, TriageAction, WriteAnswer, reached, triage_body
from testio.errors import ApiError, ApiUnreachableError, MalformedResponseError, ServerError

logger = logging.getLogger("testio.client")


async def write_triage(
    session: Session,
    read: Callable[[int], Awaitable[Bug]],
    bug_id: int,
    action: TriageAction,
    *,
    reason: str | None,
    comment: str | None,
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[None]],
) -> WriteAnswer:
    """PUT one triage action; `read` fetches the bug when the answer is lost.

    A refusal (401, 403, 404, 422) of the first try is final: nothing was applied. When an
    answer is lost (timeout, dropped connection, 5xx, unreadable body) the write may have
    been applied, so the bug is read again to learn the truth; a 422 after such a lost answer
    may mean "already done" and is checked the same way. Idempotent actions are retried by the
    session; a reject is sent again only after a read shows it was not applied.
    """
    path = f"bugs/{bug_id}/{action}"
    body = triage_body(action, reason, comment)
    idempotent = action in IDEMPOTENT
    rounds = 1 if idempotent else policy.attempts
    lost: ApiError | None = None
    attempts = 0
    latest: Bug | None = None
    for round_no in range(1, rounds + 1):
        attempts += 1
        try:
            bug = await session.put_json(
                path, one_in("bug", Bug.from_api), body=body, retry=idempotent
            )
        except (ApiUnreachableError, ServerError, MalformedResponseError) as exc:
            lost = exc
        except ApiError as exc:
            if lost is None or exc.status != 422:
                return WriteAnswer(
                    applied=False,
                    bug=latest,
                    status=exc.status,
                    attempts=attempts,
                    error=str(exc),
                )
            lost = exc
        else:
            return WriteAnswer(applied=reached(action, bug), bug=bug, status=200, attempts=attempts)
        try:
            latest = await read(bug_id)
        except ApiError:
            logger.warning("PUT %s: the answer was lost and the bug cannot be read.", path)
            return WriteAnswer(
                applied=None,
                bug=None,
                status=lost.status,
                attempts=attempts,
                error=str(lost),
            )
        if reached(action, latest):
            return WriteAnswer(
                applied=True,
                bug=latest,
                status=lost.status,
                attempts=attempts,
                error=str(lost),
                verified_by_read=True,
            )
        if round_no < rounds:
            await sleep(policy.backoff(round_no, random.Random()))
    assert lost is not None
    return WriteAnswer(
        applied=False,
        bug=latest,
        status=lost.status,
        attempts=attempts,
        error=str(lost),
        verified_by_read=True,
    )

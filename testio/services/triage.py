"""Bug triage: accept, reject or mark known, previewed first and written only when confirmed.

A call without a confirmation token reads the bugs from the API, shows what the change does
(each bug, and the rates of its test and product) and returns a token bound to exactly that
change. A call with the token reads the bugs again and writes only if nothing changed since.
Each write is recorded in the audit log, and the cache takes the API's answer at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import anyio
import anyio.lowlevel
import attrs
from sqlalchemy.ext.asyncio import AsyncSession

import testio.metrics as metrics
from testio.client.bug_payloads import Bug
from testio.client.writes import TriageAction, WriteAnswer
from testio.domain.common import Ref
from testio.domain.triage import (
    BugTriage,
    RateEffect,
    TriageLog,
    TriageLogEntry,
    TriageOutcome,
)
from testio.errors import (
    ConfigError,
    ForbiddenError,
    InvalidArgumentError,
    NotFoundError,
    NotFoundInCacheError,
)
from testio.repositories.report import Bounds, ReportRepository
from testio.repositories.triage_log import TriageLogRepository
from testio.services.base import BaseService, run_to_completion
from testio.services.confirmation import (
    PREVIEW_AGAIN,
    ConfirmationRefused,
    ConfirmationTokens,
    Previewed,
    change_of,
)
from testio.services.reports import DEFAULT_STATUSES
from testio.services.triage_effects import (
    checked,
    outcome_of,
    planned,
    rate_effect,
    shifted,
    stops_batch,
    unique_ids,
)

WRITES_OFF = (
    "Triage writes are off; set TESTIO_ALLOW_WRITES=1 (or allow_writes = true in the config "
    "file) and restart the server to accept, reject or mark bugs."
)


class TriageService(BaseService):
    """Previews and writes bug triage, and reads the audit log of the writes."""

    _log: TriageLogRepository | None = None
    _report: ReportRepository | None = None

    def __init__(self, *args: Any, tokens: ConfirmationTokens | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tokens = tokens

    def _open_repositories(self, session: AsyncSession) -> None:
        super()._open_repositories(session)
        self._log = TriageLogRepository(session)
        self._report = ReportRepository(session)

    def _close_repositories(self) -> None:
        super()._close_repositories()
        self._log = self._report = None

    @property
    def log(self) -> TriageLogRepository:
        """The audit log on the open session."""
        if self._log is None:
            raise self._not_open()
        return self._log

    @property
    def report(self) -> ReportRepository:
        """The report queries on the open session."""
        if self._report is None:
            raise self._not_open()
        return self._report

    async def triage_bugs(
        self,
        bug_ids: Sequence[int],
        action: str,
        *,
        reason: str | None = None,
        comment: str | None = None,
        confirmation_token: str | None = None,
    ) -> TriageOutcome:
        """Preview a triage change (no token) or write it (with the preview's token)."""
        if not self.settings.allow_writes:
            raise ConfigError(WRITES_OFF)
        if self._tokens is None:
            raise ConfigError("This TriageService has no confirmation tokens; use app.triage().")
        chosen, reason, comment = checked(bug_ids, action, reason, comment)
        asked = change_of(
            chosen, reason, comment, [Previewed(b, "", None, False) for b in unique_ids(bug_ids)]
        )
        confirmed = None
        if confirmation_token is not None:
            confirmed = self._tokens.redeem(confirmation_token, asked, self.now())
        bugs = await self._read(unique_ids(bug_ids))
        products = await self._products_of(bugs)
        await self.repos.bugs.upsert(bugs, product_of=products, synced_at=self.now())
        await self.commit()
        items = [planned(chosen, bug, products[bug.test_id]) for bug in bugs]
        if confirmed is None:
            return await self._preview(chosen, reason, comment, bugs, items)
        for was in confirmed.bugs:
            now = next(i for i in items if i.bug_id == was.bug_id).before
            if (now.status, now.auto_accepted, now.known) != (
                was.status,
                was.auto_accepted,
                was.known,
            ):
                raise ConfirmationRefused(
                    f"Bug {was.bug_id} changed since the preview (it is {now.bucket}"
                    f"{', known' if now.known else ''} now); {PREVIEW_AGAIN} and confirm that."
                )
        return await self._write(chosen, reason, comment, items)

    async def get_triage_log(
        self, *, limit: int = 20, bug_id: int | None = None, product_id: int | None = None
    ) -> TriageLog:
        """The newest triage writes (optionally of one bug or product), newest first."""
        rows, total = await self.log.recent(limit=limit, bug_id=bug_id, product_id=product_id)
        entries = tuple(
            TriageLogEntry(
                id=r.id,
                batch=r.batch,
                at=r.at,
                user=r.user,
                action=r.action,
                reason=r.reason,
                comment=r.comment,
                bug_id=r.bug_id,
                test_id=r.test_id,
                product_id=r.product_id,
                before_status=r.before_status,
                before_known=r.before_known,
                outcome=r.outcome,
                http_status=r.http_status,
                after_status=r.after_status,
                after_auto_accepted=r.after_auto_accepted,
                after_known=r.after_known,
                detail=r.detail,
            )
            for r in rows
        )
        return TriageLog(entries=entries, total=total, data_as_of=rows[0].at if rows else None)

    # ---- steps ------------------------------------------------------------------------------

    async def _read(self, bug_ids: Sequence[int]) -> list[Bug]:
        """Every bug as the API shows it now (the cache may be behind)."""
        bugs: list[Bug] = []
        for bug_id in bug_ids:
            try:
                bugs.append(await self.client.get_bug(bug_id))
            except (NotFoundError, ForbiddenError) as exc:
                raise InvalidArgumentError(
                    f"TestIO has no bug {bug_id} this token may change (HTTP {exc.status}); "
                    "check the id with get_test_status."
                ) from None
        return bugs

    async def _products_of(self, bugs: Sequence[Bug]) -> dict[int, int]:
        products: dict[int, int] = {}
        for bug in bugs:
            test = await self.repos.tests.get(bug.test_id)
            if test is None:
                raise NotFoundInCacheError(
                    f"Bug {bug.id} belongs to test {bug.test_id}, which is not in the cache; "
                    "run sync_data first so the change's effect on the rates can be shown."
                )
            products[bug.test_id] = test.product_id
        return products

    async def _preview(
        self,
        action: TriageAction,
        reason: str | None,
        comment: str | None,
        bugs: Sequence[Bug],
        items: list[BugTriage],
    ) -> TriageOutcome:
        to_write = sum(i.effect == "change" for i in items)
        swaps = [(i, i.before, i.after) for i in items if i.effect == "change" and i.after]
        rates = await self._rates(items, [(i, b, a) for i, b, a in swaps])
        token = expires = None
        if to_write:
            previewed = [Previewed(b.id, b.status, b.auto_accepted, b.known) for b in bugs]
            token, expires = self._tokens_or_fail().issue(
                change_of(action, reason, comment, previewed), self.now()
            )
            message = (
                f"Preview only: nothing was written. {to_write} of {len(items)} bug(s) would "
                f"change; to write it, call triage_bugs again with the same arguments and "
                f"confirmation_token before {expires:%H:%M:%S} UTC, after the user agrees."
            )
        else:
            message = "Nothing to write: every bug already has this state or cannot take it."
        return TriageOutcome(
            stage="preview",
            action=action,
            reason=reason,
            comment=comment,
            bugs=tuple(items),
            rates=rates,
            to_write=to_write,
            changed=0,
            unchanged=len(items),
            unknown=0,
            confirmation_token=token,
            expires_at=expires,
            batch=None,
            message=message,
            data_as_of=self.now(),
        )

    async def _write(
        self,
        action: TriageAction,
        reason: str | None,
        comment: str | None,
        items: list[BugTriage],
    ) -> TriageOutcome:
        batch = uuid.uuid4().hex[:16]
        done: list[BugTriage] = []
        stopped: str | None = None
        for item in items:
            # Each write is shielded; a caller that gave up is heard here, between two writes.
            await anyio.lowlevel.checkpoint()
            if item.effect != "change":
                done.append(attrs.evolve(item, after=item.before, outcome="unchanged"))
                continue
            if stopped is not None:
                done.append(
                    attrs.evolve(item, after=item.before, outcome="unchanged", detail=stopped)
                )
                continue
            result, answer = await self._write_one(batch, action, reason, comment, item)
            done.append(result)
            if answer.applied is not True and stops_batch(answer.status):
                stopped = (
                    f"Not sent: the batch stopped after bug {item.bug_id} failed "
                    f"({'no answer' if answer.status is None else f'HTTP {answer.status}'})."
                )
        swaps = [
            (i, i.after, i.before) for i in done if i.outcome == "changed" and i.after is not None
        ]
        rates = await self._rates(done, swaps, after_is_cache=True)
        changed = sum(i.outcome == "changed" for i in done)
        unknown = sum(i.outcome == "unknown" for i in done)
        to_write = sum(i.effect == "change" for i in items)
        message = f"Wrote the change: {changed} of {to_write} bug(s) changed."
        if changed < to_write:
            message = (
                f"Only {changed} of {to_write} bug(s) changed"
                + (f", {unknown} unknown" if unknown else "")
                + "; each bug's detail says why, and what changed is kept."
            )
        return TriageOutcome(
            stage="written",
            action=action,
            reason=reason,
            comment=comment,
            bugs=tuple(done),
            rates=rates,
            to_write=to_write,
            changed=changed,
            unchanged=len(done) - changed - unknown,
            unknown=unknown,
            confirmation_token=None,
            expires_at=None,
            batch=batch,
            message=message,
            data_as_of=self.now(),
        )

    async def _write_one(
        self,
        batch: str,
        action: TriageAction,
        reason: str | None,
        comment: str | None,
        item: BugTriage,
    ) -> tuple[BugTriage, WriteAnswer]:
        """Write one bug and record the answer; once sent, that runs to its end even if the
        caller gives up meanwhile, so no applied write is missing from the cache or the log."""
        done: list[tuple[BugTriage, WriteAnswer]] = []

        async def step() -> None:
            answer = await self.client.triage_bug(
                item.bug_id, action, reason=reason, comment=comment
            )
            result = outcome_of(item, answer)
            await self._record(batch, action, reason, comment, result, answer)
            done.append((result, answer))

        await run_to_completion(step)
        return done[0]

    async def _record(
        self,
        batch: str,
        action: str,
        reason: str | None,
        comment: str | None,
        result: BugTriage,
        answer: WriteAnswer,
    ) -> None:
        """Keep the API's answer in the cache and the log, committed before the next write."""
        if answer.bug is not None:
            await self.repos.bugs.upsert(
                [answer.bug],
                product_of={answer.bug.test_id: result.product_id},
                synced_at=self.now(),
            )
        await self.log.append(
            {
                "batch": batch,
                "at": self.now(),
                "user": self.settings.user,
                "action": action,
                "reason": reason,
                "comment": comment,
                "bug_id": result.bug_id,
                "test_id": result.test_id,
                "product_id": result.product_id,
                "before_status": result.before.status,
                "before_auto_accepted": result.before.auto_accepted,
                "before_known": result.before.known,
                "outcome": result.outcome or "unknown",
                "http_status": answer.status,
                "after_status": result.after.status if result.after else None,
                "after_auto_accepted": result.after.auto_accepted if result.after else None,
                "after_known": result.after.known if result.after else None,
                "detail": result.detail,
            }
        )
        await self.commit()

    async def _rates(
        self,
        items: Sequence[BugTriage],
        swaps: Sequence[tuple[BugTriage, Any, Any]],
        *,
        after_is_cache: bool = False,
    ) -> tuple[RateEffect, ...]:
        """Before and after of each test and product touched (cache counts, shifted by swaps)."""
        effects: list[RateEffect] = []
        for test_id in dict.fromkeys(i.test_id for i in items):
            tally = await self.repos.bugs.tally([test_id])
            counts = metrics.BucketCounts.from_groups(
                (c.status, c.auto_accepted, c.known, c.count) for c in tally.statuses
            )
            moved = shifted(counts, [(a, b) for i, a, b in swaps if i.test_id == test_id])
            test = await self.repos.tests.get(test_id)
            ref = Ref(test_id, test.title if test else f"Test {test_id}")
            effects.append(rate_effect("test", ref, counts, moved, after_is_cache))
        for product_id in dict.fromkeys(i.product_id for i in items):
            bounds = Bounds(product_id, DEFAULT_STATUSES)
            groups = await self.report.bug_groups(bounds)
            counts = metrics.BucketCounts.from_groups(
                (g.status, g.auto_accepted, g.known, g.count) for g in groups
            )
            in_scope = {t.id for t in await self.report.tests_in_scope(bounds)}
            moved = shifted(
                counts,
                [
                    (a, b)
                    for i, a, b in swaps
                    if i.product_id == product_id and i.test_id in in_scope
                ],
            )
            product = await self.repos.products.get(product_id)
            ref = Ref(product_id, product.name if product else f"Product {product_id}")
            effects.append(rate_effect("product", ref, counts, moved, after_is_cache))
        return tuple(effects)

    def _tokens_or_fail(self) -> ConfirmationTokens:
        if self._tokens is None:
            raise ConfigError("This TriageService has no confirmation tokens; use app.triage().")
        return self._tokens

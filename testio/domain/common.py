"""Value objects shared by several results: bug counts, rates and health as reported."""

from __future__ import annotations

from typing import Literal

import attrs

import testio.metrics as metrics

Level = Literal["healthy", "warning", "critical", "unknown"]


@attrs.frozen
class BugCounts:
    """Bugs by bucket (see metrics.md); `known` is a flag counted across buckets."""

    total: int
    active_accepted: int
    auto_accepted: int
    rejected: int
    open: int
    other: int
    known: int
    total_accepted: int
    reviewed: int

    @classmethod
    def from_buckets(cls, counts: metrics.BucketCounts) -> BugCounts:
        """The reported form of bucket counts."""
        return cls(
            total=counts.total,
            active_accepted=counts.active_accepted,
            auto_accepted=counts.auto_accepted,
            rejected=counts.rejected,
            open=counts.open,
            other=counts.other,
            known=counts.known,
            total_accepted=counts.total_accepted,
            reviewed=counts.reviewed,
        )


@attrs.frozen
class RateSummary:
    """The five rates of metrics.md as fractions in [0, 1] (4 places), null when there is no data."""

    active_acceptance_rate: float | None
    overall_acceptance_rate: float | None
    auto_acceptance_rate: float | None
    rejection_rate: float | None
    review_rate: float | None

    @classmethod
    def from_rates(cls, rates: metrics.Rates) -> RateSummary:
        """Round for output only."""
        return cls(
            active_acceptance_rate=metrics.round_rate(rates.active_acceptance_rate),
            overall_acceptance_rate=metrics.round_rate(rates.overall_acceptance_rate),
            auto_acceptance_rate=metrics.round_rate(rates.auto_acceptance_rate),
            rejection_rate=metrics.round_rate(rates.rejection_rate),
            review_rate=metrics.round_rate(rates.review_rate),
        )


@attrs.frozen
class Health:
    """Each rate's health level and the worst of them."""

    overall: Level
    rejection_rate: Level
    auto_acceptance_rate: Level
    active_acceptance_rate: Level
    review_rate: Level


@attrs.frozen
class Quality:
    """Bug counts, the rates computed from them, and their health."""

    bugs: BugCounts
    rates: RateSummary
    health: Health

    @classmethod
    def from_buckets(
        cls,
        counts: metrics.BucketCounts,
        thresholds: metrics.HealthThresholds = metrics.DEFAULT_THRESHOLDS,
    ) -> Quality:
        """Counts → rates → health, exactly as metrics.md defines them."""
        rates = metrics.rates(counts)
        levels = metrics.health(rates, thresholds)
        return cls(
            bugs=BugCounts.from_buckets(counts),
            rates=RateSummary.from_rates(rates),
            health=Health(
                overall=metrics.overall_health(levels),
                rejection_rate=levels["rejection_rate"],
                auto_acceptance_rate=levels["auto_acceptance_rate"],
                active_acceptance_rate=levels["active_acceptance_rate"],
                review_rate=levels["review_rate"],
            ),
        )


@attrs.frozen
class Ref:
    """An id with its display name."""

    id: int
    title: str


@attrs.frozen
class DataWarning:
    """Something about the data a result rests on that the reader must know (stale, incomplete)."""

    kind: Literal["stale", "incomplete", "problematic_range", "sync_running", "never_synced"]
    message: str
    test_ids: tuple[int, ...] = ()

"""Bug buckets, rates and health indicators: the one definition of metrics.md.

Pure functions and frozen values only. Do not change a formula here without first changing
the worked example in metrics.md and its test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, Literal, get_args

import attrs

Bucket = Literal["active_accepted", "auto_accepted", "rejected", "open", "other"]
BUCKETS: Final[tuple[Bucket, ...]] = get_args(Bucket)

Level = Literal["healthy", "warning", "critical", "unknown"]
HealthRate = Literal[
    "rejection_rate", "auto_acceptance_rate", "active_acceptance_rate", "review_rate"
]
HEALTH_RATES: Final[tuple[HealthRate, ...]] = get_args(HealthRate)

_SEVERITY: Final[dict[Level, int]] = {"unknown": -1, "healthy": 0, "warning": 1, "critical": 2}


def bucket(status: str | None, auto_accepted: bool | None) -> Bucket:
    """The bucket of one bug from the API's `status` and `auto_accepted`.

    Only `auto_accepted is True` makes an accepted bug auto accepted; null counts as active.
    Any status other than accepted, rejected or forwarded (including null) is `other`.
    """
    if status == "accepted":
        return "auto_accepted" if auto_accepted is True else "active_accepted"
    if status == "rejected":
        return "rejected"
    if status == "forwarded":
        return "open"
    return "other"


def _count() -> int:
    return attrs.field(
        default=0, validator=[attrs.validators.instance_of(int), attrs.validators.ge(0)]
    )


@attrs.frozen
class BucketCounts:
    """How many bugs fall in each bucket; `known` is a flag counted across buckets."""

    active_accepted: int = _count()
    auto_accepted: int = _count()
    rejected: int = _count()
    open: int = _count()
    other: int = _count()
    known: int = _count()

    @property
    def total(self) -> int:
        """N: all bugs in scope (known is not a bucket, so it is not added)."""
        return self.active_accepted + self.auto_accepted + self.rejected + self.open + self.other

    @property
    def total_accepted(self) -> int:
        """A + U."""
        return self.active_accepted + self.auto_accepted

    @property
    def reviewed(self) -> int:
        """A + R: bugs a person has accepted or rejected."""
        return self.active_accepted + self.rejected

    def __add__(self, other: BucketCounts) -> BucketCounts:
        return BucketCounts(
            active_accepted=self.active_accepted + other.active_accepted,
            auto_accepted=self.auto_accepted + other.auto_accepted,
            rejected=self.rejected + other.rejected,
            open=self.open + other.open,
            other=self.other + other.other,
            known=self.known + other.known,
        )

    @classmethod
    def from_mapping(
        cls, counts: Mapping[str, int | None], *, known: int | None = 0
    ) -> BucketCounts:
        """Build from grouped counts, e.g. SQL rows of (bucket, count) plus a known total.

        Missing buckets and null counts (SQL `SUM` over no rows) are 0. A key that is not a
        bucket name is refused, because silently dropping it would change N.
        """
        unknown = sorted(set(counts) - set(BUCKETS))
        if unknown:
            raise ValueError(f"Unknown bug bucket {unknown[0]!r}; use one of {', '.join(BUCKETS)}.")
        return cls(
            active_accepted=counts.get("active_accepted") or 0,
            auto_accepted=counts.get("auto_accepted") or 0,
            rejected=counts.get("rejected") or 0,
            open=counts.get("open") or 0,
            other=counts.get("other") or 0,
            known=known or 0,
        )

    @classmethod
    def from_groups(
        cls, groups: Iterable[tuple[str | None, bool | None, bool | None, int]]
    ) -> BucketCounts:
        """Counts from grouped rows `(status, auto_accepted, known, count)`, as SQL returns them."""
        totals: dict[Bucket, int] = dict.fromkeys(BUCKETS, 0)
        known = 0
        for status, auto_accepted, is_known, count in groups:
            totals[bucket(status, auto_accepted)] += count
            if is_known:
                known += count
        return cls(**totals, known=known)

    @classmethod
    def from_bugs(cls, bugs: Iterable[tuple[str | None, bool | None, bool | None]]) -> BucketCounts:
        """Count bugs given as (status, auto_accepted, known) tuples."""
        tally: dict[str, int] = dict.fromkeys(BUCKETS, 0)
        known = 0
        for status, auto_accepted, is_known in bugs:
            tally[bucket(status, auto_accepted)] += 1
            known += is_known is True
        return cls.from_mapping(tally, known=known)


@attrs.frozen
class Rates:
    """The five rates as unrounded fractions in [0, 1]; None when the denominator is 0."""

    active_acceptance_rate: float | None
    overall_acceptance_rate: float | None
    auto_acceptance_rate: float | None
    rejection_rate: float | None
    review_rate: float | None


def _ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


def rates(counts: BucketCounts) -> Rates:
    """The rates of metrics.md, computed from exact counts (never from rounded values)."""
    n = counts.total
    return Rates(
        active_acceptance_rate=_ratio(counts.active_accepted, n),
        overall_acceptance_rate=_ratio(counts.total_accepted, n),
        auto_acceptance_rate=_ratio(counts.auto_accepted, counts.total_accepted),
        rejection_rate=_ratio(counts.rejected, n),
        review_rate=_ratio(counts.reviewed, n),
    )


def round_rate(x: float | None) -> float | None:
    """A rate rounded to 4 places for output; None stays None."""
    return None if x is None else round(x, 4)


@attrs.frozen
class Threshold:
    """Warning and critical levels of one rate; both boundaries are inclusive.

    For a rate that is bad when high, warning must be below critical; when low, above it.
    `rate` only names the rate in error messages.
    """

    warning: float
    critical: float
    bad_when: Literal["high", "low"]
    rate: str = attrs.field(default="this rate", kw_only=True, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        direction: str = self.bad_when  # a config file can hold any string
        if direction not in ("high", "low"):
            raise ValueError(
                f"The direction of {self.rate} must be 'high' or 'low', not {direction!r}."
            )
        for name, value in (("warning", self.warning), ("critical", self.critical)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(
                    f"The {name} threshold of {self.rate} is {value}; use a fraction in [0, 1]."
                )
        if self.bad_when == "high" and not self.warning < self.critical:
            raise ValueError(
                f"The thresholds of {self.rate} are in the wrong order: warning ({self.warning})"
                f" must be below critical ({self.critical}) for a rate that is bad when high."
            )
        if self.bad_when == "low" and not self.warning > self.critical:
            raise ValueError(
                f"The thresholds of {self.rate} are in the wrong order: warning ({self.warning})"
                f" must be above critical ({self.critical}) for a rate that is bad when low."
            )

    def level(self, value: float | None) -> Level:
        """The health level of one rate value; None is `unknown`."""
        if value is None:
            return "unknown"
        if self.bad_when == "high":
            if value >= self.critical:
                return "critical"
            return "warning" if value >= self.warning else "healthy"
        if value <= self.critical:
            return "critical"
        return "warning" if value <= self.warning else "healthy"


_DEFAULTS: Final[Mapping[str, Threshold]] = {
    "rejection_rate": Threshold(0.20, 0.35, "high", rate="rejection_rate"),
    "auto_acceptance_rate": Threshold(0.20, 0.40, "high", rate="auto_acceptance_rate"),
    "active_acceptance_rate": Threshold(0.35, 0.20, "low", rate="active_acceptance_rate"),
    "review_rate": Threshold(0.80, 0.60, "low", rate="review_rate"),
}


def _direction_matches(
    instance: HealthThresholds, attribute: attrs.Attribute[Threshold], value: Threshold
) -> None:
    expected = _DEFAULTS[attribute.name].bad_when
    if value.bad_when != expected:
        raise ValueError(
            f"{attribute.name} is bad when {expected}, so its threshold must say"
            f" bad_when={expected!r}, not {value.bad_when!r}."
        )


@attrs.frozen
class HealthThresholds:
    """The thresholds of the four health rates; the defaults are those of metrics.md."""

    rejection_rate: Threshold = attrs.field(
        default=_DEFAULTS["rejection_rate"], validator=_direction_matches
    )
    auto_acceptance_rate: Threshold = attrs.field(
        default=_DEFAULTS["auto_acceptance_rate"], validator=_direction_matches
    )
    active_acceptance_rate: Threshold = attrs.field(
        default=_DEFAULTS["active_acceptance_rate"], validator=_direction_matches
    )
    review_rate: Threshold = attrs.field(
        default=_DEFAULTS["review_rate"], validator=_direction_matches
    )

    @classmethod
    def from_config(cls, overrides: Mapping[str, tuple[float, float]]) -> HealthThresholds:
        """Defaults with some rates' (warning, critical) replaced; the directions are fixed.

        Raises ValueError naming the rate for an unknown rate or thresholds in the wrong order.
        """
        chosen = dict(_DEFAULTS)
        for name, (warning, critical) in overrides.items():
            if name not in _DEFAULTS:
                raise ValueError(
                    f"No health threshold for {name!r}; use one of {', '.join(HEALTH_RATES)}."
                )
            chosen[name] = Threshold(warning, critical, _DEFAULTS[name].bad_when, rate=name)
        return cls(**chosen)

    def for_rate(self, name: HealthRate) -> Threshold:
        """The threshold of one health rate by name."""
        threshold: Threshold = getattr(self, name)
        return threshold


DEFAULT_THRESHOLDS: Final = HealthThresholds()


def health(rates: Rates, thresholds: HealthThresholds = DEFAULT_THRESHOLDS) -> dict[str, Level]:
    """The health level of each of the four health rates, keyed by rate name."""
    return {name: thresholds.for_rate(name).level(getattr(rates, name)) for name in HEALTH_RATES}


def overall_health(levels: Mapping[str, Level]) -> Level:
    """The worst known level; `unknown` only when every level is unknown (or there are none)."""
    worst: Level = "unknown"
    for level in levels.values():
        if _SEVERITY[level] > _SEVERITY[worst]:
            worst = level
    return worst

"""The EBR report of several products at once: per-product sections, combined, compared."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

import attrs

import testio.metrics as metrics
from testio.domain.common import DataWarning, Health, Quality, RateSummary, Ref
from testio.domain.reports import EbrReport


@attrs.frozen
class MultiProductScope:
    """Which tests the report covers: products, statuses, and whole UTC days on `end_at`."""

    products: tuple[Ref, ...]
    start_date: date | None
    end_date: date | None
    statuses: tuple[str, ...]


@attrs.frozen
class ProductComparison:
    """One product's line of the comparison table: tests, bugs, the five rates and health."""

    product: Ref
    tests_in_scope: int
    bugs: int
    rates: RateSummary
    health: Health


@attrs.frozen
class MultiProductEbrReport:
    """EBR of several products: a comparison table, a combined section, one section per product.

    Each product's section is exactly its one-product report on the same scope; the combined
    section is computed from the summed bug counts of all tests in scope (never by averaging
    the products' rates).
    """

    scope: MultiProductScope
    tests_in_scope: int
    combined: Quality
    tests_by_status: dict[str, int]
    tests_by_type: dict[str, int]
    bugs_by_severity: dict[str, int]
    comparison: tuple[ProductComparison, ...]
    products: tuple[EbrReport, ...]
    output_file: str | None
    data_as_of: datetime | None
    warnings: tuple[DataWarning, ...] = ()

    @classmethod
    def from_sections(
        cls,
        sections: Sequence[EbrReport],
        *,
        output_file: str | None = None,
        warnings: Sequence[DataWarning] = (),
    ) -> MultiProductEbrReport:
        """Combine one-product reports on the same scope (products hold disjoint tests).

        `warnings` concern all products (such as a refresh that failed); each section's own
        warnings follow, named by product.
        """
        if not sections:
            raise ValueError("A multi-product report needs at least one product's report.")
        first = sections[0].scope
        combined = sum((_buckets(s.summary) for s in sections), metrics.BucketCounts())
        synced = [s.data_as_of for s in sections if s.data_as_of is not None]
        return cls(
            scope=MultiProductScope(
                products=tuple(s.scope.product for s in sections),
                start_date=first.start_date,
                end_date=first.end_date,
                statuses=first.statuses,
            ),
            tests_in_scope=sum(s.tests_in_scope for s in sections),
            combined=Quality.from_buckets(combined),
            tests_by_status=_summed(s.tests_by_status for s in sections),
            tests_by_type=_summed(s.tests_by_type for s in sections),
            bugs_by_severity=_summed(s.bugs_by_severity for s in sections),
            comparison=tuple(
                ProductComparison(
                    product=s.scope.product,
                    tests_in_scope=s.tests_in_scope,
                    bugs=s.summary.bugs.total,
                    rates=s.summary.rates,
                    health=s.summary.health,
                )
                for s in sections
            ),
            products=tuple(sections),
            output_file=output_file,
            data_as_of=min(synced) if synced else None,
            warnings=(
                *warnings,
                *(
                    attrs.evolve(w, message=f"{s.scope.product.title}: {w.message}")
                    for s in sections
                    for w in s.warnings
                ),
            ),
        )


def _buckets(quality: Quality) -> metrics.BucketCounts:
    """The exact bucket counts behind a reported summary."""
    b = quality.bugs
    return metrics.BucketCounts(
        active_accepted=b.active_accepted,
        auto_accepted=b.auto_accepted,
        rejected=b.rejected,
        open=b.open,
        other=b.other,
        known=b.known,
    )


def _summed(counts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for c in counts:
        total.update(c)
    return dict(total.most_common())

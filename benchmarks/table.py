"""The printed result: one row per figure with its target and ratio, then the misses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

import attrs


@attrs.frozen
class Figure:
    """One measured number and the most it may be (`target`); `note` says how it was measured."""

    name: str
    value: float
    unit: str
    target: float
    note: str = ""

    @property
    def ratio(self) -> float:
        """value / target; above 1 is a miss (a 0 target is met only by 0)."""
        if self.target == 0:
            return 0.0 if self.value == 0 else float("inf")
        return self.value / self.target

    @property
    def met(self) -> bool:
        """Whether the value is within its target."""
        return self.value <= self.target


def _number(value: float, unit: str) -> str:
    if unit in ("requests", "calls"):
        return f"{value:,.0f} {unit}"
    if unit == "ms":
        return f"{value:,.1f} ms"
    if unit == "s":
        return f"{value:,.2f} s"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "B/bug":
        return f"{value:,.0f} B/bug"
    return f"{value:,.3g} {unit}"


@attrs.define
class Table:
    """Figures in the order they were measured, and the expected ones that were not."""

    expected: list[str]
    figures: list[Figure] = attrs.Factory(list[Figure])
    reasons: dict[str, str] = attrs.Factory(dict[str, str])

    def add(self, figure: Figure) -> Figure:
        """Record a figure and return it."""
        self.figures.append(figure)
        return figure

    def fail(self, name: str, reason: str) -> None:
        """Record why a figure could not be measured."""
        self.reasons.setdefault(name, reason)

    @property
    def failures(self) -> list[str]:
        """One line per expected figure that has no value, with the reason when known."""
        measured = {f.name for f in self.figures}
        return [
            f"{name}: {self.reasons.get(name, 'skipped, because a step it needs failed')}"
            for name in self.expected
            if name not in measured
        ]

    def write(self, out: TextIO) -> None:
        """Print the table, a MISSED line per miss and the count of targets met."""
        rows = [("figure", "value", "target", "ratio", "")]
        for f in self.figures:
            rows.append(
                (
                    f.name,
                    _number(f.value, f.unit),
                    "≤ " + _number(f.target, f.unit),
                    "—" if f.ratio == float("inf") else f"{f.ratio:.2f}",
                    "ok" if f.met else "MISSED",
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        aligns = ("<", ">", ">", ">", "<")
        for index, row in enumerate(rows):
            cells = [f"{cell:{a}{w}}" for cell, a, w in zip(row, aligns, widths, strict=True)]
            print(" | ".join(cells).rstrip(), file=out)
            if index == 0:
                print("-+-".join("-" * w for w in widths), file=out)
        print(file=out)
        for f in self.figures:
            if f.note:
                print(f"  {f.name}: {f.note}", file=out)
        print(file=out)
        for f in self.figures:
            if not f.met:
                print(
                    f"MISSED: {f.name} is {_number(f.value, f.unit)}, target ≤ "
                    f"{_number(f.target, f.unit)} ({f.ratio:.2f}× the target)",
                    file=out,
                )
        for failure in self.failures:
            print(f"NOT MEASURED: {failure}", file=out)
        met = sum(f.met for f in self.figures)
        total = len(self.figures) + len(self.failures)
        print(f"{met} of {total} targets met.", file=out)

    def write_json(self, path: Path, header: dict[str, object]) -> None:
        """Write the figures (and what was not measured) as JSON."""
        body = {
            **header,
            "figures": [
                {**attrs.asdict(f), "ratio": f.ratio if f.ratio != float("inf") else None}
                | {"met": f.met}
                for f in self.figures
            ],
            "not_measured": self.failures,
        }
        path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

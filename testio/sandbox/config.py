"""Configuration of the sandbox: what data it serves and which faults it injects."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, cast

import attrs

if TYPE_CHECKING:
    from testio.sandbox.dataset import Dataset

Size = Literal["small", "medium", "large"]
Profile = Literal["production", "staging"]
RetryAfterForm = Literal["seconds", "http-date"]

FAULT_FIELDS = (
    "latency_ms",
    "rate_limit_per_s",
    "retry_after_form",
    "error_rate",
    "drop_rate",
    "malformed_rate",
    "fail_bug_batches_for",
    "write_faults",
    "fault_seed",
)
WRITE_FAULTS = ("403", "404", "422", "500", "503", "timeout", "lost", "lost_then_down")
"""What a triage write to one bug meets: an HTTP status (nothing applied), `timeout` (no
answer, nothing applied), `lost` (applied, then no answer), or `lost_then_down` (applied, no
answer, and every later request about that bug answers 503 until the faults change)."""


def _write_faults(value: object) -> tuple[tuple[int, str], ...]:
    """Check per-bug write faults, given as a mapping or pairs of (bug id, fault)."""
    source = cast(Any, value)  # a JSON object or a sequence of pairs, checked below
    pairs = cast(
        list[tuple[object, object]], list(source.items() if isinstance(value, dict) else source)
    )
    checked: dict[int, str] = {}
    for raw_id, fault in pairs:
        text = str(raw_id)
        if isinstance(raw_id, bool) or not text.isdigit():
            raise ValueError(f"write_faults needs integer bug ids, not {raw_id!r}.")
        if fault not in WRITE_FAULTS:
            raise ValueError(
                f"Unknown write fault {fault!r} for bug {text}; use one of {', '.join(WRITE_FAULTS)}."
            )
        checked[int(text)] = str(fault)
    return tuple(sorted(checked.items()))


def _rate(value: float) -> float:
    """Check that a probability lies in [0, 1]."""
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"A fault rate must lie between 0 and 1, not {value}.")
    return float(value)


def _latency(value: tuple[float, float]) -> tuple[float, float]:
    """Check a latency range in milliseconds."""
    low, high = value
    if low < 0 or high < low:
        raise ValueError(f"Latency must be 'MS' or 'MIN-MAX' with 0 <= MIN <= MAX, not {value}.")
    return (float(low), float(high))


@attrs.frozen
class Faults:
    """Fault injection switches, all off by default; replace them with `attrs.evolve`."""

    latency_ms: tuple[float, float] = attrs.field(default=(0.0, 0.0), converter=_latency)
    rate_limit_per_s: float | None = None
    retry_after_form: RetryAfterForm = "seconds"
    error_rate: float = attrs.field(default=0.0, converter=_rate)
    drop_rate: float = attrs.field(default=0.0, converter=_rate)
    malformed_rate: float = attrs.field(default=0.0, converter=_rate)
    fail_bug_batches_for: frozenset[int] = frozenset()
    write_faults: tuple[tuple[int, str], ...] = attrs.field(default=(), converter=_write_faults)
    """Per bug id, the fault its triage writes meet (see `WRITE_FAULTS`)."""
    fault_seed: int = 0

    def write_fault(self, bug_id: int) -> str | None:
        """The fault a triage write to this bug meets, if any."""
        return dict(self.write_faults).get(bug_id)

    def __attrs_post_init__(self) -> None:
        if self.rate_limit_per_s is not None and self.rate_limit_per_s <= 0:
            raise ValueError("The rate limit must be a positive number of requests per second.")
        if self.retry_after_form not in ("seconds", "http-date"):
            raise ValueError("retry_after_form must be 'seconds' or 'http-date'.")

    def to_json(self) -> dict[str, Any]:
        """Return the switches as a JSON-able mapping."""
        return {
            "latency_ms": list(self.latency_ms),
            "rate_limit_per_s": self.rate_limit_per_s,
            "retry_after_form": self.retry_after_form,
            "error_rate": self.error_rate,
            "drop_rate": self.drop_rate,
            "malformed_rate": self.malformed_rate,
            "fail_bug_batches_for": sorted(self.fail_bug_batches_for),
            "write_faults": {str(bug_id): fault for bug_id, fault in self.write_faults},
            "fault_seed": self.fault_seed,
        }

    def updated(self, changes: dict[str, object]) -> Faults:
        """Return a copy with some switches changed from JSON values; raise ValueError on bad input."""
        unknown = sorted(set(changes) - set(FAULT_FIELDS))
        if unknown:
            raise ValueError(
                f"Unknown fault switches {unknown}; known ones are {list(FAULT_FIELDS)}."
            )
        values: dict[str, Any] = {}
        for name, raw in changes.items():
            values[name] = _fault_value(name, raw)
        return attrs.evolve(self, **values)


def _number(name: str, raw: object) -> float:
    """Read a JSON number."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValueError(f"Fault switch {name} needs a number, not {raw!r}.")
    return float(raw)


def _fault_value(name: str, raw: object) -> object:
    """Convert one JSON value of a fault switch to its Python form."""
    if name == "latency_ms":
        if isinstance(raw, list):
            items: list[object] = list(raw)  # pyright: ignore[reportUnknownArgumentType] -- JSON list, checked next
            if len(items) != 2:
                raise ValueError("latency_ms needs one number or a [min, max] pair.")
            return (_number(name, items[0]), _number(name, items[1]))
        value = _number(name, raw)
        return (value, value)
    if name == "rate_limit_per_s":
        return None if raw is None else _number(name, raw)
    if name == "retry_after_form":
        if raw not in ("seconds", "http-date"):
            raise ValueError("retry_after_form must be 'seconds' or 'http-date'.")
        return raw
    if name == "fail_bug_batches_for":
        if not isinstance(raw, list):
            raise ValueError("fail_bug_batches_for needs a list of test ids.")
        ids: list[object] = list(raw)  # pyright: ignore[reportUnknownArgumentType] -- JSON list, checked next
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise ValueError("fail_bug_batches_for needs a list of integer test ids.")
        return frozenset(i for i in ids if isinstance(i, int))
    if name == "write_faults":
        if not isinstance(raw, dict):
            raise ValueError('write_faults needs an object such as {"2000123": "503"}.')
        return _write_faults(raw)  # pyright: ignore[reportUnknownArgumentType] -- JSON object, checked there
    if name == "fault_seed":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError("fault_seed needs an integer.")
        return raw
    return _number(name, raw)


@attrs.frozen
class SandboxConfig:
    """Everything that decides what a sandbox serves: data, clock, limits and faults."""

    seed: int = 1
    size: Size = "small"
    now: datetime | None = None
    token: str | None = None
    faults: Faults = Faults()
    bug_batch_budget: int = 600
    bug_batch_max_ids: int = 40
    per_page_cap: int | None = None
    profile: Profile = "production"
    dataset: Dataset | None = None

    def __attrs_post_init__(self) -> None:
        if self.now is not None and self.now.tzinfo is None:
            raise ValueError(
                "SandboxConfig.now must be timezone-aware (for example 2026-01-15T12:00:00Z)."
            )
        if self.size not in ("small", "medium", "large"):
            raise ValueError(f"Unknown size {self.size!r}; use small, medium or large.")
        if self.profile not in ("production", "staging"):
            raise ValueError(f"Unknown profile {self.profile!r}; use production or staging.")

"""Global id sequences with the gaps real ids show."""

from __future__ import annotations

from random import Random

import attrs


@attrs.define
class IdSequence:
    """Hands out increasing ids, skipping up to `max_gap - 1` ids between them."""

    next_id: int
    rng: Random
    max_gap: int = 1

    def take(self, count: int = 1) -> int:
        """Reserve `count` consecutive ids and return the first."""
        first = self.next_id
        self.next_id += count + (self.rng.randrange(self.max_gap) if self.max_gap > 1 else 0)
        return first

"""Seeded randomness for the simulator only (never for workflow code).

Each decision draws from its own stream, seeded from the run's seed, the participant and
the decision's name. The results therefore do not depend on the order in which the
simulator happens to ask, only on the seed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import TypeVar

K = TypeVar("K")


class Dice:
    def __init__(self, seed: int, owner: str) -> None:
        self._seed, self._owner = seed, owner

    def stream(self, decision: str) -> random.Random:
        # String seeds are hashed with SHA-512, so they are stable across processes and
        # unaffected by PYTHONHASHSEED.
        return random.Random(f"{self._seed}/{self._owner}/{decision}")

    def chance(self, decision: str, probability: float) -> bool:
        return self.stream(decision).random() < probability

    def spread(self, decision: str, spread: Sequence[float]) -> float:
        low, mode, high = spread
        return self.stream(decision).triangular(low, high, mode)

    def pick(self, decision: str, weights: Mapping[K, float]) -> K:
        keys = list(weights)
        return self.stream(decision).choices(keys, weights=[weights[k] for k in keys])[0]

    def grade(self, decision: str, table: Mapping[int, float]) -> int | None:
        """One grade from a {grade: probability} table, or None with the remaining probability."""
        draw, cumulative = self.stream(decision).random(), 0.0
        for grade in sorted(table):
            cumulative += table[grade]
            if draw < cumulative:
                return grade
        return None

    def exponential_days(self, decision: str, hazard_per_month: float) -> float:
        """Time to an event with a constant monthly hazard, in days (infinite for no hazard)."""
        if hazard_per_month <= 0:
            return float("inf")
        return self.stream(decision).expovariate(hazard_per_month) * 30.4375

"""Deciding where exceptions are injected.

Each exception type has a rate: the share of its *eligible units* (documents, payments, parties, items,
journals — see docs/scenario-format.md) that carry it. Units are offered one by one; a jittered
systematic sampler fires after a random gap of ``U(0, 2) / rate`` units on average ``1 / rate``, so the
count is close to ``rate x units`` with little variance and any type whose expected count is at least
two is injected at least once.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from .config import DEFAULT_RATES


class Injector:
    def __init__(self, rates: dict[str, float], rng: random.Random) -> None:
        self.rates = {name: rates.get(name, DEFAULT_RATES[name]) for name in DEFAULT_RATES}
        self.rng = rng
        self._acc = dict.fromkeys(self.rates, 0.0)
        self._threshold = {name: rng.uniform(0.0, 2.0) for name in self.rates}
        self.counts = dict.fromkeys(self.rates, 0)

    def offer(self, kind: str) -> bool:
        """Offer one eligible unit to ``kind``; ``True`` means inject here."""
        rate = self.rates[kind]
        if rate <= 0.0:
            return False
        self._acc[kind] += rate
        if self._acc[kind] >= self._threshold[kind]:
            self._acc[kind] -= self._threshold[kind]
            self._threshold[kind] = self.rng.uniform(0.0, 2.0)
            self.counts[kind] += 1
            return True
        return False

    def pick(self, kinds: Iterable[str]) -> str | None:
        """Offer one unit to each kind in order; the first that fires takes the unit."""
        for kind in kinds:
            if self.offer(kind):
                return kind
        return None

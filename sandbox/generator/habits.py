"""Company habits the generator draws from: when invoices are raised, how long payments take, which
foreign currencies the company deals in and how much.

``generator`` is the generator's own company (the default; scenarios are unchanged by this module).
``other`` is another company, used by ``sandbox.generator.perturb`` to test that the reconciliation
generalizes: invoices raised in month-end billing runs (most on the last days of the month, few at its
start, Fridays busy), payments either within days (card and direct debit) or weeks to months late
(a long-tailed spread instead of a bell around the terms), and three times the foreign business in other
currencies at other rates. Because the scenario is *drawn* with these habits, its ``truth/`` is consistent
by construction.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from .dates import month_end
from .ledgers import LedgerProfile


@dataclass(frozen=True)
class Habits:
    name: str
    weekday_weight: tuple[float, ...]
    """Relative invoicing volume Monday..Sunday."""
    month_end_days: int = 0
    """The last ``month_end_days`` days of a month carry ``month_end_weight`` times the volume ..."""
    month_end_weight: float = 1.0
    month_start_days: int = 0
    """... and the first ``month_start_days`` days ``month_start_weight`` times."""
    month_start_weight: float = 1.0
    quick_payer_share: float | None = None
    """None: a payment comes gauss(party's pay days, 7) days after the invoice. Otherwise this share of
    payments comes 1..``quick_max_days`` days after it and the rest lognormally spread around
    ``slow_factor`` times the party's pay days (sigma ``slow_sigma``), i.e. weeks to months."""
    quick_max_days: int = 6
    slow_factor: float = 1.0
    slow_sigma: float = 0.0
    foreign_share: float = 0.06
    """Share of customers and vendors that deal in a foreign currency."""
    foreign: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    """Per ledger: foreign currencies and starting rates (document units per base unit); empty: the
    ledger profile's."""
    currency_names: dict[str, str] = field(default_factory=dict)

    def day_weight(self, d: date) -> float:
        weight = self.weekday_weight[d.weekday()]
        if self.month_end_days and (month_end(d) - d).days < self.month_end_days:
            weight *= self.month_end_weight
        elif self.month_start_days and d.day <= self.month_start_days:
            weight *= self.month_start_weight
        return weight

    def payment_lag(self, rng: random.Random, pay_days: int) -> int:
        """Days from an invoice to its payment."""
        if self.quick_payer_share is None:
            return max(1, round(rng.gauss(pay_days, 7)))
        if rng.random() < self.quick_payer_share:
            return rng.randint(1, self.quick_max_days)
        return max(1, round(pay_days * self.slow_factor * math.exp(rng.gauss(0.0, self.slow_sigma))))

    def profile(self, profile: LedgerProfile) -> LedgerProfile:
        """The ledger profile with this company's foreign currencies."""
        foreign = self.foreign.get(profile.name)
        if not foreign:
            return profile
        names = {**profile.currency_names, **self.currency_names}
        return replace(profile, foreign=dict(foreign), currency_names=names)


GENERATOR = Habits(name="generator", weekday_weight=(1.0, 1.05, 1.05, 1.0, 0.95, 0.12, 0.04))

OTHER = Habits(
    name="other",
    weekday_weight=(0.7, 0.9, 1.0, 1.1, 1.6, 0.05, 0.0),
    month_end_days=4,
    month_end_weight=6.0,
    month_start_days=7,
    month_start_weight=0.35,
    quick_payer_share=0.3,
    quick_max_days=6,
    slow_factor=1.35,
    slow_sigma=0.45,
    foreign_share=0.18,
    foreign={
        "xero": {"MXN": Decimal("17.052000"), "CHF": Decimal("0.881200"), "SEK": Decimal("10.482000")},
        "kashflow": {"CHF": Decimal("1.121400"), "PLN": Decimal("5.041200"), "SEK": Decimal("13.310000")},
    },
    currency_names={
        "MXN": "Mexican Peso",
        "CHF": "Swiss Franc",
        "SEK": "Swedish Krona",
        "PLN": "Polish Zloty",
    },
)

HABITS = {h.name: h for h in (GENERATOR, OTHER)}

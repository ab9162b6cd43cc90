"""Money helpers: ``Decimal`` amounts rounded explicitly (ROUND_HALF_UP to cents)."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
ONE = Decimal("1")
_Q = {n: Decimal(1).scaleb(-n) for n in range(0, 9)}


def q2(value: Decimal) -> Decimal:
    """Round to cents, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def qn(value: Decimal, places: int) -> Decimal:
    """Round to ``places`` decimals, half up."""
    return value.quantize(_Q[places], rounding=ROUND_HALF_UP)


def cents(rng: random.Random, low: float, high: float) -> Decimal:
    """A random amount between ``low`` and ``high`` in whole cents."""
    return Decimal(rng.randint(round(low * 100), round(high * 100))).scaleb(-2)


def to_base(amount: Decimal, rate: Decimal) -> Decimal:
    """Convert a document-currency amount to base currency; ``rate`` is document units per base unit."""
    if rate == ONE:
        return amount
    return q2(amount / rate)


_SPECS = {n: f".{n}f" for n in range(0, 9)}
_ZEROS = {n: format(Decimal(0), f".{n}f") for n in range(0, 9)}


def fmt(value: Decimal | None, places: int = 2) -> str:
    """Plain decimal text with exactly ``places`` decimals (blank for ``None``, never ``-0.00``).

    Values are rounded (half up) where they are computed; this only pads them to the column's scale.
    """
    if value is None:
        return ""
    if not value:
        return _ZEROS[places]
    return format(value, _SPECS[places])

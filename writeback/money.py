"""Money for writeback: ``Decimal`` rounded half-up to cents, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value: Any) -> Decimal:
    """``value`` as a Decimal rounded half-up to cents; blank is zero; anything else is a ValueError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ZERO
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value).strip()).quantize(CENT, ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None


def fmt(amount: Decimal) -> str:
    """An amount as plain text with two decimals (``1234.50``)."""
    return f"{cents(amount):.2f}"

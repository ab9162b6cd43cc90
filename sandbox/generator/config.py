"""Generator settings: sizes, exception types, injection rates and their parsing."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

GENERATOR_VERSION = "1.0.0"

START_DATE = date(2025, 1, 1)
"""Every scenario starts on this date; the period length depends on the size."""

EXCEPTION_TYPES: tuple[str, ...] = (
    "missing_in_sage100",
    "missing_in_source",
    "amount_mismatch",
    "tax_mismatch",
    "customer_mismatch",
    "status_mismatch",
    "duplicate_document",
    "period_mismatch",
    "currency_mismatch",
    "unapplied_payment",
    "payment_missing_in_sage100",
    "payment_missing_in_source",
    "payment_amount_mismatch",
    "orphan_reference",
    "outlier_amount",
    "master_data_mismatch",
    "duplicate_party",
    "inventory_quantity_mismatch",
    "unbalanced_journal",
    "trial_balance_difference",
)
"""The ``recon.exceptions.exception_type`` values of DESIGN.md, in its order."""

DEFAULT_RATES: dict[str, float] = {
    # per sales invoice or bill
    "missing_in_sage100": 0.005,
    "missing_in_source": 0.004,
    "amount_mismatch": 0.005,
    "duplicate_document": 0.004,
    "period_mismatch": 0.004,
    # per sales invoice (tax_mismatch: per taxed sales invoice)
    "tax_mismatch": 0.006,
    "customer_mismatch": 0.004,
    "status_mismatch": 0.005,
    "outlier_amount": 0.003,
    # per foreign-currency invoice or bill
    "currency_mismatch": 0.08,
    # per sales invoice or bill whose payment plan allows it
    "unapplied_payment": 0.005,
    "payment_missing_in_sage100": 0.005,
    "payment_missing_in_source": 0.004,
    "payment_amount_mismatch": 0.005,
    "orphan_reference": 0.004,
    # per customer/vendor (master_data_mismatch: and per item)
    "master_data_mismatch": 0.02,
    "duplicate_party": 0.015,
    # per inventory item
    "inventory_quantity_mismatch": 0.08,
    # per source manual journal
    "unbalanced_journal": 0.12,
    "trial_balance_difference": 0.12,
}
"""Injection rates: the share of eligible units that carry the exception (see docs/scenario-format.md)."""

NOISE_RATES: dict[str, float] = {
    "tax_split_cent": 0.015,
    "total_cent": 0.015,
}
"""One-cent rounding noise on Sage 100 sales documents (below the 0.01 tolerance, never an exception)."""


@dataclass(frozen=True)
class SizeSpec:
    invoices: int
    months: int


SIZES: dict[str, SizeSpec] = {
    "small": SizeSpec(invoices=2_000, months=6),
    "medium": SizeSpec(invoices=100_000, months=12),
    "large": SizeSpec(invoices=1_000_000, months=12),
}

LEDGERS = ("xero", "kashflow")
HABIT_NAMES = ("generator", "other")


class ConfigError(ValueError):
    """A generator option a user gave is invalid; the message says what to change."""


def parse_rates(text: str | None) -> dict[str, float]:
    """Parse ``"type=0.02,type2=0"`` into a rate dict merged over :data:`DEFAULT_RATES`."""
    rates = dict(DEFAULT_RATES)
    if not text:
        return rates
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        if "=" not in part:
            raise ConfigError(
                f"--rates entry {part!r} is not of the form type=rate, e.g. amount_mismatch=0.02"
            )
        name, value = (s.strip() for s in part.split("=", 1))
        if name not in rates:
            raise ConfigError(
                f"--rates names unknown exception type {name!r}; known types: {', '.join(EXCEPTION_TYPES)}"
            )
        try:
            rate = float(value)
        except ValueError:
            raise ConfigError(
                f"--rates value for {name} is {value!r}, not a number between 0 and 1"
            ) from None
        if not 0.0 <= rate <= 1.0 or math.isnan(rate):
            raise ConfigError(f"--rates value for {name} is {rate}; use a number between 0 and 1")
        rates[name] = rate
    return rates


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything that determines a scenario; equal configs give byte-identical output."""

    ledger: str = "xero"
    seed: int = 1
    size: str = "small"
    invoices: int | None = None
    rates: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES))
    habits: str = "generator"
    """The company's habits (``sandbox.generator.habits``): ``generator`` or ``other``."""

    def __post_init__(self) -> None:
        if self.ledger not in LEDGERS:
            raise ConfigError(f"ledger {self.ledger!r} is not one of {', '.join(LEDGERS)}")
        if self.size not in SIZES:
            raise ConfigError(f"size {self.size!r} is not one of {', '.join(SIZES)}")
        if self.invoices is not None and self.invoices < 10:
            raise ConfigError(f"--invoices {self.invoices} is too small; give at least 10")
        if self.habits not in HABIT_NAMES:
            raise ConfigError(f"habits {self.habits!r} is not one of {', '.join(HABIT_NAMES)}")
        unknown = set(self.rates) - set(DEFAULT_RATES)
        if unknown:
            raise ConfigError(f"unknown exception types in rates: {', '.join(sorted(unknown))}")

    @property
    def invoice_count(self) -> int:
        return self.invoices if self.invoices is not None else SIZES[self.size].invoices

    @property
    def months(self) -> int:
        return SIZES[self.size].months

    @property
    def customer_count(self) -> int:
        """About 300 customers for 2,000 invoices, growing with the square root of the volume."""
        return max(12, min(12_000, round(300 * math.sqrt(self.invoice_count / 2_000))))

    @property
    def vendor_count(self) -> int:
        return max(8, self.customer_count // 2)

    @property
    def bill_count(self) -> int:
        return max(4, self.invoice_count // 4)

    @property
    def item_count(self) -> int:
        return max(20, min(400, round(80 * math.sqrt(self.invoice_count / 2_000) ** 0.5)))

"""Numbers of the Overview page: tie-out status per area, exceptions by type, aging, trend.

Everything is aggregated in DuckDB; a missing mart (not built yet) gives an empty result, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from app.data.warehouse import Reader

AREAS = ("documents", "payments", "open items", "GL trial balance", "master data", "inventory")

EXCEPTION_AREAS: dict[str, str] = {
    **{
        t: "documents"
        for t in (
            "missing_in_sage100",
            "missing_in_source",
            "amount_mismatch",
            "tax_mismatch",
            "customer_mismatch",
            "status_mismatch",
            "duplicate_document",
            "period_mismatch",
            "currency_mismatch",
            "outlier_amount",
        )
    },
    **{
        t: "payments"
        for t in (
            "unapplied_payment",
            "payment_missing_in_sage100",
            "payment_missing_in_source",
            "payment_amount_mismatch",
            "orphan_reference",
        )
    },
    "master_data_mismatch": "master data",
    "duplicate_party": "master data",
    "inventory_quantity_mismatch": "inventory",
    "unbalanced_journal": "GL trial balance",
    "trial_balance_difference": "GL trial balance",
}
"""The area of the Overview an exception type belongs to."""


def area_case(column: str = "exception_type") -> str:
    """SQL ``case`` giving the area of an exception type."""
    whens = " ".join(f"when '{t}' then '{a}'" for t, a in EXCEPTION_AREAS.items())
    return f"case {column} {whens} else 'other' end"


@dataclass(frozen=True)
class AreaStatus:
    """How one area ties out: ``checked`` items, ``agreeing`` of them, and the amount that does not."""

    area: str
    checked: int
    agreeing: int
    unreconciled: Decimal | None  # None when the area has no amounts (master data)
    exceptions: int
    scope: str  # "period" or "as of the last load"
    available: bool = True

    @property
    def match_rate(self) -> float | None:
        return (self.agreeing / self.checked) if self.checked else None


def periods(reader: Reader) -> list[str]:
    """Periods (YYYY-MM) with documents or exceptions, newest first."""
    tables = reader.tables()
    parts = []
    if "recon.document_tieout" in tables:
        parts.append("select period from recon.document_tieout")
    if "recon.exceptions" in tables:
        parts.append("select period from recon.exceptions")
    if "core.documents" in tables:
        parts.append("select period from core.documents")
    if not parts:
        return []
    rows = reader.rows(
        f"select distinct period from ({' union all '.join(parts)}) where period is not null order by 1 desc"
    )
    return [r[0] for r in rows]


def area_status(reader: Reader, period: str | None) -> list[AreaStatus]:
    """One :class:`AreaStatus` per area of :data:`AREAS` for ``period`` (None: every period)."""
    tables = reader.tables()
    exc_counts: dict[str, int] = {}
    if "recon.exceptions" in tables:
        for area, n in reader.rows(
            f"select {area_case()} as area, count(*) from recon.exceptions "
            "where (? is null or period = ? or period is null) group by 1",
            [period, period],
        ):
            exc_counts[area] = int(n)
    out: list[AreaStatus] = []
    # documents: recon.document_tieout (drafts and voids that never reached Sage 100 are not counted)
    if "recon.document_tieout" in tables:
        checked, agreeing, amount = reader.rows(
            "select count(*), count(*) filter (where status = 'matched'), "
            "coalesce(sum(abs(difference)) filter (where status <> 'matched'), 0) "
            "from recon.document_tieout where status <> 'not_posted' and (? is null or period = ?)",
            [period, period],
        )[0]
        out.append(
            AreaStatus(
                "documents", checked, agreeing, Decimal(amount), exc_counts.get("documents", 0), "period"
            )
        )
    else:
        out.append(_missing("documents"))
    # payments: every payment of either system; agreeing = no payment exception names it
    if "recon.payment_matches" in tables and "recon.exceptions" in tables:
        checked, failing, amount = reader.rows(
            """
            with pays as (
                select distinct payment_system, payment_ref from recon.payment_matches
                where ? is null or strftime(payment_date, '%Y-%m') = ?
            ), bad as (
                select system, document_number, amount from recon.exceptions
                where exception_type in ('unapplied_payment', 'payment_missing_in_sage100',
                    'payment_missing_in_source', 'payment_amount_mismatch', 'orphan_reference')
                  and (? is null or period = ?)
            )
            select (select count(*) from pays),
                   (select count(*) from pays p where exists (select 1 from bad b
                        where b.document_number = p.payment_ref)),
                   (select coalesce(sum(abs(amount)), 0) from bad)
            """,
            [period, period, period, period],
        )[0]
        out.append(
            AreaStatus(
                "payments",
                checked,
                max(checked - failing, 0),
                Decimal(amount),
                exc_counts.get("payments", 0),
                "period",
            )
        )
    else:
        out.append(_missing("payments"))
    # open items: each ledger open item against its Sage 100 counterpart's balance
    if "recon.open_items" in tables and "recon.document_tieout" in tables:
        checked, agreeing, amount = reader.rows(
            """
            select count(*),
                   count(*) filter (where abs(o.amount_due - coalesce(t.sage100_amount_due, 0)) <= 0.01),
                   coalesce(sum(abs(o.amount_due - coalesce(t.sage100_amount_due, 0))), 0)
            from recon.open_items o
            left join recon.document_tieout t on t.source_document_key = o.document_key
            where o.system <> 'sage100'
            """
        )[0]
        out.append(AreaStatus("open items", checked, agreeing, Decimal(amount), 0, "as of the last load"))
    else:
        out.append(_missing("open items"))
    # GL trial balance: per period, account and currency
    if "recon.trial_balance_comparison" in tables:
        checked, agreeing, amount = reader.rows(
            "select count(*), count(*) filter (where abs(difference) <= 0.01), "
            "coalesce(sum(abs(difference)) filter (where abs(difference) > 0.01), 0) "
            "from recon.trial_balance_comparison where ? is null or period = ?",
            [period, period],
        )[0]
        out.append(
            AreaStatus(
                "GL trial balance",
                checked,
                agreeing,
                Decimal(amount),
                exc_counts.get("GL trial balance", 0),
                "period",
            )
        )
    else:
        out.append(_missing("GL trial balance"))
    # master data and inventory: ledger parties / items, and those with a delta
    for area, entity_filter, core_table in (
        ("master data", "entity <> 'item'", "core.parties"),
        ("inventory", "entity = 'item'", "core.items"),
    ):
        if core_table in tables and "recon.master_data_deltas" in tables:
            checked, failing, amount = reader.rows(
                f"""
                select (select count(*) from {core_table} where system <> 'sage100'),
                       (select count(distinct coalesce(source_code, sage100_code))
                        from recon.master_data_deltas
                        where {entity_filter}),
                       (select sum(abs(difference)) from recon.master_data_deltas where {entity_filter})
                """
            )[0]
            out.append(
                AreaStatus(
                    area,
                    checked,
                    max(checked - failing, 0),
                    Decimal(amount) if area == "inventory" and amount is not None else None,
                    exc_counts.get(area, 0),
                    "as of the last load",
                )
            )
        else:
            out.append(_missing(area))
    return out


def _missing(area: str) -> AreaStatus:
    return AreaStatus(area, 0, 0, None, 0, "", available=False)


def exceptions_by_type(reader: Reader, period: str | None) -> pd.DataFrame:
    """exception_type, area, severity mix, count and absolute amount of ``period``'s exceptions."""
    if "recon.exceptions" not in reader.tables():
        return pd.DataFrame(columns=["exception_type", "area", "exceptions", "amount"])
    return reader.df(
        f"select exception_type, {area_case()} as area, count(*) as exceptions, "
        "coalesce(sum(abs(amount)), 0) as amount, "
        "count(*) filter (where severity = 'high') as high "
        "from recon.exceptions where ? is null or period = ? or period is null "
        "group by all order by amount desc, exceptions desc",
        [period, period],
    )


def aging(reader: Reader) -> pd.DataFrame:
    """Open amount per system, ledger (AR/AP) and aging bucket."""
    if "recon.open_items" not in reader.tables():
        return pd.DataFrame(columns=["system", "ledger", "aging_bucket", "items", "amount_due"])
    return reader.df(
        "select system, ledger, aging_bucket, count(*) as items, sum(amount_due) as amount_due, "
        "min(days_past_due) as bucket_order from recon.open_items group by all order by bucket_order, system"
    )


def trend(reader: Reader) -> pd.DataFrame:
    """Unreconciled amount (sum of absolute exception amounts) per period and area."""
    if "recon.exceptions" not in reader.tables():
        return pd.DataFrame(columns=["period", "area", "amount", "exceptions"])
    return reader.df(
        f"select period, {area_case()} as area, coalesce(sum(abs(amount)), 0) as amount, "
        "count(*) as exceptions "
        "from recon.exceptions where period is not null group by all order by period, area"
    )

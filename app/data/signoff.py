"""The Sign-off page's data: each period's exceptions and how many are explained, its sign-off state and
history, and the reconciling items carried forward into it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from app.data.exceptions import base_sql
from app.data.warehouse import Reader


def period_summary(reader: Reader, period: str) -> dict[str, Any]:
    """Counts of the period's exceptions by review state and its sign-off state."""
    from writeback.review import period_state

    counts = {"unexplained": 0, "explained": 0, "reconciling item": 0}
    if "recon.exceptions" in reader.tables():
        for review, n in reader.rows(
            f"select review, count(*) from ({base_sql(reader)}) where period = ? group by 1", [period]
        ):
            counts[review] = int(n)
    with reader.connect() as con:
        state = period_state(con, period)
    return {"counts": counts, "state": state, "total": sum(counts.values())}


def carried_forward(reader: Reader, period: str) -> pd.DataFrame:
    """Reconciling items explained in an earlier period that are still open."""
    if "recon.exceptions" not in reader.tables() or "ops.reconciling_items" not in reader.tables():
        return pd.DataFrame(
            columns=[
                "exception_id",
                "exception_type",
                "document_number",
                "amount",
                "period",
                "item_period",
                "item_explanation",
                "item_by",
            ]
        )
    return reader.df(
        f"select exception_id, exception_type, document_number, amount, currency, period, item_period, "
        f"item_explanation, item_by from ({base_sql(reader)}) "
        "where is_reconciling_item and coalesce(period, item_period) < ? "
        "order by abs(amount) desc nulls last",
        [period],
    )


def history(reader: Reader) -> pd.DataFrame:
    """Every sign-off and reopening, newest first."""
    tables = reader.tables()
    parts = []
    if "ops.period_signoffs" in tables:
        parts.append(
            "select period, 'signed off' as event, who, role, \"when\", comment as note "
            "from ops.period_signoffs"
        )
    if "ops.period_reopenings" in tables:
        parts.append("select period, 'reopened', who, role, \"when\", reason from ops.period_reopenings")
    if not parts:
        return pd.DataFrame(columns=["period", "event", "who", "role", "when", "note"])
    return reader.df(f'select * from ({" union all ".join(parts)}) order by "when" desc')

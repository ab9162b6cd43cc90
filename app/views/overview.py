"""Overview: tie-out status per area for a period, exceptions by type, aging, trend."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import ui
from app.data import overview

ALL = "All periods"


def _chart_frame(frame: pd.DataFrame, money: tuple[str, ...]) -> pd.DataFrame:
    """Charts draw numbers: money is converted to float here, for drawing only."""
    out = frame.copy()
    for name in money:
        if name in out.columns:
            out[name] = out[name].map(lambda v: float(v) if v is not None else 0.0)
    return out


def _field(name: str, kind: str, title: str | None = "", **extra: object) -> dict[str, object]:
    """One Vega-Lite encoding channel (plain specs: Altair's schema validation costs ~0.15 s a chart)."""
    out: dict[str, object] = {"field": name, "type": kind, **extra}
    if title != "":
        out["title"] = title
    return out


def _tooltip(*names: str, money: str) -> list[dict[str, object]]:
    return [_field(n, "nominal") for n in names] + [_field(money, "quantitative", format=",.2f")]


def body() -> None:
    st.title("Overview")
    periods = ui.data(overview.periods)
    if not periods:
        ui.no_data("Reconciliation data")
        return
    choice = st.selectbox("Period", [ALL, *periods], index=1 if periods else 0, key="overview_period")
    period = None if choice == ALL else choice
    st.subheader("Tie-out by area")
    statuses = ui.data(overview.area_status, period)
    columns = st.columns(3)
    for i, status in enumerate(statuses):
        with columns[i % 3].container(border=True):
            st.markdown(f"**{status.area[:1].upper()}{status.area[1:]}**")
            if not status.available:
                st.caption("not built yet")
                continue
            st.metric(
                "Match rate",
                ui.percent(status.match_rate),
                help=f"{status.agreeing:,} of {status.checked:,} agree ({status.scope})",
            )
            amount = "—" if status.unreconciled is None else ui.money(status.unreconciled)
            st.caption(
                f"Unreconciled {amount} · {status.exceptions:,} exceptions · {status.checked:,} checked "
                f"({status.scope})"
            )
    left, right = st.columns(2)
    with left:
        st.subheader("Exceptions by type")
        by_type = ui.data(overview.exceptions_by_type, period)
        if by_type.empty:
            st.caption("No exceptions in this period.")
        else:
            chart = _chart_frame(by_type, ("amount",))
            st.vega_lite_chart(
                chart,
                {
                    "mark": "bar",
                    "encoding": {
                        "x": _field("amount", "quantitative", "Amount (absolute)"),
                        "y": _field("exception_type", "nominal", None, sort="-x"),
                        "color": _field("area", "nominal", "Area"),
                        "tooltip": _tooltip("exception_type", "area", "exceptions", money="amount"),
                    },
                },
                width="stretch",
            )
            st.dataframe(
                by_type,
                hide_index=True,
                width="stretch",
                column_config=ui.money_columns(by_type, ("amount",)),
            )
    with right:
        st.subheader("Aging of open items")
        aging = ui.data(overview.aging)
        if aging.empty:
            st.caption("No open items.")
        else:
            chart = _chart_frame(aging, ("amount_due",))
            chart["series"] = chart["system"] + " " + chart["ledger"]
            order = list(dict.fromkeys(chart.sort_values("bucket_order")["aging_bucket"]))
            st.vega_lite_chart(
                chart,
                {
                    "mark": "bar",
                    "encoding": {
                        "x": _field("aging_bucket", "nominal", "Days past due", sort=order),
                        "y": _field("amount_due", "quantitative", "Open amount"),
                        "color": _field("series", "nominal", "System / ledger"),
                        "xOffset": _field("series", "nominal"),
                        "tooltip": _tooltip("system", "ledger", "aging_bucket", "items", money="amount_due"),
                    },
                },
                width="stretch",
            )
    st.subheader("Unreconciled amounts across periods")
    trend = ui.data(overview.trend)
    if trend.empty:
        st.caption("No exceptions yet.")
    else:
        chart = _chart_frame(trend, ("amount",))
        st.vega_lite_chart(
            chart,
            {
                "mark": {"type": "line", "point": True},
                "encoding": {
                    "x": _field("period", "nominal", "Period"),
                    "y": _field("amount", "quantitative", "Unreconciled (absolute)"),
                    "color": _field("area", "nominal", "Area"),
                    "tooltip": _tooltip("period", "area", "exceptions", money="amount"),
                },
            },
            width="stretch",
        )


ui.guard(body)

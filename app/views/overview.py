"""Overview: tie-out status per area for a period, exceptions by type, aging, trend."""

from __future__ import annotations

import altair as alt
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
            st.altair_chart(
                alt.Chart(chart)
                .mark_bar()
                .encode(
                    x=alt.X("amount:Q", title="Amount (absolute)"),
                    y=alt.Y("exception_type:N", sort="-x", title=None),
                    color=alt.Color("area:N", title="Area"),
                    tooltip=["exception_type", "area", "exceptions", alt.Tooltip("amount:Q", format=",.2f")],
                ),
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
            st.altair_chart(
                alt.Chart(chart)
                .mark_bar()
                .encode(
                    x=alt.X("aging_bucket:N", sort=order, title="Days past due"),
                    y=alt.Y("amount_due:Q", title="Open amount"),
                    color=alt.Color("series:N", title="System / ledger"),
                    xOffset="series:N",
                    tooltip=[
                        "system",
                        "ledger",
                        "aging_bucket",
                        "items",
                        alt.Tooltip("amount_due:Q", format=",.2f"),
                    ],
                ),
                width="stretch",
            )
    st.subheader("Unreconciled amounts across periods")
    trend = ui.data(overview.trend)
    if trend.empty:
        st.caption("No exceptions yet.")
    else:
        chart = _chart_frame(trend, ("amount",))
        st.altair_chart(
            alt.Chart(chart)
            .mark_line(point=True)
            .encode(
                x=alt.X("period:N", title="Period"),
                y=alt.Y("amount:Q", title="Unreconciled (absolute)"),
                color=alt.Color("area:N", title="Area"),
                tooltip=["period", "area", "exceptions", alt.Tooltip("amount:Q", format=",.2f")],
            ),
            width="stretch",
        )


ui.guard(body)

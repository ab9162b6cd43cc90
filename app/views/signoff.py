"""Sign-off: a reviewer signs a period off once every exception of it is explained; a signed period shows
as such and only an admin can reopen it (audited)."""

from __future__ import annotations

import streamlit as st

from app import ui
from app.data import decisions
from app.data import signoff as so
from app.data.overview import periods as list_periods

OUTCOME = "signoff_outcome"


def body() -> None:
    st.title("Sign-off")
    ui.show_outcome(OUTCOME)
    periods = ui.data(list_periods)
    if not periods:
        ui.no_data("Reconciliation data")
        return
    period = st.selectbox("Period", periods, key="signoff_period")
    summary = ui.data(so.period_summary, period)
    state, counts = summary["state"], summary["counts"]
    if state["signed_off"]:
        st.success(f"{period} is signed off by {state['who']} on {state['when']:%Y-%m-%d %H:%M} UTC.")
    else:
        st.info(
            f"{period} is open"
            + (
                f" (reopened by {state['reopened_by']}: {state['reopen_reason']})"
                if state["reopened_by"]
                else ""
            )
            + "."
        )
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Exceptions", summary["total"])
    c2.metric("Unexplained", counts["unexplained"])
    c3.metric("Explained by a note", counts["explained"])
    c4.metric("Reconciling items", counts["reconciling item"])
    carried = ui.data(so.carried_forward, period)
    if not carried.empty:
        st.markdown("**Reconciling items carried forward from earlier periods**")
        st.dataframe(
            carried, hide_index=True, width="stretch", column_config=ui.money_columns(carried, ("amount",))
        )
    user = ui.user()
    warehouse = ui.settings().warehouse
    if not state["signed_off"]:
        if counts["unexplained"]:
            st.warning(
                f"{counts['unexplained']} exception(s) of {period} still need an explanation (Exceptions "
                "page, Review = unexplained) before the period can be signed off."
            )
        with st.form("signoff_form", clear_on_submit=True):
            comment = st.text_input("Comment (optional)", key="signoff_comment")
            if st.form_submit_button(f"Sign off {period}", type="primary"):
                ui.remember_outcome(OUTCOME, decisions.sign_off(warehouse, period, user, comment))
                st.rerun()
    else:
        with st.form("reopen_form", clear_on_submit=True):
            reason = st.text_input("Why reopen it (admins only)", key="reopen_reason")
            if st.form_submit_button(f"Reopen {period}"):
                ui.remember_outcome(OUTCOME, decisions.reopen(warehouse, period, reason, user))
                st.rerun()
    st.markdown("**History**")
    st.dataframe(ui.data(so.history), hide_index=True, width="stretch")


ui.guard(body)

"""Payment matching: allocations matched automatically (rule and evidence), suggestions to accept or
reject, and the queue of payments nothing was matched to."""

from __future__ import annotations

import streamlit as st

from app import ui
from app.data import decisions
from app.data import payments as pay

OUTCOME = "payments_outcome"
MONEY = ("payment_amount", "allocated_amount", "writeoff_amount", "amount")


def _matches(decision: str, key: str) -> None:
    rules = ui.data(pay.rules)
    c1, c2, c3 = st.columns([2, 2, 1])
    search = c1.text_input("Payment, document, party or evidence", key=f"{key}_search")
    chosen_rules = c2.multiselect("Rule", rules, key=f"{key}_rules")
    pending = c3.checkbox("Undecided only", value=decision == "suggested", key=f"{key}_pending")
    size = ui.settings().page_size
    page_no = int(st.session_state.get(f"{key}_page", 0))
    frame, total = ui.data(pay.matches, decision, search, tuple(chosen_rules), page_no, size, pending)
    if page_no != ui.pager(f"{key}_page", total, size):
        frame, total = ui.data(
            pay.matches,
            decision,
            search,
            tuple(chosen_rules),
            int(st.session_state[f"{key}_page"]),
            size,
            pending,
        )
    st.dataframe(frame, hide_index=True, width="stretch", column_config=ui.money_columns(frame, MONEY))
    if decision != "suggested" or frame.empty:
        return
    user = ui.user()
    labels = {
        r.match_id: f"{r.payment_ref} → {r.document_number} · {ui.money(r.allocated_amount, r.currency)} "
        f"· {r.rule} ({r.confidence:.2f})"
        for r in frame.itertuples()
    }
    chosen = st.selectbox(
        "Suggested allocation", list(labels), format_func=lambda i: labels[i], key="pay_chosen"
    )
    match = ui.data(pay.get_match, chosen)
    if match is None:
        return
    st.caption(f"Evidence: {match.get('evidence') or '—'}")
    comment = st.text_input("Comment (optional)", key="pay_comment")
    left, right = st.columns(2)
    warehouse = ui.settings().warehouse
    if left.button("Accept the allocation", type="primary", key="pay_accept"):
        ui.remember_outcome(
            OUTCOME, decisions.decide_match(warehouse, match, "accepted", user, comment or None)
        )
        st.rerun()
    if right.button("Reject the allocation", key="pay_reject"):
        ui.remember_outcome(
            OUTCOME, decisions.decide_match(warehouse, match, "rejected", user, comment or None)
        )
        st.rerun()


def body() -> None:
    st.title("Payment matching")
    ui.show_outcome(OUTCOME)
    if not ui.data(pay.available):
        ui.no_data("recon.payment_matches")
        return
    summary = ui.data(pay.summary)
    st.dataframe(
        summary, hide_index=True, width="stretch", column_config=ui.money_columns(summary, ("amount",))
    )
    auto, suggested, unmatched = st.tabs(["Auto matches", "Suggested", "Unmatched queue"])
    with auto:
        _matches("auto", "pay_auto")
    with suggested:
        _matches("suggested", "pay_sugg")
    with unmatched:
        size = ui.settings().page_size
        page_no = int(st.session_state.get("pay_unmatched_page", 0))
        frame, total = ui.data(pay.unmatched, page_no, size)
        if page_no != ui.pager("pay_unmatched_page", total, size):
            frame, total = ui.data(pay.unmatched, int(st.session_state["pay_unmatched_page"]), size)
        st.dataframe(frame, hide_index=True, width="stretch", column_config=ui.money_columns(frame, MONEY))
        st.caption("Explain or resolve these on the Exceptions page (filter by the payment types).")


ui.guard(body)

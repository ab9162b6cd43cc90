"""Mappings: every ledger account's Sage 100 account — confirmed, suggested (with the evidence) or
unmapped — to accept or correct. A confirmed mapping is audited and written to the account_map seed."""

from __future__ import annotations

import streamlit as st

from app import ui
from app.data import decisions
from app.data import mappings as mp

OUTCOME = "mappings_outcome"
SETTLED = ("confirmed", "native")


def body() -> None:
    st.title("Mappings")
    ui.show_outcome(OUTCOME)
    if not ui.data(mp.available):
        ui.no_data("core.accounts")
        return
    c1, c2 = st.columns(2)
    known = ui.data(mp.statuses)
    status = c1.multiselect(
        "Mapping status", known, default=[s for s in known if s not in SETTLED], key="map_status"
    )
    search = c2.text_input("Account code or name", key="map_search")
    frame = ui.data(mp.accounts, tuple(status), search)
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "suggestion_score": st.column_config.ProgressColumn(
                "score", min_value=0.0, max_value=1.0, format="%.2f"
            )
        },
    )
    if frame.empty:
        st.caption("No account in this selection.")
        return
    rows = {f"{r.system}:{r.account_code}": r for r in frame.itertuples()}
    key = st.selectbox(
        "Account",
        list(rows),
        format_func=lambda k: f"{rows[k].system} {rows[k].account_code} — {rows[k].account_name}",
        key="map_account",
    )
    row = rows[key]
    suggested = getattr(row, "suggested_sage100_account", None) or getattr(row, "sage100_account", None)
    st.caption(f"Evidence: {getattr(row, 'mapping_evidence', None) or '—'}")
    choices = ui.data(mp.sage_accounts)
    codes = [c.split(" — ")[0] for c in choices]
    index = codes.index(suggested) if suggested in codes else 0
    with st.form("map_form"):
        picked = st.selectbox("Sage 100 account", choices, index=index, key=f"map_pick_{key}")
        note = st.text_input("Note (optional)", key="map_note")
        label = "Accept the suggestion" if suggested else "Confirm the mapping"
        if st.form_submit_button(label, type="primary"):
            code = picked.split(" — ")[0] if picked else ""
            ui.remember_outcome(
                OUTCOME,
                decisions.record_mapping(
                    ui.settings().warehouse,
                    ui.settings().account_map,
                    row.system,
                    row.account_code,
                    code,
                    suggested,
                    ui.user(),
                    note or None,
                ),
            )
            st.rerun()
    st.caption(
        "A confirmed mapping goes to dbt_project/seeds/account_map.csv (TIEOUT_ACCOUNT_MAP) and wins over "
        "suggestions from the next refresh on."
    )


ui.guard(body)

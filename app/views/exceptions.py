"""Exceptions: filter, page and export the list; open one to compare its records side by side, explain it
with a note or mark it as a reconciling item that carries forward."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app import ui
from app.data import decisions
from app.data import exceptions as ex
from app.data.overview import periods as list_periods

ALL = "All periods"
OUTCOME = "exceptions_outcome"


def _filters() -> ex.ExceptionFilter:
    periods = ui.data(list_periods)
    options = ui.data(ex.options)
    with st.expander("Filters", expanded=True):
        c1, c2, c3, c4 = st.columns(4)
        period = c1.selectbox("Period", [ALL, *periods], key="exc_period")
        types = c2.multiselect("Type", options["types"], key="exc_types")
        severities = c3.multiselect("Severity", options["severities"], key="exc_severity")
        review = c4.multiselect("Review", options["review"], key="exc_review")
        c5, c6, c7, c8, c9 = st.columns(5)
        min_amount = c5.number_input("Amount at least", min_value=0.0, value=0.0, step=100.0, key="exc_min")
        max_amount = c6.number_input(
            "Amount at most (0: any)", min_value=0.0, value=0.0, step=100.0, key="exc_max"
        )
        party = c7.text_input("Party", key="exc_party")
        age = c8.number_input("Older than (days)", min_value=0, value=0, step=30, key="exc_age")
        search = c9.text_input("Document / text", key="exc_search")
    return ex.ExceptionFilter(
        period=None if period == ALL else period,
        types=tuple(types),
        severities=tuple(severities),
        min_amount=min_amount or None,
        max_amount=max_amount or None,
        party=party,
        min_age_days=age or None,
        review=tuple(review),
        search=search,
    )


def _highlight(row: pd.Series) -> list[str]:
    style = "background-color: #ffe0e0; font-weight: 600" if row["differs"] else ""
    return [style] * len(row)


def _detail(exc: dict[str, Any]) -> None:
    user = ui.user()
    warehouse = ui.settings().warehouse
    st.subheader(f"{exc['exception_type'].replace('_', ' ')} · {exc.get('document_number') or ''}")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Amount", ui.money(exc.get("amount"), exc.get("currency")))
    c2.metric("Severity", exc.get("severity") or "—")
    c3.metric("Period", exc.get("period") or "—")
    c4.metric("Review", exc.get("review") or "—")
    st.write(exc.get("details") or "")
    st.caption(
        f"exception_id `{exc['exception_id']}` · system {exc.get('system')} · party {exc.get('party')}"
        + (f" · related {exc.get('related_document_number')}" if exc.get("related_document_number") else "")
    )
    pair = ui.data(ex.side_by_side, exc)
    st.markdown("**Source record and Sage 100 record**")
    if pair.kind == "none" or pair.comparison.empty:
        st.caption("No record in core.* matches this exception's keys.")
    else:
        shown = pair.comparison.rename(columns={"left": pair.left_label, "right": pair.right_label})
        st.dataframe(
            shown.style.apply(_highlight, axis=1), hide_index=True, width="stretch", key="exc_side_by_side"
        )
        if pair.differing:
            st.markdown("Fields that differ: " + ", ".join(f"**{f}**" for f in pair.differing))
        elif pair.right is None:
            st.markdown(f"Only **{pair.left_label}** exists: there is no counterpart in the other system.")
    if pair.extra is not None and not pair.extra.empty:
        st.markdown("**Ledger context**")
        st.dataframe(pair.extra, hide_index=True, width="stretch")
    st.markdown("**Notes**")
    notes = ui.data(ex.notes, exc["exception_id"])
    if notes.empty:
        st.caption("No notes yet.")
    else:
        st.dataframe(notes, hide_index=True, width="stretch")
    if exc.get("is_reconciling_item"):
        st.info(
            f"Reconciling item since {exc.get('item_period') or '?'} ({exc.get('item_by')}): "
            f"{exc.get('item_explanation')}"
        )
    left, right = st.columns(2)
    with left.form("exc_note_form", clear_on_submit=True):
        note = st.text_area("Add an explanation", key="exc_note")
        if st.form_submit_button("Add note"):
            ui.remember_outcome(OUTCOME, decisions.add_note(warehouse, exc["exception_id"], note, user))
            st.rerun()
    with right.form("exc_item_form", clear_on_submit=True):
        if exc.get("is_reconciling_item"):
            reason = st.text_area("Why it is no longer a reconciling item", key="exc_clear_reason")
            if st.form_submit_button("Clear reconciling item"):
                ui.remember_outcome(
                    OUTCOME, decisions.clear_reconciling_item(warehouse, exc["exception_id"], reason, user)
                )
                st.rerun()
        else:
            explanation = st.text_area(
                "Reconciling item: why the difference is expected", key="exc_item_text"
            )
            if st.form_submit_button("Mark as reconciling item (carries forward)"):
                ui.remember_outcome(
                    OUTCOME,
                    decisions.mark_reconciling_item(
                        warehouse, exc["exception_id"], explanation, exc.get("period"), user
                    ),
                )
                st.rerun()


def body() -> None:
    st.title("Exceptions")
    ui.show_outcome(OUTCOME)
    if not ui.data(ex.available):
        ui.no_data("recon.exceptions")
        return
    flt = _filters()
    size = ui.settings().page_size
    if st.session_state.get("exc_last_filter") != flt:
        st.session_state["exc_last_filter"] = flt
        st.session_state["exc_page"] = 0
    asked = int(st.session_state.get("exc_page", 0))
    frame, total = ui.data(ex.page, flt, asked, size)
    page_no = ui.pager("exc_page", total, size)  # a click on previous / next changes the page
    if page_no != asked:
        frame, total = ui.data(ex.page, flt, page_no, size)
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        key="exc_table",
        column_config={
            **ui.money_columns(frame, ("amount",)),
            "exception_id": st.column_config.TextColumn("exception_id", width="small"),
        },
    )
    reader = ui.reader()
    ui.downloads(lambda: ex.export_frame(reader, flt), "exceptions", "exc_export")
    st.divider()
    labels = {
        row.exception_id: f"{row.exception_type} · {row.document_number or ''} · "
        f"{ui.money(row.amount, row.currency if isinstance(row.currency, str) else None)}"
        for row in frame.itertuples()
    }
    wanted = st.query_params.get("exception")
    if wanted and wanted not in labels:
        labels = {wanted: wanted, **labels}
    if not labels:
        st.caption("No exception matches the filters.")
        return
    ids = list(labels)
    chosen = st.selectbox(
        "Open an exception",
        ids,
        format_func=lambda i: labels[i],
        index=ids.index(wanted) if wanted in ids else 0,
        key="exc_open",
    )
    exc = ui.data(ex.get, chosen)
    if exc is None:
        st.warning(
            f"Exception {chosen} is not in recon.exceptions (it may have cleared in the last refresh)."
        )
        return
    _detail(exc)


ui.guard(body)

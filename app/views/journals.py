"""Journals: proposals with their lines, balance check and source documents; approve or reject them under
writeback's guards; post approved ones and follow them through the outbox, dead letters included."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from app import posting, ui
from app.data import decisions
from app.data import journals as jr

OUTCOME = "journals_outcome"


@st.cache_data(ttl=60, show_spinner=False)
def _threshold() -> Decimal:
    """writeback.approval_threshold (dlt configuration), read at most once a minute."""
    from writeback.settings import DEFAULT_THRESHOLD, WritebackSettings

    try:
        return WritebackSettings.load(ui.settings().warehouse).approval_threshold
    except ValueError:
        return DEFAULT_THRESHOLD


def _detail(proposal_id: str, threshold: Decimal) -> None:
    info = ui.data(jr.detail, proposal_id, threshold)
    if info is None:
        st.warning(f"Proposal {proposal_id} is gone (the last refresh changed the proposals).")
        return
    p, status = info["proposal"], info["status"]
    st.subheader(f"{p.proposal_id} · {p.kind} → {p.target}")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Amount", ui.money(p.amount, p.currency))
    c2.metric("Period", p.period or "—")
    c3.metric("Posting date", p.posting_date.isoformat() if p.posting_date else "—")
    c4.metric("Version", p.content_hash[:12])
    if p.description:
        st.write(p.description)
    st.caption(
        f"Prepared by {status.preparer} · approved by {', '.join(status.approvers) or 'nobody yet'}"
        + (f" · rejected by {', '.join(status.rejected_by)}" if status.rejected_by else "")
    )
    if status.lapsed:
        st.warning(
            "Earlier approvals lapsed: the proposal changed since "
            + ", ".join(sorted({f"{d.who} approved {d.content_hash[:12]}" for d in status.lapsed}))
        )
    lines = info["lines"]
    if not lines.empty:
        st.markdown("**Lines**")
        st.dataframe(
            lines,
            hide_index=True,
            width="stretch",
            column_config=ui.money_columns(lines, ("debit", "credit")),
        )
        for currency, t in info["totals"].items():
            text = (
                f"{currency}: debits {ui.money(t['debit'])} · credits {ui.money(t['credit'])} · "
                f"difference {ui.money(t['difference'])}"
            )
            (st.success if t["difference"] == 0 else st.error)(
                ("Balanced — " if t["difference"] == 0 else "Does not balance — ") + text
            )
    elif p.party:
        st.markdown("**New master-data record**")
        st.json(p.party)
    for problem in info["balance_problems"]:
        st.error(problem)
    refusal = info["last_refusal"]
    if refusal and not info["outbox"]:
        st.error(
            f"The last writeback run ({refusal['at']}, {refusal['by']}) refused to post this version: "
            + " · ".join(refusal["reasons"])
        )
    if info["refusals"]:
        st.markdown("**Before it can post**")
        for reason in info["refusals"]:
            st.markdown(f"- {reason}")
    else:
        st.success(
            "Every approval guard passes: it posts with the next writeback run (which also checks that the "
            "period is open in the target)."
        )
    if info["sources"] is not None and not info["sources"].empty:
        st.markdown("**Source documents**")
        st.dataframe(info["sources"], hide_index=True, width="stretch")
    row = info["outbox"]
    if row is not None:
        st.markdown("**Outbox**")
        text = f"{row.state} · attempts {row.attempts}"
        if row.target_ref:
            text += f" · {row.target} reference {row.target_ref}"
        (st.error if row.state == "dead-letter" else st.info)(
            text + (f" · {row.last_error}" if row.last_error else "")
        )
    user = ui.user()
    warehouse = ui.settings().warehouse
    with st.form("journal_decision", clear_on_submit=True):
        comment = st.text_input("Comment (required to reject)", key="journal_comment")
        a, r, pr = st.columns(3)
        approve = a.form_submit_button("Approve", type="primary")
        reject = r.form_submit_button("Reject")
        prepare = pr.form_submit_button("I prepared this (submit for approval)")
    if approve:
        ui.remember_outcome(OUTCOME, decisions.approve(warehouse, proposal_id, user, comment))
        st.rerun()
    if reject:
        ui.remember_outcome(OUTCOME, decisions.reject(warehouse, proposal_id, user, comment))
        st.rerun()
    if prepare:
        ui.remember_outcome(OUTCOME, decisions.prepare(warehouse, proposal_id, user, comment))
        st.rerun()
    if not user.can_approve:
        st.caption(f"{user.username} is a {user.role}: approving and rejecting need an approver or admin.")
    st.markdown("**Decisions**")
    st.dataframe(info["decisions"], hide_index=True, width="stretch")
    st.markdown("**Audit history**")
    st.dataframe(info["history"], hide_index=True, width="stretch")


@st.fragment(run_every=2)
def _posting() -> None:
    """Post approved proposals in a background process (:mod:`app.posting`) and follow it every 2 s
    without rerunning the rest of the page: the app stays usable while Xero or Sage 100 answer."""
    warehouse = ui.settings().warehouse
    user = ui.user()
    status = posting.read_status(warehouse)
    running = bool(status and status.get("state") == "running")
    if user.can_approve and st.button(
        "Post approved proposals",
        key="journal_post",
        disabled=running,
        help="Runs writeback in the background: guards, then the outbox posts each approved proposal "
        "exactly once",
    ):
        try:
            posting.start_background(warehouse, user=user.username, role=user.role)
        except (posting.PostingBusy, PermissionError, OSError) as exc:
            st.error(f"Could not start posting: {exc}")
            return
        st.toast("Posting started: keep working, this panel follows it.")
        status, running = posting.read_status(warehouse), True
    if status is None:
        return
    if running:
        st.session_state["posting_seen_running"] = True
    elif st.session_state.pop("posting_seen_running", False):
        st.cache_data.clear()
        st.rerun(scope="app")  # posting finished: redraw the list and the outbox with the new states
    counts = ui.data(jr.outbox_counts)
    in_flight = counts.get("pending", 0) + counts.get("sending", 0)
    done = sum(counts.values()) - in_flight
    outbox_text = " · ".join(f"{state} {n}" for state, n in sorted(counts.items())) or "empty"
    head = f"Posting started by {status.get('user')} at {status.get('started_at')}"
    if running:
        st.info(f"{head} is running · {status.get('message', '')}")
        if counts:
            st.progress(done / max(1, done + in_flight), text=f"Outbox: {outbox_text}")
        return
    text = f"Last posting run ({status.get('user')}, {status.get('started_at')}): {status.get('message', '')}"
    trouble = status.get("state") != "succeeded" or any(
        (status.get("counts") or {}).get(k) for k in ("failed", "dead-letter")
    )
    (st.error if trouble else st.success)(text)
    for problem in status.get("problems") or []:
        st.warning(problem)
    if counts.get("dead-letter"):
        st.error(
            f"{counts['dead-letter']} posting(s) in dead-letter: each needs a person (Outbox tab, "
            "last_error; `tieout requeue` once fixed)."
        )
    if status.get("lines"):
        with st.expander("Writeback output"):
            st.code("\n".join(status["lines"][-80:]))


def body() -> None:
    st.title("Journals")
    ui.show_outcome(OUTCOME)
    if not ui.data(jr.available):
        ui.no_data("journals.proposals")
        return
    threshold = _threshold()
    from writeback.proposals import ProposalError

    try:
        rows = ui.data(jr.proposals, threshold)
    except ProposalError as exc:
        st.error(f"writeback cannot read the proposals: {exc}")
        return
    states = sorted({r.state for r in rows})
    c1, c2 = st.columns([3, 1])
    shown_states = c1.multiselect("State", states, key="journal_states")
    c2.metric("Two approvers above", ui.money(threshold))
    shown = [r for r in rows if not shown_states or r.state in shown_states]
    frame = jr.frame(shown)
    st.dataframe(frame, hide_index=True, width="stretch", column_config=ui.money_columns(frame, ("amount",)))
    _posting()
    tab_detail, tab_outbox = st.tabs(["Proposal", "Outbox"])
    with tab_detail:
        if not shown:
            st.caption("No proposal in these states.")
        else:
            labels = {  # no state in the label: a decision must not change the widget and lose the choice
                r.proposal_id: f"{r.proposal_id} · {r.kind} · {r.period or ''} · "
                f"{ui.money(r.amount, r.currency)}"
                for r in shown
            }
            wanted = st.query_params.get("proposal")
            ids = list(labels)
            chosen = st.selectbox(
                "Open a proposal",
                ids,
                format_func=lambda i: labels[i],
                index=ids.index(wanted) if wanted in ids else 0,
                key="journal_open",
            )
            _detail(chosen, threshold)
    with tab_outbox:
        outbox = ui.data(jr.outbox_frame)
        dead = outbox[outbox["state"] == "dead-letter"] if not outbox.empty else outbox
        if len(dead):
            st.error(f"{len(dead)} posting(s) in dead-letter: each needs a person (see last_error).")
        st.dataframe(outbox, hide_index=True, width="stretch")


ui.guard(body)

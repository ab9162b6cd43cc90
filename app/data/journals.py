"""The Journals page's data: proposals with their approval state (writeback's own reading of it), lines,
balance check, source documents, outbox state and audit history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from app.data.warehouse import Reader, sql_df

HISTORY_COLUMNS = ("seq", "at", "actor", "action", "object", "payload")
_PROPOSALS: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}


def _all_proposals(reader: Reader, con: Any) -> dict[str, Any]:
    """writeback's proposals of the warehouse, read once per version of the file: the list and the
    detail of one proposal both need them, and reading every proposal with its lines is the page's
    biggest cost."""
    from writeback.proposals import load_proposals

    key = reader.signature()
    known = _PROPOSALS.get(str(reader.path))
    if known is not None and known[0] == key:
        return known[1]
    found = load_proposals(con)
    _PROPOSALS[str(reader.path)] = (key, found)
    return found


@dataclass(frozen=True)
class ProposalRow:
    """One proposal as the list shows it."""

    proposal_id: str
    content_hash: str
    target: str
    kind: str
    period: str | None
    posting_date: str | None
    description: str
    amount: Decimal
    currency: str
    lines: int
    balanced: bool
    preparer: str
    approvers: tuple[str, ...]
    rejected_by: tuple[str, ...]
    lapsed: bool
    needs_two: bool
    state: str  # awaiting approval | needs a second approver | approved | rejected | pending | posted | ...
    outbox_state: str | None
    last_error: str | None


def available(reader: Reader) -> bool:
    tables = reader.tables()
    return "journals.proposals" in tables or "recon.master_data_deltas" in tables


def proposals(reader: Reader, threshold: Decimal) -> list[ProposalRow]:
    """Every current proposal with its state, largest first."""
    from writeback import approvals, guards
    from writeback import outbox as ob
    from writeback.warehouse import table_exists

    with reader.connect() as con:
        found = _all_proposals(reader, con)
        has_ops = table_exists(con, "ops", "approvals")
        status = (
            approvals.statuses(con, found)
            if has_ops
            else {pid: approvals.status_of(p, []) for pid, p in found.items()}
        )
        outbox = {row.key: row for row in ob.rows(con)} if table_exists(con, "ops", "outbox") else {}
    out = []
    for pid, st in status.items():
        p = st.proposal
        row = outbox.get(p.key)
        needs_two = bool(p.flagged or p.amount > threshold)
        others = [a for a in st.approvers if a != st.preparer]
        if row is not None:
            state = row.state
        elif st.rejected_by:
            state = "rejected"
        elif not st.approvers:
            state = "approval lapsed" if st.lapsed else "awaiting approval"
        elif needs_two and len(others) < 2:
            state = "needs a second approver"
        else:
            state = "approved"
        out.append(
            ProposalRow(
                proposal_id=pid,
                content_hash=p.content_hash,
                target=p.target,
                kind=p.kind,
                period=p.period,
                posting_date=p.posting_date.isoformat() if p.posting_date else None,
                description=p.description,
                amount=p.amount,
                currency=p.currency,
                lines=len(p.lines),
                balanced=not guards.balance_problems(p),
                preparer=st.preparer,
                approvers=tuple(st.approvers),
                rejected_by=tuple(st.rejected_by),
                lapsed=bool(st.lapsed),
                needs_two=needs_two,
                state=state,
                outbox_state=row.state if row else None,
                last_error=row.last_error if row else None,
            )
        )
    out.sort(key=lambda r: (-r.amount, r.proposal_id))
    return out


def frame(rows: list[ProposalRow]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "proposal_id": r.proposal_id,
                "state": r.state,
                "target": r.target,
                "kind": r.kind,
                "period": r.period,
                "posting_date": r.posting_date,
                "amount": r.amount,
                "currency": r.currency,
                "lines": r.lines,
                "balanced": r.balanced,
                "preparer": r.preparer,
                "approvers": ", ".join(r.approvers),
                "two approvers needed": r.needs_two,
                "version": r.content_hash[:12],
            }
            for r in rows
        ]
    )


def detail(reader: Reader, proposal_id: str, threshold: Decimal) -> dict[str, Any] | None:
    """Lines, balance problems, guard refusals, source documents, outbox row and audit history."""
    from writeback import approvals, guards
    from writeback import outbox as ob
    from writeback.warehouse import table_exists

    with reader.connect() as con:
        proposal = _all_proposals(reader, con).get(proposal_id)
        if proposal is None:
            return None
        recorded = approvals.decisions(con, proposal_id) if table_exists(con, "ops", "approvals") else []
        status = approvals.status_of(proposal, recorded)
        row = ob.get(con, proposal.key) if table_exists(con, "ops", "outbox") else None
        history = []
        if table_exists(con, "ops", "audit_log"):
            for obj in (f"proposal:{proposal_id}:%", f"outbox:{proposal_id}:%"):
                history += con.execute(
                    'select seq, "at", actor, action, object, payload from ops.audit_log where object like ? '
                    "order by seq",
                    [obj],
                ).fetchall()
        sources = None
        if table_exists(con, "journals", "proposal_sources"):
            sources = sql_df(
                con, "select * from journals.proposal_sources where proposal_id = ? limit 500", [proposal_id]
            )
    lines = pd.DataFrame(
        [
            {
                "account": ln.account,
                "debit": ln.debit,
                "credit": ln.credit,
                "currency": ln.currency,
                "description": ln.description,
                "party": ln.party,
                "document_number": ln.document_number,
            }
            for ln in proposal.lines
        ]
    )
    totals = {
        cur: {"debit": d, "credit": c, "difference": d - c} for cur, (d, c) in proposal.totals().items()
    }
    refusals = guards.check(status, threshold=threshold)
    refused = [h for h in history if h[3] == "refused" and h[4] == f"proposal:{proposal.key}"]
    last_refusal = None
    if refused:
        seq, at, actor, _, _, payload = max(refused)
        reasons = (
            json.loads(payload).get("reasons", []) if isinstance(payload, str) else payload.get("reasons", [])
        )
        last_refusal = {"at": at, "by": actor, "reasons": reasons}
    return {
        "last_refusal": last_refusal,
        "proposal": proposal,
        "status": status,
        "lines": lines,
        "totals": totals,
        "balance_problems": guards.balance_problems(proposal),
        "refusals": refusals,
        "outbox": row,
        "sources": sources,
        "decisions": pd.DataFrame(
            [
                {
                    "when": d.when,
                    "who": d.who,
                    "role": d.role,
                    "decision": d.decision,
                    "version": d.content_hash[:12],
                    "current version": d.content_hash == proposal.content_hash,
                    "comment": d.comment,
                }
                for d in recorded
            ]
        ),
        "history": pd.DataFrame(sorted(set(history)), columns=list(HISTORY_COLUMNS)),
    }


def outbox_frame(reader: Reader) -> pd.DataFrame:
    """The writeback outbox, dead letters first."""
    if "ops.outbox" not in reader.tables():
        return pd.DataFrame(
            columns=[
                "state",
                "target",
                "proposal_id",
                "version",
                "attempts",
                "target_ref",
                "last_error",
                "updated_at",
            ]
        )
    return reader.df(
        "select state, target, proposal_id, left(content_hash, 12) as version, attempts, target_ref, "
        "last_error, "
        "updated_at, next_attempt_at from ops.outbox "
        "order by case state when 'dead-letter' then 0 when 'failed' then 1 when 'sending' then 2 "
        "when 'pending' then 3 else 4 end, updated_at desc"
    )


def outbox_counts(reader: Reader) -> dict[str, int]:
    """Postings per outbox state (pending, sending, posted, failed, dead-letter)."""
    if "ops.outbox" not in reader.tables():
        return {}
    return {state: n for state, n in reader.rows("select state, count(*) from ops.outbox group by state")}

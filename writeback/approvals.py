"""Approve, reject and prepare proposals; exception notes and period sign-offs (``ops`` schema).

Used by the app (with the signed-in user) and by the ``tieout approve`` / ``tieout reject`` commands
(``--user`` / ``--role``). An approval binds to the proposal's current ``content_hash``: when a rebuild
changes the proposal, the approval lapses. Every decision is written to the audit log in the same
transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from writeback import audit
from writeback.proposals import Proposal, load_proposals
from writeback.warehouse import connect, transaction

ROLES = ("preparer", "approver", "admin")
APPROVING_ROLES = ("approver", "admin")
SYSTEM_PREPARER = "tieout"
"""Preparer of proposals the marts generated and no person prepared."""


class ApprovalError(ValueError):
    """A decision that cannot be recorded; the message says why and what to do."""


@dataclass(frozen=True)
class Decision:
    approval_id: str
    proposal_id: str
    content_hash: str
    decision: str
    who: str
    role: str
    when: datetime
    comment: str | None


@dataclass
class ApprovalStatus:
    """What the ``ops.approvals`` rows say about one version of a proposal."""

    proposal: Proposal
    preparer: str
    approvers: list[str] = field(default_factory=list)  # distinct, for the current content_hash
    rejected_by: list[str] = field(default_factory=list)
    lapsed: list[Decision] = field(default_factory=list)  # approvals of earlier versions

    @property
    def approved(self) -> bool:
        return bool(self.approvers) and not self.rejected_by


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _check_person(who: str, role: str) -> tuple[str, str]:
    who, role = (who or "").strip(), (role or "").strip().lower()
    if not who:
        raise ApprovalError("say who decides: a user name is required (--user in the CLI)")
    if role not in ROLES:
        raise ApprovalError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return who, role


def decisions(con: duckdb.DuckDBPyConnection, proposal_id: str | None = None) -> list[Decision]:
    sql = (
        'select approval_id, proposal_id, content_hash, decision, who, role, "when", comment '
        "from ops.approvals"
    )
    params: list[Any] = []
    if proposal_id is not None:
        sql += " where proposal_id = ?"
        params.append(proposal_id)
    rows = con.execute(sql + ' order by "when", approval_id', params).fetchall()
    return [Decision(*row) for row in rows]


def status_of(proposal: Proposal, recorded: list[Decision]) -> ApprovalStatus:
    """The approval status of ``proposal`` given the recorded decisions about its proposal_id."""
    current = [d for d in recorded if d.content_hash == proposal.content_hash]
    preparers = [d.who for d in current if d.decision == "prepared"]
    preparer = proposal.prepared_by or (preparers[-1] if preparers else SYSTEM_PREPARER)
    status = ApprovalStatus(proposal, preparer)
    for d in current:
        if d.decision == "approved" and d.who not in status.approvers:
            status.approvers.append(d.who)
        elif d.decision == "rejected" and d.who not in status.rejected_by:
            status.rejected_by.append(d.who)
    status.lapsed = [
        d for d in recorded if d.decision == "approved" and d.content_hash != proposal.content_hash
    ]
    return status


def statuses(con: duckdb.DuckDBPyConnection, proposals: dict[str, Proposal]) -> dict[str, ApprovalStatus]:
    by_id: dict[str, list[Decision]] = {}
    for d in decisions(con):
        by_id.setdefault(d.proposal_id, []).append(d)
    return {pid: status_of(p, by_id.get(pid, [])) for pid, p in proposals.items()}


def _current(proposals: dict[str, Proposal], proposal_id: str) -> Proposal:
    proposal = proposals.get(proposal_id)
    if proposal is None:
        raise ApprovalError(
            f"no proposal {proposal_id} in journals.proposals or recon.master_data_deltas; "
            "check the id, or run `tieout build` if the proposals are out of date"
        )
    return proposal


def _record(
    con: duckdb.DuckDBPyConnection,
    proposal: Proposal,
    decision: str,
    who: str,
    role: str,
    comment: str | None,
) -> Decision:
    record = Decision(
        str(uuid.uuid4()), proposal.proposal_id, proposal.content_hash, decision, who, role, _now(), comment
    )
    with transaction(con):
        con.execute(
            "insert into ops.approvals values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                record.approval_id,
                record.proposal_id,
                record.content_hash,
                decision,
                who,
                role,
                record.when,
                comment,
            ],
        )
        audit.append(
            con,
            who,
            decision if decision != "prepared" else "prepare",
            f"proposal:{proposal.key}",
            {
                "role": role,
                "comment": comment,
                "kind": proposal.kind,
                "target": proposal.target,
                "amount": proposal.amount,
                "approval_id": record.approval_id,
            },
        )
    return record


def prepare(
    proposal_id: str, *, who: str, role: str, comment: str | None = None, warehouse: Path | None = None
) -> Decision:
    """Record ``who`` as the preparer of the current version (who then may not approve it)."""
    who, role = _check_person(who, role)
    with connect(_warehouse(warehouse)) as con:
        proposal = _current(load_proposals(con), proposal_id)
        return _record(con, proposal, "prepared", who, role, comment)


def approve(
    proposal_id: str, *, who: str, role: str, comment: str | None = None, warehouse: Path | None = None
) -> Decision:
    """Approve the current version of ``proposal_id`` as ``who``."""
    who, role = _check_approver(who, role, "approve proposals")
    with connect(_warehouse(warehouse)) as con:
        return _approve(con, load_proposals(con), proposal_id, who, role, comment)


def approve_many(
    proposal_ids: list[str], *, who: str, role: str, comment: str | None = None, warehouse: Path | None = None
) -> list[Decision | ApprovalError]:
    """Approve several proposals over one connection; per id its Decision or the ApprovalError refusing it."""
    who, role = _check_approver(who, role, "approve proposals")
    out: list[Decision | ApprovalError] = []
    with connect(_warehouse(warehouse)) as con:
        proposals = load_proposals(con)
        for pid in proposal_ids:
            try:
                out.append(_approve(con, proposals, pid, who, role, comment))
            except ApprovalError as exc:
                out.append(exc)
    return out


def _check_approver(who: str, role: str, what: str) -> tuple[str, str]:
    who, role = _check_person(who, role)
    if role not in APPROVING_ROLES:
        raise ApprovalError(f"{who} has role {role}; only an approver or admin may {what}")
    return who, role


def _approve(
    con: duckdb.DuckDBPyConnection,
    proposals: dict[str, Proposal],
    proposal_id: str,
    who: str,
    role: str,
    comment: str | None,
) -> Decision:
    proposal = _current(proposals, proposal_id)
    recorded = decisions(con, proposal_id)
    status = status_of(proposal, recorded)
    if who == status.preparer:
        raise ApprovalError(
            f"{who} prepared proposal {proposal_id} and cannot approve it; a different approver must"
        )
    if status.rejected_by:
        raise ApprovalError(
            f"proposal {proposal_id} (version {proposal.content_hash[:12]}) was rejected by "
            f"{', '.join(status.rejected_by)}; it cannot be approved until the proposal changes"
        )
    if who in status.approvers:
        return next(
            d
            for d in recorded
            if d.who == who and d.decision == "approved" and d.content_hash == proposal.content_hash
        )
    return _record(con, proposal, "approved", who, role, comment)


def reject(
    proposal_id: str, *, who: str, role: str, comment: str | None = None, warehouse: Path | None = None
) -> Decision:
    """Reject the current version of ``proposal_id``; a pending posting of it is withdrawn."""
    who, role = _check_approver(who, role, "reject proposals")
    if not (comment or "").strip():
        raise ApprovalError("say why: a rejection needs a comment")
    with connect(_warehouse(warehouse)) as con:
        proposal = _current(load_proposals(con), proposal_id)
        row = con.execute("select state from ops.outbox where idempotency_key = ?", [proposal.key]).fetchone()
        if row and row[0] in ("sending", "posted"):
            raise ApprovalError(
                f"proposal {proposal_id} is already {row[0]} to {proposal.target}; it cannot be rejected now"
            )
        decision = _record(con, proposal, "rejected", who, role, comment)
        if row and row[0] in ("pending", "failed"):
            with transaction(con):
                con.execute(
                    "update ops.outbox set state = 'dead-letter', last_error = ?, updated_at = ? "
                    "where idempotency_key = ?",
                    [f"rejected by {who} before it was sent: {comment}", _now(), proposal.key],
                )
                audit.append(con, who, "withdraw", f"outbox:{proposal.key}", {"from_state": row[0]})
        return decision


def requeue(key: str, *, who: str, role: str, reason: str, warehouse: Path | None = None) -> None:
    """Send a dead-lettered posting again (after its cause was fixed in the target), if its approval still
    holds; the next writeback run first asks the target whether it is there already."""
    from writeback import outbox

    who, role = _check_approver(who, role, "send a dead letter again")
    if not (reason or "").strip():
        raise ApprovalError("say what was fixed: a reason is required")
    with connect(_warehouse(warehouse)) as con:
        row = outbox.get(con, key)
        if row is None:
            raise ApprovalError(f"no posting {key} in the outbox; `tieout outbox` lists them")
        status = status_of(row.item().proposal, decisions(con, row.proposal_id))
        if not status.approvers or status.rejected_by:
            raise ApprovalError(f"{key} is no longer approved; approve the current version instead")
        try:
            outbox.requeue(con, key, who, reason.strip())
        except ValueError as exc:
            raise ApprovalError(str(exc)) from None


def add_exception_note(
    exception_id: str, note: str, *, who: str, role: str, warehouse: Path | None = None
) -> str:
    """Attach a note to an exception of ``recon.exceptions``; returns the note id."""
    who, role = _check_person(who, role)
    if not note.strip():
        raise ApprovalError("a note needs some text")
    note_id = str(uuid.uuid4())
    with connect(_warehouse(warehouse)) as con, transaction(con):
        con.execute(
            "insert into ops.exception_notes values (?, ?, ?, ?, ?, ?)",
            [note_id, exception_id, note, who, role, _now()],
        )
        audit.append(con, who, "note", f"exception:{exception_id}", {"note_id": note_id, "note": note})
    return note_id


def sign_off_period(
    period: str, *, who: str, role: str, comment: str | None = None, warehouse: Path | None = None
) -> str:
    """Sign off a period: see :func:`writeback.review.sign_off`."""
    from writeback.review import sign_off

    return sign_off(period, who=who, role=role, comment=comment, warehouse=warehouse)


def _warehouse(warehouse: Path | None) -> Path:
    from tieout.settings import warehouse_path

    return Path(warehouse) if warehouse is not None else warehouse_path()

"""Review decisions the app records beside approvals: reconciling items, accepted or rejected payment
matches, confirmed account mappings, and period sign-off with its explained-exceptions rule and reopening.

Like :mod:`writeback.approvals`, every function takes ``who`` / ``role``, opens a short connection, writes
its ``ops`` row and the audit-log entry in one transaction, and raises :class:`ApprovalError` with a
sentence saying what is wrong and what to do. The ``ops`` tables here are event logs (never updated): the
current state is the latest event per key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from writeback import approvals, audit
from writeback.approvals import ApprovalError, _check_person, _now, _warehouse
from writeback.warehouse import connect, table_exists, transaction

REVIEW_DDL = """
create table if not exists ops.reconciling_items (
    event_id varchar primary key,
    exception_id varchar not null,
    period varchar,                      -- the period it was first explained in
    action varchar not null,             -- mark | clear
    explanation varchar not null,
    carry_forward boolean not null,
    who varchar not null,
    role varchar not null,
    "when" timestamp not null
);
create table if not exists ops.period_reopenings (
    reopen_id varchar primary key,
    period varchar not null,
    who varchar not null,
    role varchar not null,
    "when" timestamp not null,
    reason varchar not null
);
create table if not exists ops.match_decisions (
    decision_id varchar primary key,
    payment_system varchar not null,
    payment_ref varchar not null,
    open_item_system varchar,
    document_number varchar,
    allocated_amount decimal(18, 2),
    decision varchar not null,           -- accepted | rejected
    who varchar not null,
    role varchar not null,
    "when" timestamp not null,
    comment varchar
);
create table if not exists ops.mapping_decisions (
    decision_id varchar primary key,
    system varchar not null,
    source_account_code varchar not null,
    sage100_account varchar not null,
    suggested_account varchar,
    decision varchar not null,           -- accepted | corrected
    who varchar not null,
    role varchar not null,
    "when" timestamp not null,
    note varchar
);
"""

MATCH_DECISIONS = ("accepted", "rejected")


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the review tables of ``ops`` if they are missing (idempotent)."""
    con.execute(REVIEW_DDL)


@dataclass(frozen=True)
class PeriodState:
    """Whether a period is signed off now, by whom, and its sign-off / reopen history."""

    period: str
    signed: bool
    signed_by: str | None
    signed_at: datetime | None
    reopened_by: str | None
    reopened_at: datetime | None


def period_state(con: duckdb.DuckDBPyConnection, period: str) -> PeriodState:
    """The sign-off state of ``period``: signed when its latest sign-off is after its latest reopening."""
    signed = None
    if table_exists(con, "ops", "period_signoffs"):
        signed = con.execute(
            'select who, "when" from ops.period_signoffs where period = ? order by "when" desc limit 1',
            [period],
        ).fetchone()
    reopened = None
    if table_exists(con, "ops", "period_reopenings"):
        reopened = con.execute(
            'select who, "when" from ops.period_reopenings where period = ? order by "when" desc limit 1',
            [period],
        ).fetchone()
    is_signed = bool(signed) and (not reopened or signed[1] > reopened[1])
    return PeriodState(
        period,
        is_signed,
        signed[0] if signed else None,
        signed[1] if signed else None,
        reopened[0] if reopened else None,
        reopened[1] if reopened else None,
    )


def unexplained_exceptions(con: duckdb.DuckDBPyConnection, period: str) -> list[str]:
    """Ids of ``recon.exceptions`` of ``period`` with neither a note nor an open reconciling item."""
    if not table_exists(con, "recon", "exceptions"):
        return []
    has_notes = table_exists(con, "ops", "exception_notes")
    has_items = table_exists(con, "ops", "reconciling_items")
    sql = "select e.exception_id from recon.exceptions e where e.period = ?"
    if has_notes:
        sql += " and not exists (select 1 from ops.exception_notes n where n.exception_id = e.exception_id)"
    if has_items:
        sql += f" and e.exception_id not in ({_OPEN_ITEMS_SQL})"
    rows = con.execute(sql + " order by e.exception_id", [period]).fetchall()
    return [r[0] for r in rows]


_OPEN_ITEMS_SQL = (
    "select exception_id from ops.reconciling_items "
    'qualify row_number() over (partition by exception_id order by "when" desc, event_id desc) = 1 '
    "and action = 'mark'"
)


def mark_reconciling_item(
    exception_id: str,
    explanation: str,
    *,
    who: str,
    role: str,
    period: str | None = None,
    carry_forward: bool = True,
    warehouse: Path | None = None,
) -> str:
    """Mark an exception as a reconciling item (explained; carried forward to later periods until it
    clears or is cleared); returns the event id."""
    who, role = _check_person(who, role)
    if not (explanation or "").strip():
        raise ApprovalError("say why it is a reconciling item: an explanation is required")
    return _item_event(exception_id, "mark", explanation.strip(), who, role, period, carry_forward, warehouse)


def clear_reconciling_item(
    exception_id: str, reason: str, *, who: str, role: str, warehouse: Path | None = None
) -> str:
    """Stop treating an exception as a reconciling item; returns the event id."""
    who, role = _check_person(who, role)
    if not (reason or "").strip():
        raise ApprovalError("say why the reconciling item is cleared: a reason is required")
    return _item_event(exception_id, "clear", reason.strip(), who, role, None, False, warehouse)


def _item_event(
    exception_id: str,
    action: str,
    text: str,
    who: str,
    role: str,
    period: str | None,
    carry_forward: bool,
    warehouse: Path | None,
) -> str:
    if not (exception_id or "").strip():
        raise ApprovalError("which exception? an exception_id is required")
    event_id = str(uuid.uuid4())
    with connect(_warehouse(warehouse)) as con:
        ensure_tables(con)
        with transaction(con):
            con.execute(
                "insert into ops.reconciling_items values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [event_id, exception_id, period, action, text, carry_forward, who, role, _now()],
            )
            audit.append(
                con,
                who,
                "reconciling_item" if action == "mark" else "reconciling_item_cleared",
                f"exception:{exception_id}",
                {
                    "event_id": event_id,
                    "role": role,
                    "text": text,
                    "period": period,
                    "carry_forward": carry_forward,
                },
            )
    return event_id


def sign_off(
    period: str, *, who: str, role: str, comment: str | None = None, warehouse: Path | None = None
) -> str:
    """Sign off ``period`` once every exception of it is explained (note or reconciling item); refused
    when it is signed off already. Returns the sign-off id (see :func:`approvals.sign_off_period`)."""
    who, role = _check_person(who, role)
    path = _warehouse(warehouse)
    with connect(path) as con:
        ensure_tables(con)
        state = period_state(con, period)
        missing = unexplained_exceptions(con, period)
    if state.signed:
        raise ApprovalError(
            f"{period} is already signed off (by {state.signed_by}); an admin must reopen it first"
        )
    if missing:
        raise ApprovalError(
            f"{period} has {len(missing)} exception(s) without an explanation (e.g. {missing[0]}): add a "
            "note or mark each as a reconciling item, then sign off"
        )
    return approvals.sign_off_period(period, who=who, role=role, comment=comment, warehouse=path)


def reopen_period(period: str, reason: str, *, who: str, role: str, warehouse: Path | None = None) -> str:
    """Reopen a signed-off period (admins only, with a reason); returns the reopening id."""
    who, role = _check_person(who, role)
    if role != "admin":
        raise ApprovalError(f"{who} has role {role}; only an admin may reopen a signed-off period")
    if not (reason or "").strip():
        raise ApprovalError("say why the period is reopened: a reason is required")
    reopen_id = str(uuid.uuid4())
    with connect(_warehouse(warehouse)) as con:
        ensure_tables(con)
        if not period_state(con, period).signed:
            raise ApprovalError(f"{period} is not signed off, so there is nothing to reopen")
        with transaction(con):
            con.execute(
                "insert into ops.period_reopenings values (?, ?, ?, ?, ?, ?)",
                [reopen_id, period, who, role, _now(), reason.strip()],
            )
            audit.append(
                con,
                who,
                "reopen",
                f"period:{period}",
                {"reopen_id": reopen_id, "role": role, "reason": reason.strip()},
            )
    return reopen_id


def decide_match(
    *,
    payment_system: str,
    payment_ref: str,
    open_item_system: str | None,
    document_number: str | None,
    allocated_amount: Decimal | None,
    decision: str,
    who: str,
    role: str,
    comment: str | None = None,
    warehouse: Path | None = None,
) -> str:
    """Accept or reject a suggested payment allocation of ``recon.payment_matches``; returns the id."""
    who, role = _check_person(who, role)
    if decision not in MATCH_DECISIONS:
        raise ApprovalError(f"decision must be accepted or rejected, not {decision!r}")
    if not payment_system or not payment_ref:
        raise ApprovalError("which payment? payment_system and payment_ref are required")
    decision_id = str(uuid.uuid4())
    with connect(_warehouse(warehouse)) as con:
        ensure_tables(con)
        with transaction(con):
            con.execute(
                "insert into ops.match_decisions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    decision_id,
                    payment_system,
                    payment_ref,
                    open_item_system,
                    document_number,
                    allocated_amount,
                    decision,
                    who,
                    role,
                    _now(),
                    comment,
                ],
            )
            audit.append(
                con,
                who,
                f"match_{decision}",
                f"payment:{payment_system}:{payment_ref}",
                {
                    "decision_id": decision_id,
                    "role": role,
                    "open_item_system": open_item_system,
                    "document_number": document_number,
                    "allocated_amount": allocated_amount,
                    "comment": comment,
                },
            )
    return decision_id


def record_mapping(
    *,
    system: str,
    source_account_code: str,
    sage100_account: str,
    suggested_account: str | None,
    who: str,
    role: str,
    note: str | None = None,
    warehouse: Path | None = None,
) -> str:
    """Confirm the Sage 100 account a ledger account maps to (the suggestion or a correction)."""
    who, role = _check_person(who, role)
    if not system or not source_account_code:
        raise ApprovalError("which account? system and source_account_code are required")
    if not (sage100_account or "").strip():
        raise ApprovalError("choose the Sage 100 account it maps to")
    decision = "accepted" if sage100_account == suggested_account else "corrected"
    decision_id = str(uuid.uuid4())
    with connect(_warehouse(warehouse)) as con:
        ensure_tables(con)
        with transaction(con):
            con.execute(
                "insert into ops.mapping_decisions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    decision_id,
                    system,
                    source_account_code,
                    sage100_account.strip(),
                    suggested_account,
                    decision,
                    who,
                    role,
                    _now(),
                    note,
                ],
            )
            audit.append(
                con,
                who,
                f"mapping_{decision}",
                f"account:{system}:{source_account_code}",
                {
                    "decision_id": decision_id,
                    "role": role,
                    "sage100_account": sage100_account.strip(),
                    "suggested_account": suggested_account,
                    "note": note,
                },
            )
    return decision_id

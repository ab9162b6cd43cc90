"""Review decisions the app records besides approvals: reconciling items, payment-match and account-mapping
decisions, period sign-offs and reopenings. Each is a row in its ``ops`` table plus an audit-log entry,
written in one short transaction; who and role come from the caller (the app's signed-in user).

A period can be signed off once every exception of it in ``recon.exceptions`` is explained (has a note
or is a reconciling item); the sign-off records the audit log's head hash, so cutting entries off the end
of the log later is noticed. A signed-off period must be reopened, with a reason, before it is signed off
again.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from writeback import audit
from writeback.approvals import APPROVING_ROLES, ApprovalError, _check_person, _warehouse
from writeback.warehouse import connect, table_exists, transaction

MATCH_DECISIONS = {"accept": "accepted", "accepted": "accepted", "reject": "rejected", "rejected": "rejected"}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _period(period: str) -> str:
    try:
        datetime.strptime(period, "%Y-%m")
    except (TypeError, ValueError):
        raise ApprovalError(f"period must look like 2026-01, not {period!r}") from None
    return period


def _approver(who: str, role: str, what: str) -> tuple[str, str]:
    who, role = _check_person(who, role)
    if role not in APPROVING_ROLES:
        raise ApprovalError(f"{who} has role {role}; only an approver or admin may {what}")
    return who, role


# -- reconciling items ---------------------------------------------------------------


def mark_reconciling_item(
    exception_id: str,
    explanation: str,
    *,
    who: str,
    role: str,
    period: str | None = None,
    warehouse: Path | None = None,
) -> str:
    """Mark an exception as a reconciling item (explained, carried forward until it clears)."""
    who, role = _check_person(who, role)
    if not (explanation or "").strip():
        raise ApprovalError("say why it is a reconciling item: an explanation is required")
    if period is not None:
        _period(period)
    event_id = str(uuid.uuid4())
    with connect(_warehouse(warehouse)) as con, transaction(con):
        con.execute(
            "insert into ops.reconciling_items values (?, ?, 'mark', ?, ?, ?, ?, ?)",
            [event_id, exception_id, explanation.strip(), period, who, role, _now()],
        )
        audit.append(
            con,
            who,
            "mark_reconciling_item",
            f"exception:{exception_id}",
            {"event_id": event_id, "explanation": explanation.strip(), "period": period},
        )
    return event_id


def clear_reconciling_item(
    exception_id: str, reason: str, *, who: str, role: str, warehouse: Path | None = None
) -> str:
    """Clear a reconciling item (it no longer counts as explained)."""
    who, role = _check_person(who, role)
    if not (reason or "").strip():
        raise ApprovalError("say why the reconciling item is cleared: a reason is required")
    event_id = str(uuid.uuid4())
    with connect(_warehouse(warehouse)) as con:
        last = con.execute(
            "select action from ops.reconciling_items where exception_id = ? "
            'order by "when" desc, event_id desc limit 1',
            [exception_id],
        ).fetchone()
        if not last or last[0] != "mark":
            raise ApprovalError(f"exception {exception_id} is not marked as a reconciling item")
        with transaction(con):
            con.execute(
                "insert into ops.reconciling_items values (?, ?, 'clear', ?, null, ?, ?, ?)",
                [event_id, exception_id, reason.strip(), who, role, _now()],
            )
            audit.append(
                con,
                who,
                "clear_reconciling_item",
                f"exception:{exception_id}",
                {"event_id": event_id, "reason": reason.strip()},
            )
    return event_id


# -- payment matches and account mappings ---------------------------------------------------------------


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
    """Accept or reject a suggested allocation of ``recon.payment_matches``."""
    who, role = _check_person(who, role)
    normalized = MATCH_DECISIONS.get((decision or "").strip().lower())
    if normalized is None:
        raise ApprovalError(f"a match decision is accepted or rejected, not {decision!r}")
    if normalized == "rejected" and not (comment or "").strip():
        raise ApprovalError("say why the match is rejected: a comment is required")
    decision_id = str(uuid.uuid4())
    with connect(_warehouse(warehouse)) as con, transaction(con):
        con.execute(
            "insert into ops.match_decisions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                decision_id,
                payment_system,
                payment_ref,
                open_item_system,
                document_number,
                allocated_amount,
                normalized,
                who,
                role,
                _now(),
                comment,
            ],
        )
        audit.append(
            con,
            who,
            f"match_{normalized}",
            f"match:{payment_system}:{payment_ref}:{document_number}",
            {
                "decision_id": decision_id,
                "open_item_system": open_item_system,
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
    suggested_account: str | None = None,
    who: str,
    role: str,
    note: str | None = None,
    warehouse: Path | None = None,
) -> str:
    """Record a confirmed account mapping (source account -> Sage 100 account)."""
    who, role = _check_person(who, role)
    if not (sage100_account or "").strip():
        raise ApprovalError("name the Sage 100 account the source account maps to")
    decision_id = str(uuid.uuid4())
    with connect(_warehouse(warehouse)) as con, transaction(con):
        con.execute(
            "insert into ops.mapping_decisions values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                decision_id,
                system,
                source_account_code,
                sage100_account.strip(),
                suggested_account,
                who,
                role,
                _now(),
                note,
            ],
        )
        audit.append(
            con,
            who,
            "map_account",
            f"account:{system}:{source_account_code}",
            {
                "decision_id": decision_id,
                "sage100_account": sage100_account.strip(),
                "suggested_account": suggested_account,
                "note": note,
            },
        )
    return decision_id


# -- periods ---------------------------------------------------------------


def period_state(con: duckdb.DuckDBPyConnection, period: str) -> dict[str, Any]:
    """``{"period", "signed_off", "who", "when", "comment", "audit_head_hash", "reopened_by",
    "reopened_when", "reopen_reason"}`` for ``period`` (signed_off False if never signed off or reopened
    since)."""
    state: dict[str, Any] = {
        "period": period,
        "signed_off": False,
        "who": None,
        "when": None,
        "comment": None,
        "audit_head_hash": None,
        "reopened_by": None,
        "reopened_when": None,
        "reopen_reason": None,
    }
    if not table_exists(con, "ops", "period_signoffs"):
        return state
    signed = con.execute(
        'select who, "when", comment, audit_head_hash from ops.period_signoffs where period = ? '
        'order by "when" desc, signoff_id desc limit 1',
        [period],
    ).fetchone()
    reopened = None
    if table_exists(con, "ops", "period_reopenings"):
        reopened = con.execute(
            'select who, "when", reason from ops.period_reopenings where period = ? '
            'order by "when" desc, reopening_id desc limit 1',
            [period],
        ).fetchone()
    if reopened:
        state.update(reopened_by=reopened[0], reopened_when=reopened[1], reopen_reason=reopened[2])
    if signed:
        state.update(who=signed[0], when=signed[1], comment=signed[2], audit_head_hash=signed[3])
        state["signed_off"] = reopened is None or reopened[1] < signed[1]
    return state


def unexplained_exceptions(con: duckdb.DuckDBPyConnection, period: str) -> int:
    """Exceptions of ``period`` with neither a note nor a standing reconciling-item mark."""
    if not table_exists(con, "recon", "exceptions"):
        return 0
    row = con.execute(
        """
        select count(*) from recon.exceptions e
        where e.period = ?
          and not exists (select 1 from ops.exception_notes n where n.exception_id = e.exception_id)
          and coalesce((select r.action = 'mark' from ops.reconciling_items r
                        where r.exception_id = e.exception_id
                        order by r."when" desc, r.event_id desc limit 1), false) = false
        """,
        [period],
    ).fetchone()
    return int(row[0]) if row else 0


def sign_off(
    period: str, *, who: str, role: str, comment: str | None = None, warehouse: Path | None = None
) -> str:
    """Sign off ``period`` (``YYYY-MM``) when every exception of it is explained; returns the sign-off id."""
    who, role = _approver(who, role, "sign off a period")
    _period(period)
    signoff_id = str(uuid.uuid4())
    with connect(_warehouse(warehouse)) as con:
        if period_state(con, period)["signed_off"]:
            raise ApprovalError(
                f"{period} is already signed off; reopen it (with a reason) to sign it off again"
            )
        open_count = unexplained_exceptions(con, period)
        if open_count:
            raise ApprovalError(
                f"{period} has {open_count} unexplained exception(s): add a note or mark them as reconciling "
                "items before signing off"
            )
        with transaction(con):
            _, head_hash = audit.head(con)
            con.execute(
                "insert into ops.period_signoffs values (?, ?, ?, ?, ?, ?, ?)",
                [signoff_id, period, who, role, _now(), comment, head_hash],
            )
            audit.append(
                con,
                who,
                "sign_off",
                f"period:{period}",
                {"signoff_id": signoff_id, "comment": comment, "audit_head_hash": head_hash},
            )
    return signoff_id


def reopen_period(period: str, reason: str, *, who: str, role: str, warehouse: Path | None = None) -> str:
    """Reopen a signed-off period; the reason is required and audited."""
    who, role = _approver(who, role, "reopen a period")
    if role != "admin":  # DESIGN/app: a signed-off period needs an admin to reopen it
        raise ApprovalError(f"{who} has role {role}; only an admin may reopen a signed-off period")
    _period(period)
    if not (reason or "").strip():
        raise ApprovalError("say why the period is reopened: a reason is required")
    reopening_id = str(uuid.uuid4())
    with connect(_warehouse(warehouse)) as con:
        if not period_state(con, period)["signed_off"]:
            raise ApprovalError(f"{period} is not signed off, so there is nothing to reopen")
        with transaction(con):
            con.execute(
                "insert into ops.period_reopenings values (?, ?, ?, ?, ?, ?)",
                [reopening_id, period, who, role, _now(), reason.strip()],
            )
            audit.append(
                con,
                who,
                "reopen",
                f"period:{period}",
                {"reopening_id": reopening_id, "reason": reason.strip()},
            )
    return reopening_id

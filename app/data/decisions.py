"""Every decision the app records, through writeback's Python API and nothing else.

Each function takes the signed-in :class:`~app.auth.User` and returns an :class:`Outcome` (ok and a
sentence) instead of raising, so pages can show refusals as they are: writeback's guards word them.
The app's own reads pause while a decision writes (see :class:`app.data.warehouse.AccessLock`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.data.warehouse import ACCESS, end_session, in_session


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str


def _run(action: Callable[[], Any], done: Callable[[Any], str]) -> Outcome:
    from writeback.approvals import ApprovalError
    from writeback.proposals import ProposalError
    from writeback.runner import WritebackBusy
    from writeback.settings import SettingsError
    from writeback.warehouse import WarehouseBusy

    end_session()  # a page's lazy read session ends before the write (the page reruns after it)
    if in_session():
        raise RuntimeError("a decision was taken inside a read session; it would wait for itself")
    try:
        with ACCESS.writing():
            result = action()
    except (
        ApprovalError,
        ProposalError,
        WarehouseBusy,
        WritebackBusy,
        SettingsError,
        FileNotFoundError,
        ValueError,
    ) as exc:
        return Outcome(False, str(exc))
    return Outcome(True, done(result))


def approve(warehouse: Path, proposal_id: str, user: Any, comment: str | None) -> Outcome:
    from writeback import approvals

    return _run(
        lambda: approvals.approve(
            proposal_id, who=user.username, role=user.role, comment=comment or None, warehouse=warehouse
        ),
        lambda d: f"approved {proposal_id} (version {d.content_hash[:12]}) as {d.who}",
    )


def reject(warehouse: Path, proposal_id: str, user: Any, comment: str) -> Outcome:
    from writeback import approvals

    return _run(
        lambda: approvals.reject(
            proposal_id, who=user.username, role=user.role, comment=comment, warehouse=warehouse
        ),
        lambda d: f"rejected {proposal_id} (version {d.content_hash[:12]}) as {d.who}",
    )


def prepare(warehouse: Path, proposal_id: str, user: Any, comment: str | None) -> Outcome:
    from writeback import approvals

    return _run(
        lambda: approvals.prepare(
            proposal_id, who=user.username, role=user.role, comment=comment or None, warehouse=warehouse
        ),
        lambda d: (
            f"{d.who} prepared {proposal_id} (version {d.content_hash[:12]}); another person approves it"
        ),
    )


def add_note(warehouse: Path, exception_id: str, note: str, user: Any) -> Outcome:
    from writeback import approvals

    return _run(
        lambda: approvals.add_exception_note(
            exception_id, note, who=user.username, role=user.role, warehouse=warehouse
        ),
        lambda _: f"note added by {user.username}",
    )


def mark_reconciling_item(
    warehouse: Path, exception_id: str, explanation: str, period: str | None, user: Any
) -> Outcome:
    from writeback import review

    return _run(
        lambda: review.mark_reconciling_item(
            exception_id, explanation, who=user.username, role=user.role, period=period, warehouse=warehouse
        ),
        lambda _: f"marked as a reconciling item by {user.username}; it carries forward until it clears",
    )


def clear_reconciling_item(warehouse: Path, exception_id: str, reason: str, user: Any) -> Outcome:
    from writeback import review

    return _run(
        lambda: review.clear_reconciling_item(
            exception_id, reason, who=user.username, role=user.role, warehouse=warehouse
        ),
        lambda _: f"reconciling item cleared by {user.username}",
    )


def decide_match(
    warehouse: Path, match: dict[str, Any], decision: str, user: Any, comment: str | None = None
) -> Outcome:
    from writeback import review

    amount = match.get("allocated_amount")
    return _run(
        lambda: review.decide_match(
            payment_system=str(match.get("payment_system")),
            payment_ref=str(match.get("payment_ref")),
            open_item_system=match.get("open_item_system"),
            document_number=match.get("document_number"),
            allocated_amount=Decimal(str(amount)) if amount is not None else None,
            decision=decision,
            who=user.username,
            role=user.role,
            comment=comment,
            warehouse=warehouse,
        ),
        lambda _: (
            f"{decision} {match.get('payment_ref')} -> {match.get('document_number')} by {user.username}"
        ),
    )


def record_mapping(
    warehouse: Path,
    seed: Path | None,
    system: str,
    source_account_code: str,
    sage100_account: str,
    suggested: str | None,
    user: Any,
    note: str | None,
) -> Outcome:
    """Record the confirmed mapping (audited) and write it to the ``account_map`` seed (``seed``), which
    the next build reads: a confirmed row there always wins over a suggestion."""
    from app.data.mappings import write_seed_row
    from writeback import review

    def action() -> None:
        review.record_mapping(
            system=system,
            source_account_code=source_account_code,
            sage100_account=sage100_account,
            suggested_account=suggested,
            who=user.username,
            role=user.role,
            note=note,
            warehouse=warehouse,
        )
        if seed is not None:
            write_seed_row(seed, system, source_account_code, sage100_account.strip(), user.username, note)

    return _run(
        action,
        lambda _: (
            f"{system} {source_account_code} -> {sage100_account} confirmed by {user.username}; "
            "the next refresh applies it"
        ),
    )


def sign_off(warehouse: Path, period: str, user: Any, comment: str | None) -> Outcome:
    from writeback import review

    return _run(
        lambda: review.sign_off(
            period, who=user.username, role=user.role, comment=comment or None, warehouse=warehouse
        ),
        lambda _: f"{period} signed off by {user.username}",
    )


def reopen(warehouse: Path, period: str, reason: str, user: Any) -> Outcome:
    from writeback import review

    return _run(
        lambda: review.reopen_period(period, reason, who=user.username, role=user.role, warehouse=warehouse),
        lambda _: f"{period} reopened by {user.username}",
    )

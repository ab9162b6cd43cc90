"""Bodies of ``tieout approve``, ``reject``, ``writeback``, ``outbox`` and ``audit verify``
(the commands themselves are declared in :mod:`tieout.cli`)."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path

Echo = Callable[[str], None]
EXIT_USAGE = 2


def default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "writeback"


def decide(
    decision: str,
    proposal_ids: list[str],
    user: str,
    role: str,
    comment: str | None,
    echo: Echo,
    warehouse: Path | None = None,
) -> int:
    """Approve/reject/prepare each proposal; returns the exit code (2 if any decision was refused)."""
    from writeback import approvals
    from writeback.proposals import ProposalError
    from writeback.warehouse import WarehouseBusy

    action = {"approve": approvals.approve, "reject": approvals.reject, "prepare": approvals.prepare}[
        decision
    ]
    code = 0
    for pid in proposal_ids:
        try:
            record = action(pid, who=user, role=role, comment=comment, warehouse=warehouse)
        except (approvals.ApprovalError, ProposalError, WarehouseBusy, FileNotFoundError) as exc:
            echo(f"error: {pid}: {exc}")
            code = EXIT_USAGE
            continue
        echo(f"{record.decision} {pid} (version {record.content_hash[:12]}) by {record.who} as {record.role}")
    return code


def writeback(target: str | None, dry_run: bool, user: str, echo: Echo, warehouse: Path | None = None) -> int:
    from writeback.proposals import ProposalError
    from writeback.runner import WritebackBusy, run_writeback
    from writeback.settings import SettingsError
    from writeback.warehouse import WarehouseBusy

    try:
        report = run_writeback(target=target, dry_run=dry_run, actor=user, warehouse=warehouse, echo=echo)
    except (WritebackBusy, WarehouseBusy, SettingsError, ProposalError, ValueError) as exc:
        echo(f"error: {exc}")
        return EXIT_USAGE
    return report.exit_code


def show_outbox(state: str | None, echo: Echo, warehouse: Path | None = None) -> int:
    from tieout.settings import warehouse_path
    from writeback import outbox
    from writeback.warehouse import connect

    if state is not None and state not in outbox.STATES:
        echo(f"error: --state must be one of {', '.join(outbox.STATES)}")
        return EXIT_USAGE
    with connect(warehouse or warehouse_path()) as con:
        rows = outbox.rows(con, states=(state,) if state else None)
    if not rows:
        echo("The outbox is empty." if state is None else f"No postings in state {state}.")
    for row in rows:
        detail = row.target_ref if row.state == "posted" else (row.last_error or "")
        echo(
            f"{row.state:<12} {row.target:<8} {row.proposal_id}:{row.content_hash[:12]} "
            f"attempts={row.attempts} {detail}"
        )
    return 0


def audit_verify(echo: Echo, warehouse: Path | None = None) -> int:
    from tieout.settings import warehouse_path
    from writeback import audit
    from writeback.warehouse import connect

    with connect(warehouse or warehouse_path()) as con:
        result = audit.verify(con)
    echo(result.render())
    return 0 if result.ok else 1

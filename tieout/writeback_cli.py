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

    outcomes: list[approvals.Decision | Exception]
    try:
        if decision == "approve":
            outcomes = list(
                approvals.approve_many(
                    proposal_ids, who=user, role=role, comment=comment, warehouse=warehouse
                )
            )
        else:
            action = approvals.reject if decision == "reject" else approvals.prepare
            outcomes = []
            for pid in proposal_ids:
                try:
                    outcomes.append(action(pid, who=user, role=role, comment=comment, warehouse=warehouse))
                except approvals.ApprovalError as exc:
                    outcomes.append(exc)
    except (approvals.ApprovalError, ProposalError, WarehouseBusy, FileNotFoundError) as exc:
        echo(f"error: {exc}")
        return EXIT_USAGE
    code = 0
    for pid, outcome in zip(proposal_ids, outcomes, strict=True):
        if isinstance(outcome, Exception):
            echo(f"error: {pid}: {outcome}")
            code = EXIT_USAGE
        else:
            version = outcome.content_hash[:12]
            echo(f"{outcome.decision} {pid} (version {version}) by {outcome.who} as {outcome.role}")
    return code


def writeback(target: str | None, dry_run: bool, user: str, echo: Echo, warehouse: Path | None = None) -> int:
    from writeback.proposals import ProposalError
    from writeback.runner import WritebackBusy, run_writeback
    from writeback.settings import SettingsError
    from writeback.warehouse import WarehouseBusy

    try:
        report = run_writeback(target=target, dry_run=dry_run, actor=user, warehouse=warehouse, echo=echo)
    except (WritebackBusy, WarehouseBusy, SettingsError, ProposalError, ValueError, FileNotFoundError) as exc:
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
    path = _existing(warehouse or warehouse_path(), echo)
    if path is None:
        return EXIT_USAGE
    with connect(path) as con:
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


def requeue(key: str, user: str, role: str, reason: str, echo: Echo, warehouse: Path | None = None) -> int:
    """Send a dead letter again; ``key`` is its idempotency key or a unique prefix (as ``outbox`` shows)."""
    from tieout.settings import warehouse_path
    from writeback import approvals, outbox
    from writeback.warehouse import connect

    path = _existing(warehouse or warehouse_path(), echo)
    if path is None:
        return EXIT_USAGE
    with connect(path) as con:
        found = [r.key for r in outbox.rows(con, states=("dead-letter",)) if r.key.startswith(key)]
    if len(found) != 1:
        echo(f"error: {len(found)} dead letters match {key!r}; give more of the key (`tieout outbox`)")
        return EXIT_USAGE
    try:
        approvals.requeue(found[0], who=user, role=role, reason=reason, warehouse=path)
    except approvals.ApprovalError as exc:
        echo(f"error: {exc}")
        return EXIT_USAGE
    echo(f"requeued {found[0]}: the next `tieout writeback` checks the target, then sends it")
    return 0


def audit_verify(echo: Echo, warehouse: Path | None = None) -> int:
    from tieout.settings import warehouse_path
    from writeback import audit
    from writeback.warehouse import connect

    path = _existing(warehouse or warehouse_path(), echo)
    if path is None:
        return EXIT_USAGE
    with connect(path) as con:
        result = audit.verify(con)
    echo(result.render())
    return 0 if result.ok else 1


def _existing(path: Path, echo: Echo) -> Path | None:
    if not path.exists():
        echo(f"error: no warehouse at {path}: run `tieout run` first (or point TIEOUT_WAREHOUSE at it)")
        return None
    return path

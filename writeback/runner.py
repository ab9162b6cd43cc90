"""``tieout writeback``: check approved proposals, queue them in the outbox and post them exactly once.

A run (one at a time per warehouse, held by a lock file beside it):

1. reads the current proposals, their approvals and the outbox (short read, connection closed);
2. runs the guards (:mod:`writeback.guards`) on every approved proposal not yet in the outbox; refusals
   are reported and written to the audit log, the rest are queued as ``pending``;
3. per target, settles postings a crash or an error left in ``sending`` / ``failed`` by asking the target
   whether their idempotency key is already posted, then sends the rest in batches:
   ``sending`` is committed before the call, the answer right after it. Transient failures become
   ``failed`` and are retried by later runs with exponential backoff (``dead-letter`` after
   ``writeback.max_attempts``); a refusal by the target goes straight to ``dead-letter`` with its message.
   Failures and dead letters raise an alert.

``--dry-run`` does steps 1-2 without writing anything and prints exactly what would be sent.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from writeback import audit, crash, guards
from writeback import outbox as ob
from writeback.alerts import raise_alert
from writeback.approvals import statuses
from writeback.proposals import TARGETS, Proposal, load_proposals
from writeback.settings import WritebackSettings
from writeback.targets.base import (
    OutboxItem,
    PostResult,
    Target,
    TargetError,
    TargetStopped,
    TransientTargetError,
)
from writeback.warehouse import connect, transaction

Echo = Callable[[str], None]
MAX_RETRY_DELAY = timedelta(days=1)


class WritebackBusy(RuntimeError):
    """Another writeback run holds the lock of this warehouse."""


@dataclass
class WritebackReport:
    """What one run did (or, dry, would do)."""

    dry_run: bool
    posted: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    dead_letter: list[str] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=dict)
    awaiting: list[str] = field(default_factory=list)
    would_post: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if (self.failed or self.dead_letter or self.refused or self.problems) else 0


def _short(key: str) -> str:
    pid, _, digest = key.rpartition(":")
    return f"{pid}:{digest[:12]}" if pid else key


@contextmanager
def run_lock(warehouse: Path) -> Iterator[None]:
    """Hold ``<warehouse>.writeback.lock`` for the run (released by the OS even if the process is killed)."""
    path = Path(f"{warehouse}.writeback.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held for the whole block
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise WritebackBusy(
                f"another writeback is running on this warehouse (pid {holder}); wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


class _Targets:
    """Targets built on first use (from configuration unless given), closed at the end of the run."""

    def __init__(self, settings: WritebackSettings, given: dict[str, Target] | None) -> None:
        self.settings = settings
        self.given = dict(given or {})
        self.built: dict[str, Target] = {}
        self.errors: dict[str, str] = {}

    def get(self, name: str) -> Target | None:
        if name in self.given:
            return self.given[name]
        if name in self.errors:
            return None
        if name not in self.built:
            try:
                if name == "sage100":
                    from writeback.targets.sage100 import Sage100Target

                    self.built[name] = Sage100Target.from_config(self.settings.warehouse)
                else:
                    from writeback.targets.xero import XeroTarget

                    self.built[name] = XeroTarget.from_config(batch_size=self.settings.xero_batch_size)
            except (TargetError, ValueError) as exc:
                self.errors[name] = str(exc)
                return None
        return self.built[name]

    def close(self) -> None:
        for target in self.built.values():
            target.close()


def run_writeback(
    *,
    target: str | None = None,
    dry_run: bool = False,
    actor: str = "writeback",
    warehouse: Path | None = None,
    settings: WritebackSettings | None = None,
    targets: dict[str, Target] | None = None,
    echo: Echo = print,
) -> WritebackReport:
    """One writeback run; see the module docstring. ``targets`` overrides configured targets (tests)."""
    if target is not None and target not in TARGETS:
        raise ValueError(f"--target must be sage100 or xero, not {target!r}")
    settings = settings or WritebackSettings.load(warehouse)
    if not settings.warehouse.exists():
        raise FileNotFoundError(
            f"no warehouse at {settings.warehouse}: run `tieout run` first (or point TIEOUT_WAREHOUSE at it)"
        )
    report = WritebackReport(dry_run)
    wanted = [target] if target else list(TARGETS)
    pool = _Targets(settings, targets)
    try:
        if dry_run:
            _plan(settings, wanted, pool, report, actor, dry_run=True)
        else:
            with run_lock(settings.warehouse):
                _plan(settings, wanted, pool, report, actor, dry_run=False)
                for name in wanted:
                    _deliver(settings, name, pool, report, actor)
    finally:
        pool.close()
    for line in _render(report):
        echo(line)
    return report


# -- steps 1 and 2: guards and queueing -------------------------------------------------------------------


def _plan(
    settings: WritebackSettings,
    wanted: list[str],
    pool: _Targets,
    report: WritebackReport,
    actor: str,
    *,
    dry_run: bool,
) -> None:
    with connect(settings.warehouse) as con:
        proposals = load_proposals(con)
        status = statuses(con, proposals)
        existing = {row.key: row for row in ob.rows(con)}
        versions = ob.posted_versions(con)
    ready: list[tuple[Proposal, list[str]]] = []
    for pid in sorted(status):
        st = status[pid]
        p = st.proposal
        if p.target not in wanted or p.key in existing:
            continue
        if not st.approvers and not st.lapsed:
            if not st.rejected_by:
                report.awaiting.append(p.key)
            continue
        tgt = pool.get(p.target)
        if tgt is None:
            report.refused[p.key] = [f"{p.target} is not available: {pool.errors[p.target]}"]
            continue
        refusals = guards.check(
            st,
            threshold=settings.approval_threshold,
            period_check=_safe_period_check(tgt),
            posted_versions=versions.get(pid, ()),
        )
        if refusals:
            report.refused[p.key] = refusals
        else:
            ready.append((p, st.approvers))
    if dry_run:
        for p, _ in ready:
            report.would_post.append(pool.get(p.target).render(p))  # type: ignore[union-attr]
        for row in existing.values():
            if row.state in ob.OPEN_STATES and row.target in wanted:
                item = row.item()
                tgt = pool.get(row.target)
                text = tgt.render(item.proposal) if tgt else f"({row.target} not available)"
                report.would_post.append(
                    f"[{row.state}, attempt {row.attempts + 1}; checked with {row.target} first if it was "
                    f"already posted]\n{text}"
                )
        return
    if not ready and not report.refused:
        return
    with connect(settings.warehouse) as con:
        for p, approvers in ready:
            ob.enqueue(con, p, actor, approvers)
        for key, reasons in report.refused.items():
            with transaction(con):
                audit.append(con, actor, "refused", f"proposal:{key}", {"reasons": reasons})


def _safe_period_check(tgt: Target) -> guards.PeriodCheck:
    def check(day):  # type: ignore[no-untyped-def]
        try:
            return tgt.period_problem(day)
        except (TargetError, OSError) as exc:
            return f"could not ask {tgt.name} whether {day} is open: {exc}"

    return check


# -- step 3: delivery ----------------------------------------------------------------------------------------


def _deliver(
    settings: WritebackSettings, name: str, pool: _Targets, report: WritebackReport, actor: str
) -> None:
    with connect(settings.warehouse) as con:
        open_rows = ob.rows(con, target=name, states=ob.OPEN_STATES)
    now = ob.now()
    due = [
        r for r in open_rows if r.state != "failed" or r.next_attempt_at is None or r.next_attempt_at <= now
    ]
    if not due:
        return
    tgt = pool.get(name)
    if tgt is None:
        report.problems.append(f"{len(due)} posting(s) to {name} wait: {pool.errors[name]}")
        return
    try:
        to_send = _settle(settings, tgt, due, report, actor)
        for start in range(0, len(to_send), max(1, tgt.batch_size)):
            _send_batch(settings, tgt, to_send[start : start + tgt.batch_size], report, actor)
    except TargetStopped as exc:
        report.problems.append(f"{name}: stopped: {exc}")
        raise_alert("stopped", name, str(exc), target=name, webhook_url=settings.alert_webhook_url)


def _settle(
    settings: WritebackSettings, tgt: Target, rows: list[ob.OutboxRow], report: WritebackReport, actor: str
) -> list[ob.OutboxRow]:
    """Mark as posted what the target already has (after a crash or a lost answer); return the rest."""
    rest = []
    for row in rows:
        if row.state == "pending" and row.attempts == 0:
            rest.append(row)
            continue
        try:
            ref = tgt.find_posted(row.item())
        except TransientTargetError as exc:
            report.failed.append(row.key)
            report.problems.append(
                f"{_short(row.key)}: could not ask {tgt.name} whether it was posted: {exc}"
            )
            continue
        if ref:
            with connect(settings.warehouse) as con:
                ob.mark_posted(con, row.key, ref, actor, recovered=True)
            report.recovered.append(f"{_short(row.key)} -> {ref}")
        else:
            rest.append(row)
    return rest


def _send_batch(
    settings: WritebackSettings, tgt: Target, batch: list[ob.OutboxRow], report: WritebackReport, actor: str
) -> None:
    keys = [row.key for row in batch]
    with connect(settings.warehouse) as con:
        ob.mark_sending(con, keys, actor)
    crash.point("marked sending")
    items = [OutboxItem(r.key, r.item().proposal, "sending", r.attempts + 1) for r in batch]
    try:
        results = tgt.post(items)
    except TargetStopped as exc:
        _record(
            settings,
            [PostResult(k, False, error=str(exc), transient=True) for k in keys],
            items,
            report,
            actor,
            tgt.name,
            count_attempt=False,
        )
        raise
    except TransientTargetError as exc:
        results = [PostResult(k, False, error=str(exc), transient=True) for k in keys]
    except TargetError as exc:
        results = [PostResult(k, False, error=str(exc), transient=True) for k in keys]
    crash.point("answers received")
    _record(settings, results, items, report, actor, tgt.name)


def _record(
    settings: WritebackSettings,
    results: list[PostResult],
    items: list[OutboxItem],
    report: WritebackReport,
    actor: str,
    target: str,
    *,
    count_attempt: bool = True,
) -> None:
    attempts = {i.key: i.attempts for i in items}
    with connect(settings.warehouse) as con:
        for result in results:
            short = _short(result.key)
            if result.ok:
                ob.mark_posted(con, result.key, result.ref or "", actor)
                report.posted.append(f"{short} -> {result.ref}")
                continue
            error = result.error or "no reason given"
            if result.transient and (not count_attempt or attempts[result.key] < settings.max_attempts):
                delay = min(
                    timedelta(seconds=settings.retry_base_seconds * 2 ** (attempts[result.key] - 1)),
                    MAX_RETRY_DELAY,
                )
                ob.mark_failed(con, result.key, error, actor, retry_in=delay)
                report.failed.append(f"{short}: {error}")
                raise_alert(
                    "failed", result.key, error, target=target, webhook_url=settings.alert_webhook_url
                )
                continue
            if result.transient:
                error = f"gave up after {attempts[result.key]} attempts: {error}"
            ob.mark_dead(con, result.key, error, actor)
            report.dead_letter.append(f"{short}: {error}")
            raise_alert(
                "dead-letter", result.key, error, target=target, webhook_url=settings.alert_webhook_url
            )


# -- output ------------------------------------------------------------------------------------------------


def _render(report: WritebackReport) -> list[str]:
    lines: list[str] = []
    if report.dry_run:
        lines.append(f"Dry run: {len(report.would_post)} posting(s) would be sent; nothing was written.")
        for text in report.would_post:
            lines.extend(["", text])
    for text in report.posted:
        lines.append(f"posted       {text}")
    for text in report.recovered:
        lines.append(f"already there {text} (posted before an interruption)")
    for text in report.failed:
        lines.append(f"failed       {text} (retried by a later run)")
    for text in report.dead_letter:
        lines.append(f"dead-letter  {text}")
    for key, reasons in report.refused.items():
        lines.append(f"refused      {_short(key)}: " + "; ".join(reasons))
    for text in report.problems:
        lines.append(f"problem      {text}")
    if report.awaiting:
        lines.append(f"{len(report.awaiting)} proposal(s) await approval.")
    if not lines:
        lines.append("Nothing to post.")
    report.lines = lines
    return lines

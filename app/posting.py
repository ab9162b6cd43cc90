"""Post approved journals in the background: the Journals page starts ``python -m app.posting`` and polls.

Posting calls Xero or Sage 100 once per batch and can take minutes; a page that waited for it would be
frozen. So the app starts a child process (like a refresh) that runs writeback
(:func:`writeback.runner.run_writeback`: guards, outbox, exactly once) as the signed-in user, and writes
what it is doing to ``<name>.posting.json`` at every line of writeback's output. The outbox itself is in
``ops.outbox`` (pending → sending → posted, failed with retries, dead-letter), which the page reads too.
Finished runs are appended to ``<name>.postings.jsonl``. One posting run per warehouse at a time (the
status file's live pid, and writeback's own run lock behind it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app import background
from app.background import now as _now
from app.background import write_json as _write_json

POSTING_ROLES = ("approver", "admin")


class PostingBusy(RuntimeError):
    """A posting run of the same warehouse is still going."""


@dataclass(frozen=True)
class PostingPaths(background.JobPaths):
    """``<name>.posting.json``, ``<name>.posting.log`` and ``<name>.postings.jsonl``."""

    kind = "posting"
    kinds = "postings"


@dataclass
class PostingStatus:
    """What a posting run is doing or did."""

    run_id: str
    state: str  # running | succeeded | failed
    user: str
    started_at: str
    pid: int
    target: str | None = None
    finished_at: str | None = None
    seconds: float | None = None
    lines: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    message: str = ""


def read_status(warehouse: Path) -> dict[str, Any] | None:
    """The current (or last) posting run; ``state`` is ``interrupted`` if its process died."""
    return background.read_status(
        PostingPaths(Path(warehouse)),
        "the posting process stopped before it finished; the outbox keeps every posting's state, and "
        "the next run settles what was in flight without posting twice",
        keep_message=False,
    )


def history(warehouse: Path, limit: int = 20) -> list[dict[str, Any]]:
    """Finished posting runs, newest first."""
    return background.read_history(PostingPaths(Path(warehouse)), limit)


def start_background(
    warehouse: Path, *, user: str, role: str, target: str | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a posting run as ``user``; raises :class:`PostingBusy` while one runs, ``PermissionError``
    for a role that may not post."""
    if role not in POSTING_ROLES:
        raise PermissionError(f"{user} has role {role}; only an approver or admin may post")
    paths = PostingPaths(Path(warehouse).resolve())
    current = read_status(paths.live)
    if current and current.get("state") == "running":
        raise PostingBusy(
            f"{current.get('user')} started posting at {current.get('started_at')}; it is still running"
        )
    command = [sys.executable, "-m", "app.posting", "--warehouse", str(paths.live), "--user", user]
    if target:
        command += ["--target", target]
    # the status file says "running" before the child starts, so a second click is refused at once
    _write_json(
        paths.status,
        asdict(PostingStatus("starting", "running", user, _now(), os.getpid(), target, message="starting")),
    )
    child = background.start_detached(command, paths, env)
    try:  # follow the child's pid (unless it already wrote its own status)
        if json.loads(paths.status.read_text()).get("run_id") == "starting":
            _write_json(
                paths.status,
                asdict(
                    PostingStatus("starting", "running", user, _now(), child.pid, target, message="starting")
                ),
            )
    except (FileNotFoundError, ValueError):
        pass
    return child


def post(warehouse: Path, *, user: str, target: str | None = None) -> PostingStatus:
    """One writeback run as ``user`` with its progress in the status file (the child's body)."""
    from writeback.runner import WritebackBusy, run_writeback
    from writeback.settings import SettingsError
    from writeback.warehouse import WarehouseBusy

    paths = PostingPaths(Path(warehouse).resolve())
    started = time.monotonic()
    status = PostingStatus(
        run_id=f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}",
        state="running",
        user=user,
        started_at=_now(),
        pid=os.getpid(),
        target=target,
        message="checking guards and queueing approved proposals",
    )

    def save() -> None:
        _write_json(paths.status, asdict(status))

    def echo(line: str) -> None:
        print(line, flush=True)
        status.lines.append(line)
        status.message = line
        save()

    save()
    try:
        report = run_writeback(target=target, actor=user, warehouse=paths.live, echo=echo)
    except (WritebackBusy, WarehouseBusy, SettingsError, FileNotFoundError, ValueError) as exc:
        status.state = "failed"
        status.problems.append(str(exc))
        status.message = str(exc)
    except Exception as exc:  # noqa: BLE001 - recorded for the page; the outbox keeps every state
        status.state = "failed"
        status.problems.append(f"{type(exc).__name__}: {exc}")
        status.message = status.problems[-1]
    else:
        status.counts = {
            "posted": len(report.posted),
            "already there": len(report.recovered),
            "failed": len(report.failed),
            "dead-letter": len(report.dead_letter),
            "refused": len(report.refused),
            "awaiting approval": len(report.awaiting),
        }
        status.problems = list(report.problems)
        status.state = "succeeded"
        status.message = ", ".join(f"{k} {v}" for k, v in status.counts.items())
    status.finished_at = _now()
    status.seconds = round(time.monotonic() - started, 1)
    save()
    background.append_history(paths, asdict(status))
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.posting", description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--target", default=None)
    args = parser.parse_args(argv)
    status = post(args.warehouse, user=args.user, target=args.target)
    return 0 if status.state == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())

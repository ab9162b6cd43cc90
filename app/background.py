"""Child processes the app starts and polls (a refresh, a posting run): their files and their start.

Each kind of job keeps three files beside the warehouse ``<name>.duckdb``: ``<name>.<kind>.json`` (the
current or last run's status, rewritten atomically at every step), ``<name>.<kind>.log`` (the child's
output) and ``<name>.<kinds>.jsonl`` (finished runs, one JSON line each). The child runs in a session
of its own, so closing the page or stopping the app does not stop it.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar


def now() -> str:
    """The current UTC time as the status files write it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` with ``data`` atomically (a poller never reads half a file)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str))
    os.replace(tmp, path)


def alive(pid: int) -> bool:
    """Whether process ``pid`` is still running (a finished child of this process counts as stopped)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of this process counts as finished
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


@dataclass(frozen=True)
class JobPaths:
    """The status, log and history files of one kind of job on the warehouse ``live``."""

    live: Path
    kind: ClassVar[str] = "job"
    kinds: ClassVar[str] = "jobs"

    @property
    def status(self) -> Path:
        return self.live.with_name(f"{self.live.stem}.{self.kind}.json")

    @property
    def log(self) -> Path:
        return self.live.with_name(f"{self.live.stem}.{self.kind}.log")

    @property
    def history(self) -> Path:
        return self.live.with_name(f"{self.live.stem}.{self.kinds}.jsonl")


def read_status(paths: JobPaths, interrupted: str, *, keep_message: bool = True) -> dict[str, Any] | None:
    """The current (or last) run's status; a ``running`` one whose process died reads ``interrupted``,
    with ``interrupted`` as its message (only when it had none, if ``keep_message``)."""
    try:
        data = json.loads(paths.status.read_text())
    except (FileNotFoundError, ValueError):
        return None
    if data.get("state") == "running" and not alive(int(data.get("pid") or 0)):
        data["state"] = "interrupted"
        data["message"] = (keep_message and data.get("message")) or interrupted
    return data


def read_history(paths: JobPaths, limit: int = 20) -> list[dict[str, Any]]:
    """Finished runs, newest first (a line that is not JSON, e.g. cut by a crash, is skipped)."""
    if not paths.history.exists():
        return []
    out = []
    for line in paths.history.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return list(reversed(out))[:limit]


def append_history(paths: JobPaths, record: dict[str, Any]) -> None:
    with paths.history.open("a") as fh:
        fh.write(json.dumps(record, default=str) + "\n")


def start_detached(
    command: list[str], paths: JobPaths, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``command`` in the project folder, in a new session, with its output in the job's log."""
    from tieout.settings import PROJECT_ROOT

    paths.live.parent.mkdir(parents=True, exist_ok=True)
    with paths.log.open("wb") as log:
        return subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=str(PROJECT_ROOT),
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )

"""Refresh (load + build) while the app stays open: build into a copy, then swap it in atomically.

DuckDB lets one process write a file at a time, and a load + build holds its file for minutes. So a
refresh never writes the live warehouse for long:

1. **Snapshot**: under a brief write lock on the live file (retried while the app or a decision holds
   it), checkpoint it and copy the file to ``<name>.next.duckdb``.
2. **Load + build** into the copy (``tieout load`` and ``tieout build`` pointed at it, with the live
   warehouse's dlt working folder). The app keeps reading the live file; approvals, notes and other
   ``ops`` decisions keep writing it (short connections).
3. **Swap**: under a brief write lock on the live file again, copy every ``ops`` table from the live
   file into the new one (so decisions made during the build are kept), checkpoint, and ``os.replace``
   the new file over the live one. Readers that opened the old file finish on it; the next read sees the
   new one.

If a step fails, nothing is swapped: the live warehouse stays exactly as it was, and the copy (with
whatever was loaded into it, which dlt's state already counts) is kept as ``<name>.next.duckdb``; the
next refresh, ``tieout run`` or ``tieout build`` continues from it, so loaded data is never lost.

``tieout run`` and ``tieout build`` take the same path (``kind`` "run" / "build": build only, with an
optional dbt selection). A lock file allows one refresh per warehouse. The state of the current refresh is in
``<name>.refresh.json`` (the app polls it), its output in ``<name>.refresh.log``, finished runs in
``<name>.refreshes.jsonl``. ``tieout refresh`` and the app's refresh button both run
``python -m app.refresh`` this way.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from app import background
from app.background import now as _now
from app.background import write_json as _write_json

Echo = Callable[[str], None]
PRESERVED_SCHEMAS = ("ops",)


class RefreshBusy(RuntimeError):
    """Another refresh of the same warehouse is running."""


class RefreshFailed(RuntimeError):
    """The load or build failed; the live warehouse was left as it was."""


@dataclass(frozen=True)
class RefreshPaths(background.JobPaths):
    """The files that go with one warehouse: status, log and history (``refresh``), work copy, lock."""

    kind = "refresh"
    kinds = "refreshes"

    @property
    def work(self) -> Path:
        return self.live.with_name(f"{self.live.stem}.next{self.live.suffix}")

    @property
    def lock(self) -> Path:
        return self.live.with_name(f"{self.live.stem}.refresh.lock")

    @property
    def pipelines(self) -> Path:
        from tieout.load import pipelines_dir

        return pipelines_dir(self.live)


@dataclass
class RefreshStatus:
    """What a refresh is doing or did; written to ``<name>.refresh.json`` at every step."""

    run_id: str
    state: str  # running | succeeded | failed
    step: str  # snapshot | load | build | swap | done
    started_at: str
    pid: int
    user: str | None = None
    finished_at: str | None = None
    message: str = ""
    load: list[dict[str, Any]] = field(default_factory=list)
    build: dict[str, Any] = field(default_factory=dict)
    seconds: float | None = None
    kind: str = "refresh"  # refresh (app button, tieout refresh) | run (tieout run) | build (tieout build)
    swapped: bool = False


def read_status(warehouse: Path) -> dict[str, Any] | None:
    """The current (or last) refresh's status; ``state`` is ``interrupted`` if its process died."""
    return background.read_status(
        RefreshPaths(Path(warehouse)), "the refresh process stopped before it finished"
    )


def history(warehouse: Path, limit: int = 20) -> list[dict[str, Any]]:
    """Finished refreshes, newest first."""
    return background.read_history(RefreshPaths(Path(warehouse)), limit)


@contextmanager
def refresh_lock(paths: RefreshPaths) -> Iterator[None]:
    paths.lock.parent.mkdir(parents=True, exist_ok=True)
    handle = open(paths.lock, "a+")  # noqa: SIM115 - held for the whole block
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RefreshBusy(
                f"a refresh of {paths.live} is already running; wait for it (Pipeline page) to finish"
            ) from None
        yield
    finally:
        handle.close()


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return ("lock" in text and ("conflicting" in text or "could not set" in text)) or (
        "different configuration" in text  # open read-only elsewhere in this process
    )


@contextmanager
def _exclusive(path: Path, timeout: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection (the exclusive lock) on ``path``, retried while others hold it briefly."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        try:
            con = duckdb.connect(str(path))
            break
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                raise RefreshFailed(
                    f"could not lock {path} for {timeout:.0f}s ({exc}); is a `tieout run` writing it "
                    "directly?"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
    try:
        yield con
    finally:
        con.close()


def snapshot(paths: RefreshPaths, timeout: float = 120.0) -> str:
    """Prepare the work file: ``resumed`` when an interrupted refresh left one (it holds loaded data the
    dlt state already counts, so it must not be thrown away), else a fresh copy of the live warehouse
    (``copied``), else nothing (``empty``: the first refresh builds from scratch)."""
    if paths.work.exists():
        return "resumed"
    if not paths.live.exists():
        return "empty"
    partial = paths.work.with_name(paths.work.name + ".partial")
    partial.unlink(missing_ok=True)
    with _exclusive(paths.live, timeout) as con:
        con.execute("checkpoint")
        shutil.copyfile(paths.live, partial)
    os.replace(partial, paths.work)  # only a complete copy ever carries the work file's name
    return "copied"


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> dict[str, str]:
    rows = con.execute(
        "select table_name, sql from duckdb_tables() where database_name = ? and schema_name = ?",
        [catalog, schema],
    ).fetchall()
    return {name: sql for name, sql in rows}


def swap(paths: RefreshPaths, timeout: float = 120.0) -> dict[str, int]:
    """Bring the live file's ``ops`` tables into the work file and move it over the live file.

    Returns the number of ``ops`` rows carried over per table."""
    carried: dict[str, int] = {}
    if not paths.live.exists():
        os.replace(paths.work, paths.live)
        return carried
    with _exclusive(paths.live, timeout) as con:
        con.execute("checkpoint")
        live_catalog = con.execute("select current_database()").fetchone()[0]
        con.execute(f"attach '{paths.work}' as fresh")
        try:
            for schema in PRESERVED_SCHEMAS:
                live_tables = _tables(con, live_catalog, schema)
                if not live_tables:
                    continue
                fresh_tables = _tables(con, "fresh", schema)
                con.execute("begin transaction")
                con.execute(f'create schema if not exists fresh."{schema}"')
                for name, ddl in sorted(live_tables.items()):
                    target = f'fresh."{schema}"."{name}"'
                    if name in fresh_tables:
                        con.execute(f"delete from {target}")
                    else:
                        con.execute("use fresh")
                        con.execute(ddl)
                        con.execute(f'use "{live_catalog}"')
                    con.execute(f'insert into {target} by name select * from "{schema}"."{name}"')
                    carried[f"{schema}.{name}"] = con.execute(
                        f'select count(*) from "{schema}"."{name}"'
                    ).fetchone()[0]
                con.execute("commit")
        finally:
            con.execute(f'use "{live_catalog}"')
            con.execute("detach fresh")
        fresh = duckdb.connect(str(paths.work))  # fold any write-ahead log into the file we move
        fresh.execute("checkpoint")
        fresh.close()
        if Path(f"{paths.work}.wal").exists():
            raise RefreshFailed(f"{paths.work}.wal is still there after a checkpoint; not swapping")
        os.replace(paths.work, paths.live)
    return carried


def refresh(
    warehouse: Path,
    *,
    source: str = "all",
    full_refresh: bool = False,
    user: str | None = None,
    echo: Echo = print,
    kind: str = "refresh",
    load: bool = True,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> RefreshStatus:
    """Load (unless ``load`` is false) + build into a copy of ``warehouse`` and swap it in; see the
    module docstring. ``select`` / ``exclude`` narrow the dbt build.

    Only a run whose every step succeeded is swapped in; otherwise the live warehouse is left as it was
    and the copy is kept for the next run to continue from (when there is no live warehouse yet, a build
    that ran but reported failures is swapped in all the same)."""
    paths = RefreshPaths(Path(warehouse).resolve())
    started = time.monotonic()
    status = RefreshStatus(
        run_id=f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}",
        state="running",
        step="snapshot",
        started_at=_now(),
        pid=os.getpid(),
        user=user,
        kind=kind,
    )

    def save() -> None:
        _write_json(paths.status, asdict(status))

    problems: list[str] = []
    with refresh_lock(paths):
        save()
        try:
            how = snapshot(paths)
            echo(
                f"{how} {paths.work}"
                + (" (left by an earlier run that did not finish)" if how == "resumed" else "")
            )
            if load:
                status.step = "load"
                save()
                status.load = run_step("load", paths, echo, source=source, full_refresh=full_refresh)[
                    "sources"
                ]
                problems += [
                    f"{r['source']} failed to load: {r['message']}"
                    for r in status.load
                    if r["status"] == "failed"
                ]
            if not problems:
                status.step = "build"
                save()
                echo("building models ...")
                status.build = run_step(
                    "build", paths, echo, full_refresh=full_refresh, select=select, exclude=exclude
                )
                if not status.build["success"]:
                    problems.append(
                        f"the build reported {len(status.build['failed'])} failure(s): "
                        + "; ".join(f.split(":")[0] for f in status.build["failed"][:5])
                    )
            if status.build and (not problems or not paths.live.exists()):
                # a failed build is swapped in only when there is no warehouse yet: nothing to protect,
                # and what did build is better than nothing (the message still says what failed)
                status.step = "swap"
                save()
                carried = swap(paths)
                status.swapped = True
                _move_load_summary(paths)
                echo(f"swapped in the new warehouse (kept {sum(carried.values())} ops rows)")
        except RefreshFailed as exc:
            problems.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - recorded for the app, the work file is kept for a resume
            problems.append(f"{type(exc).__name__}: {exc}")
            echo(traceback.format_exc())
        finally:
            if problems and status.swapped:
                problems[-1] += "; there was no warehouse yet, so what did build was swapped in"
            elif problems:
                _move_load_summary(paths)  # the Pipeline page shows what the failed load did
                kept = (
                    f"; the live warehouse was left as it was, the copy is kept in {paths.work} and the next "
                    "refresh, `tieout run` or `tieout build` continues from it"
                    if paths.work.exists()
                    else "; the live warehouse was left as it was"
                )
                problems[-1] += kept
            status.state = "failed" if problems else "succeeded"
            status.step = "done"
            status.message = "; ".join(problems) or (
                ("load and build" if load else "build") + " finished; the app shows the new data"
            )
            for line in problems:
                echo(f"error: {line}")
            status.finished_at = _now()
            status.seconds = round(time.monotonic() - started, 1)
            save()
            background.append_history(paths, asdict(status))
    return status


def run_step(
    step: str,
    paths: RefreshPaths,
    echo: Echo,
    *,
    source: str = "all",
    full_refresh: bool = False,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> dict[str, Any]:
    """Run ``load`` or ``build`` against the work file in a child process and return its JSON result.

    A child process, because dbt-duckdb and dlt keep DuckDB handles open until their process exits, and
    the work file is about to be moved over the live warehouse."""
    from tieout.settings import PROJECT_ROOT

    result_file = paths.work.with_name(f"{paths.work.name}.{step}.json")
    result_file.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "app.refresh",
        "--step",
        step,
        "--warehouse",
        str(paths.work),
        "--result",
        str(result_file),
        "--source",
        source,
    ]
    if full_refresh:
        command.append("--full-refresh")
    for name in select:
        command += ["--select", name]
    for name in exclude:
        command += ["--exclude", name]
    env = {**os.environ, "TIEOUT_WAREHOUSE": str(paths.work), "TIEOUT_PIPELINES_DIR": str(paths.pipelines)}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=str(PROJECT_ROOT), env=env
    ) as child:
        assert child.stdout is not None
        for line in child.stdout:
            echo(line.rstrip("\n"))
    try:
        data = json.loads(result_file.read_text())
    except (FileNotFoundError, ValueError):
        raise RefreshFailed(
            f"the {step} step stopped without a result (exit code {child.returncode}); see its output above"
        ) from None
    finally:
        result_file.unlink(missing_ok=True)
    if data.get("error"):
        raise RefreshFailed(f"{step}: {data['error']}")
    return data


def _step_main(
    step: str,
    warehouse: Path,
    result: Path,
    source: str,
    full_refresh: bool,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> int:
    """The child process of :func:`run_step`: one step in-process, its outcome as JSON in ``result``."""
    from tieout import build as builder
    from tieout import load as loader

    data: dict[str, Any]
    try:
        if step == "load":
            report = loader.run_load(
                source, full_refresh, warehouse=warehouse, echo=lambda line: print(line, flush=True)
            )
            data = {
                "sources": [
                    {
                        "source": r.source,
                        "status": r.status,
                        "message": r.message,
                        "rows_total": r.summary.get("rows_total"),
                        "quarantined": r.summary.get("quarantined"),
                        "seconds": r.summary.get("duration_seconds"),
                    }
                    for r in report.results
                ]
            }
        else:
            summary = builder.build(
                select=select, exclude=exclude, full_refresh=full_refresh, warehouse=warehouse
            )
            print(summary.render(), flush=True)
            data = _build_record(summary)
    except (loader.LoadError, builder.BuildError) as exc:
        data = {"error": str(exc)}
    _write_json(result, data)
    return 0


def _build_record(summary: Any) -> dict[str, Any]:
    return {
        "success": summary.success,
        "counts": {k: dict(v) for k, v in summary.counts().items()},
        "failed": [f"{n.resource_type} {n.name}: {n.message.strip()[:300]}" for n in summary.failed],
        "warned": [f"{n.resource_type} {n.name}: {n.message.strip()[:300]}" for n in summary.warned],
        "freshness": [{"name": f.name, "status": f.status, "message": f.message} for f in summary.freshness],
        "text": summary.render(),
    }


def _move_load_summary(paths: RefreshPaths) -> None:
    from tieout.load import summary_file

    produced = summary_file(paths.work)
    if produced.exists():
        os.replace(produced, summary_file(paths.live))


def start_background(
    warehouse: Path, *, user: str | None = None, env: dict[str, str] | None = None, full_refresh: bool = False
) -> subprocess.Popen[bytes]:
    """Start ``python -m app.refresh`` for ``warehouse`` detached from the caller; output to the log."""
    paths = RefreshPaths(Path(warehouse).resolve())
    command = [sys.executable, "-m", "app.refresh", "--warehouse", str(paths.live)]
    if user:
        command += ["--user", user]
    if full_refresh:
        command.append("--full-refresh")
    return background.start_detached(command, paths, env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.refresh", description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=None)
    parser.add_argument("--source", default="all")
    parser.add_argument("--full-refresh", action="store_true")
    parser.add_argument("--user", default=None)
    parser.add_argument("--step", choices=("load", "build"), help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--select", action="append", default=[], help=argparse.SUPPRESS)
    parser.add_argument("--exclude", action="append", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from tieout.settings import warehouse_path

    warehouse = args.warehouse or warehouse_path()
    if args.step:
        return _step_main(
            args.step, warehouse, args.result, args.source, args.full_refresh, args.select, args.exclude
        )
    try:
        status = refresh(
            warehouse,
            source=args.source,
            full_refresh=args.full_refresh,
            user=args.user,
            echo=lambda line: print(line, flush=True),
        )
    except RefreshBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0 if status.state == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())

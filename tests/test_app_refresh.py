"""How a refresh and an open app share one DuckDB file: reads retry while a writer holds the lock, the
refresh builds a copy and swaps it in with the decisions made meanwhile, a leftover copy is resumed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from app import refresh
from app.data.warehouse import AccessLock, Reader, WarehouseUnavailable
from writeback import approvals

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold_write_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the warehouse's write lock for ``seconds``."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "locked"
    return child


def small_warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema core; create table core.documents as select range as n from range(10)")
    return path


def test_reads_wait_for_a_short_write_lock_and_explain_a_long_one(tmp_path: Path) -> None:
    path = small_warehouse(tmp_path / "wh.duckdb")
    child = hold_write_lock(path, 1.0)
    started = time.monotonic()
    assert Reader(path, timeout=20).scalar("select count(*) from core.documents") == 10
    assert time.monotonic() - started >= 0.5  # it waited for the lock instead of failing
    child.wait()
    child = hold_write_lock(path, 5.0)
    try:
        with pytest.raises(WarehouseUnavailable, match="stayed locked by another process for 1s"):
            Reader(path, timeout=1).scalar("select 1")
    finally:
        child.kill()
        child.wait()
    with pytest.raises(WarehouseUnavailable, match="there is no warehouse at"):
        Reader(tmp_path / "none.duckdb").scalar("select 1")


def test_the_access_lock_lets_readers_share_and_writers_wait() -> None:
    lock = AccessLock()
    events: list[str] = []
    with lock.reading():
        writer = threading.Thread(target=lambda: lock.writing().__enter__() or events.append("write"))
        writer.start()
        time.sleep(0.2)
        events.append("read done")
    writer.join(5)
    assert events == ["read done", "write"]


def test_swap_keeps_decisions_made_during_the_build(tmp_path: Path) -> None:
    live = small_warehouse(tmp_path / "wh.duckdb")
    approvals.add_exception_note("E-1", "before the refresh", who="pat", role="preparer", warehouse=live)
    paths = refresh.RefreshPaths(live)
    assert refresh.snapshot(paths) == "copied"
    with duckdb.connect(str(paths.work)) as con:  # the build rewrites the marts in the copy
        con.execute("create or replace table core.documents as select range as n from range(25)")
    approvals.add_exception_note("E-2", "during the refresh", who="alex", role="approver", warehouse=live)
    carried = refresh.swap(paths)
    assert carried["ops.exception_notes"] == 2 and carried["ops.audit_log"] == 2
    reader = Reader(live)
    assert reader.scalar("select count(*) from core.documents") == 25
    assert sorted(r[0] for r in reader.rows("select note from ops.exception_notes")) == [
        "before the refresh",
        "during the refresh",
    ]
    assert not paths.work.exists() and not Path(f"{live}.wal").exists()
    with duckdb.connect(str(live), read_only=True) as con:  # keys survive the copy
        assert (
            con.execute(
                "select count(*) from duckdb_constraints() where schema_name = 'ops' "
                "and constraint_type = 'PRIMARY KEY'"
            ).fetchone()[0]
            >= 5
        )
    from writeback import audit
    from writeback.warehouse import connect

    with connect(live) as con:
        assert audit.verify(con).ok


def test_a_leftover_copy_is_resumed_not_thrown_away(tmp_path: Path) -> None:
    live = small_warehouse(tmp_path / "wh.duckdb")
    paths = refresh.RefreshPaths(live)
    refresh.snapshot(paths)
    with duckdb.connect(str(paths.work)) as con:
        con.execute("create table core.loaded as select 1 as x")  # loaded before the process was killed
    assert refresh.snapshot(paths) == "resumed"
    refresh.swap(paths)
    assert Reader(live).scalar("select count(*) from core.loaded") == 1


def test_a_dead_refresh_reads_as_interrupted(tmp_path: Path) -> None:
    live = tmp_path / "wh.duckdb"
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    refresh.RefreshPaths(live).status.write_text(
        json.dumps({"run_id": "r1", "state": "running", "step": "build", "started_at": "x", "pid": child.pid})
    )
    status = refresh.read_status(live)
    assert status["state"] == "interrupted" and "stopped before it finished" in status["message"]


def test_a_failed_load_is_recorded_and_only_one_refresh_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = small_warehouse(tmp_path / "wh.duckdb")
    # no ledger answers and no Sage 100 connection: the load fails with the loader's own message
    monkeypatch.setenv("SOURCES__LEDGER", "none")
    monkeypatch.setenv("SOURCES__SAGE100__CONNECTION_STRING", "Driver={SQLite3};Database=/nonexistent/x.db")
    paths = refresh.RefreshPaths(live)
    with refresh.refresh_lock(paths), pytest.raises(refresh.RefreshBusy, match="already running"):
        refresh.refresh(live, echo=lambda _l: None)
    before = (os.stat(live).st_ino, live.read_bytes())
    status = refresh.refresh(live, user="pat", echo=lambda _l: None)
    assert status.state == "failed" and "sage100 failed to load" in status.message
    assert "the live warehouse was left as it was" in status.message and not status.swapped
    assert refresh.history(live)[0]["run_id"] == status.run_id and refresh.history(live)[0]["user"] == "pat"
    assert (os.stat(live).st_ino, live.read_bytes()) == before  # not swapped, not touched
    assert Reader(live).scalar("select count(*) from core.documents") == 10  # the app still has its data
    assert os.path.exists(paths.work)  # what was loaded is kept: the next run continues from it
    assert refresh.snapshot(paths) == "resumed"

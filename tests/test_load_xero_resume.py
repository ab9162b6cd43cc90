"""A ``tieout load`` process killed mid-extract or mid-load, then run again, ends with exact counts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.faults import FaultSpec
from tests.test_load_xero_support import query, table_counts, write_xero_scenario, xero_sandbox, xero_settings
from tieout.load import pipelines_dir, run_load
from tieout.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration


def _start_load(warehouse: Path, handle) -> subprocess.Popen:
    env = {**os.environ, **xero_settings(handle), "TIEOUT_WAREHOUSE": str(warehouse)}
    return subprocess.Popen(
        [sys.executable, "-m", "tieout.cli", "load", "--source", "xero"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill_when(process: subprocess.Popen, condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, "the load finished before the moment to kill it came"
        assert time.monotonic() < deadline, "the moment to kill the load never came"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def _mid_extract(handle) -> Callable[[], bool]:
    stats = handle.app.state.sandbox.stats
    return lambda: stats()["calls"].get("GET Journals", 0) >= 5


def _mid_load(warehouse: Path) -> Callable[[], bool]:
    normalized = pipelines_dir(warehouse) / "raw_xero" / "load" / "normalized"

    def some_tables_loaded() -> bool:
        return normalized.is_dir() and any(
            any((package / "completed_jobs").glob("*")) for package in normalized.iterdir()
        )

    return some_tables_loaded


@pytest.mark.parametrize("moment", ["extract", "load"])
def test_killed_load_rerun_ends_with_exact_counts(tmp_path, monkeypatch, moment):
    expected = write_xero_scenario(tmp_path / "scn", invoices=2500, payments=100, journals=1500)
    warehouse = tmp_path / "w.duckdb"
    faults = FaultSpec.parse("latency=15ms") if moment == "extract" else None
    with xero_sandbox(tmp_path / "scn", faults=faults) as handle:
        process = _start_load(warehouse, handle)
        _kill_when(process, _mid_extract(handle) if moment == "extract" else _mid_load(warehouse))
        assert process.returncode == -signal.SIGKILL

        for key, value in xero_settings(handle).items():
            monkeypatch.setenv(key, value)
        lines: list[str] = []
        report = run_load("xero", warehouse=warehouse, echo=lines.append, progress_interval=0)
    assert report.results[0].status == "ok", report.results[0].message
    if moment == "load":
        assert any(
            "the last load stopped while writing" in line or "finishing the load" in line for line in lines
        )
    counts = table_counts(warehouse, "raw_xero")
    for table, count in expected["counts"].items():
        assert counts[table] == count, table
    for table, key in [("invoices", "invoice_id"), ("journals", "journal_id"), ("payments", "payment_id")]:
        assert query(warehouse, f"select count(*) - count(distinct {key}) from raw_xero.{table}") == [(0,)]
    assert query(
        warehouse, "select count(*) - count(distinct line_item_id) from raw_xero.invoices__line_items"
    ) == [(0,)]

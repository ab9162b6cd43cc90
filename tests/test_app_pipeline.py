"""Pipeline page: last loads, freshness per source, quarantined records, errors, and the refresh button
that runs load + build in a background process while the page stays usable."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from app import refresh
from tests.test_app_support import click, frame_with, make_warehouse, open_page, signed_in_app, texts


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = make_warehouse(tmp_path / "wh.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("""
            create schema raw_meta; create schema raw_xero;
            create table raw_meta.load_runs (run_id varchar, source varchar, status varchar,
                started_at timestamptz, duration_seconds double, rows_total bigint, api_calls bigint,
                http_429 bigint, retries bigint, quarantined bigint, message varchar, summary json);
            insert into raw_meta.load_runs values
                ('r1', 'xero', 'ok', '2026-02-28 06:00:00+00', 12.5, 35819, 59, 0, 0, 1, '', '{}'),
                ('r1', 'sage100', 'failed', '2026-02-28 06:00:13+00', 0.4, 0, 0, 0, 0, 0,
                 'cannot open the Sage 100 ODBC connection', '{}');
            create table raw_xero._dlt_loads (load_id varchar, schema_name varchar, status bigint,
                inserted_at timestamptz, schema_version_hash varchar);
            insert into raw_xero._dlt_loads values ('1', 'xero', 0, '2026-02-28 06:00:12+00', 'h');
            create table raw_xero._quarantine (quarantine_id varchar, source varchar, tenant_id varchar,
                resource varchar, record_key varchar, reason varchar, raw_payload varchar,
                quarantined_at timestamptz);
            insert into raw_xero._quarantine values ('q1', 'xero', 't', 'invoices', 'INV-9',
                'Total: not a number: ''12,3O''', '{"Total": "12,3O"}', '2026-02-28 06:00:05+00');
        """)
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(path))
    return path


def test_loads_freshness_quarantine_and_errors(warehouse: Path) -> None:
    at = signed_in_app("preparer", "pipeline")
    loads = frame_with(at, "api_calls")
    assert loads[["source", "status"]].values.tolist() == [["sage100", "failed"], ["xero", "ok"]]
    assert frame_with(at, "last_loaded")["dataset"].tolist() == ["raw_xero"]
    quarantined = frame_with(at, "raw_payload")
    assert quarantined[["dataset", "record_key"]].values.tolist() == [["raw_xero", "INV-9"]]
    assert "not a number" in quarantined.iloc[0]["reason"]
    failed = [
        d.value for d in at.dataframe if "message" in d.value.columns and "api_calls" in d.value.columns
    ]
    assert failed[-1]["source"].tolist() == ["sage100"]


def test_the_refresh_button_runs_in_the_background(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__LEDGER", "none")  # nothing to load from: the refresh fails, and says why
    monkeypatch.setenv("SOURCES__SAGE100__CONNECTION_STRING", "Driver={SQLite3};Database=/nonexistent/x.db")
    at = signed_in_app("approver", "pipeline")
    assert "No refresh has run from the app yet." in texts(at, "caption")
    started = time.monotonic()
    at = click(at, "Refresh now (load + build)")
    assert time.monotonic() - started < 5  # the page answered while the refresh runs
    deadline = time.monotonic() + 120
    while (refresh.read_status(warehouse) or {}).get("state") in (None, "running"):
        assert time.monotonic() < deadline, "the background refresh did not finish"
        time.sleep(0.5)
    at = open_page(at, "pipeline")
    errors = " ".join(texts(at, "error"))
    assert "**failed**" in errors and "sage100 failed to load" in errors and "by approver" in errors
    history = frame_with(at, "loaded rows")
    assert history["by"].tolist() == ["approver"]

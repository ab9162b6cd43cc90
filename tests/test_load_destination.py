"""The raw datasets go to dlt's configured destination: DuckDB at the warehouse by default, another
destination (here SQLite through dlt's ``sqlalchemy`` destination) when ``destination_type`` says so."""

from __future__ import annotations

import sqlite3

import pytest

from dlt_pipelines.common.destination import uses_duckdb, warehouse_destination
from sandbox.kashflow.config import KashflowConfig
from sandbox.serve import start_kashflow
from tests.test_load_xero_support import generated_scenario, scenario_records
from tieout.load import run_load


def test_default_destination_is_duckdb_at_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("DESTINATION_TYPE", raising=False)
    assert uses_duckdb()
    destination = warehouse_destination(tmp_path / "w.duckdb")
    assert destination.destination_type.endswith("duckdb")


def test_an_unknown_destination_type_says_what_to_set(tmp_path, monkeypatch):
    monkeypatch.setenv("DESTINATION_TYPE", "no_such_database")
    with pytest.raises(ValueError, match="set destination_type in .dlt/config.toml"):
        warehouse_destination(tmp_path / "w.duckdb")


@pytest.mark.integration
def test_kashflow_loads_into_a_configured_sqlalchemy_destination(tmp_path, monkeypatch):
    pytest.importorskip("sqlalchemy")
    scenario = generated_scenario(tmp_path / "scn", "kashflow", invoices=25)
    database = tmp_path / "raw.db"
    monkeypatch.setenv("DESTINATION_TYPE", "sqlalchemy")
    monkeypatch.setenv("DESTINATION__SQLALCHEMY__CREDENTIALS", f"sqlite:///{database}")
    warehouse = tmp_path / "w.duckdb"
    with start_kashflow(scenario, KashflowConfig()) as handle:
        monkeypatch.setenv("SOURCES__KASHFLOW__BASE_URL", f"{handle.url}/v2")
        report = run_load("kashflow", warehouse=warehouse, echo=lambda _: None, progress_interval=0)
        result = report.results[0]
        assert result.status == "ok", result.message
        second = run_load("kashflow", warehouse=warehouse, echo=lambda _: None, progress_interval=0)
    assert second.results[0].summary["rows"] == {}, "the state lives in the configured destination"
    assert not warehouse.exists(), "nothing may go to the DuckDB file when another destination is set"
    # dlt's sqlalchemy destination keeps each SQLite dataset in its own attached file
    datasets = {path.name: path for path in tmp_path.glob("raw__*.db")}
    assert "raw__raw_kashflow.db" in datasets and "raw__raw_meta.db" in datasets, sorted(datasets)
    with sqlite3.connect(datasets["raw__raw_kashflow.db"]) as con:
        invoices = con.execute("select count(*) from invoices").fetchone()[0]
        lines = con.execute("select count(*) from invoices__line_items").fetchone()[0]
    records = scenario_records(scenario / "kashflow" / "invoices.json")
    assert invoices == len(records)
    assert lines == sum(len(r["LineItems"]) for r in records)
    with sqlite3.connect(datasets["raw__raw_meta.db"]) as con:
        runs = con.execute("select source, status from load_runs").fetchall()
    assert runs == [("kashflow", "ok"), ("kashflow", "ok")]

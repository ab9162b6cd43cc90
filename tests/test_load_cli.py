"""The ``tieout load`` and ``tieout webhooks serve`` commands."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sandbox.sage100 import build
from tests.test_load_xero_support import generated_scenario, query, xero_sandbox, xero_settings
from tieout.cli import app

runner = CliRunner()


def test_help_documents_load_and_webhooks():
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0 and "load" in top.output and "webhooks" in top.output
    load = runner.invoke(app, ["load", "--help"])
    assert load.exit_code == 0
    for option in ["--source", "--full-refresh", "sage100"]:
        assert option in load.output
    serve = runner.invoke(app, ["webhooks", "serve", "--help"])
    assert serve.exit_code == 0
    for option in ["--host", "--port", "--debounce"]:
        assert option in serve.output


def test_unknown_source_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(tmp_path / "w.duckdb"))
    result = runner.invoke(app, ["load", "--source", "quickbooks"])
    assert result.exit_code == 2
    assert "--source must be one of xero, kashflow, sage100 or all" in result.output


def test_no_ledger_answering_says_how_to_start_the_sandbox(tmp_path, monkeypatch):
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("SOURCES__LEDGER", "auto")
    monkeypatch.setenv("SOURCES__XERO__API_URL", "http://127.0.0.1:9/api.xro/2.0")
    monkeypatch.setenv("SOURCES__KASHFLOW__BASE_URL", "http://127.0.0.1:9/v2")
    result = runner.invoke(app, ["load"])
    assert result.exit_code == 2
    assert "no ledger API answers" in result.output and "tieout sandbox serve" in result.output


@pytest.mark.integration
def test_load_all_detects_the_ledger_and_loads_it_with_sage100(tmp_path, monkeypatch):
    scenario = generated_scenario(tmp_path / "scn", "xero", invoices=60)
    company = build.build_company(scenario, tmp_path / "sage100.db")
    warehouse = tmp_path / "warehouse" / "tieout.duckdb"
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("SOURCES__SAGE100__CONNECTION_STRING", build.connection_string(company))
    monkeypatch.setenv("SOURCES__LEDGER", "auto")
    monkeypatch.setenv("SOURCES__KASHFLOW__BASE_URL", "http://127.0.0.1:9/v2")  # nothing listens there
    with xero_sandbox(scenario) as handle:
        for key, value in xero_settings(handle).items():
            monkeypatch.setenv(key, value)
        result = runner.invoke(app, ["load"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "xero: loading into raw_xero" in out and "sage100: loading into raw_sage100" in out
    assert "kashflow" not in out
    assert "xero invoices@" in out and "rows read" in out  # progress per resource
    assert "Load summary" in out and "429s met 0" in out and "quarantined 0" in out
    invoices = len(json.loads((scenario / "xero" / "Invoices.json").read_text())["Invoices"])
    assert query(warehouse, "select count(*) from raw_xero.invoices") == [(invoices,)]
    assert query(warehouse, "select count(*) > 0 from raw_sage100.ar_invoice_history_header") == [(True,)]
    runs = query(warehouse, "select source, status, rows_total > 0 from raw_meta.load_runs order by source")
    assert runs == [("sage100", "ok", True), ("xero", "ok", True)]
    summary = json.loads((warehouse.parent / "tieout.last_load.json").read_text())
    assert [s["source"] for s in summary["sources"]] == ["xero", "sage100"]
    assert summary["sources"][0]["rows"]["invoices"] == invoices


def test_a_wrong_api_address_fails_fast_with_what_to_check(tmp_path, monkeypatch):
    import time

    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("SOURCES__XERO__TOKEN_URL", "http://127.0.0.1:9/connect/token")
    monkeypatch.setenv("SOURCES__KASHFLOW__BASE_URL", "http://127.0.0.1:9/v2")
    started = time.monotonic()
    xero = runner.invoke(app, ["load", "--source", "xero"])
    kashflow = runner.invoke(app, ["load", "--source", "kashflow"])
    assert time.monotonic() - started < 20  # no minutes of retrying a refused connection
    assert xero.exit_code == 1 and kashflow.exit_code == 1
    assert "cannot connect to the Xero token endpoint at http://127.0.0.1:9/connect/token" in xero.output
    assert "check sources.xero.token_url" in xero.output
    assert "cannot connect to KashFlow at http://127.0.0.1:9/v2/" in kashflow.output
    assert "sources.kashflow.base_url" in kashflow.output

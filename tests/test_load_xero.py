"""The Xero loader against the Xero sandbox server, into a real DuckDB warehouse."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.test_load_counts_support import XERO_FILES, expected_counts
from tests.test_load_xero_support import (
    generated_scenario,
    query,
    scenario_records,
    table_counts,
    variant_columns,
    write_xero_scenario,
    xero_sandbox,
    xero_settings,
)
from tieout.load import EXIT_STOPPED, run_load

pytestmark = pytest.mark.integration


def _env(monkeypatch: pytest.MonkeyPatch, handle, **extra) -> None:
    for key, value in xero_settings(handle, **extra).items():
        monkeypatch.setenv(key, value)


def _load(warehouse: Path, **kwargs):
    lines: list[str] = []
    report = run_load("xero", warehouse=warehouse, echo=lines.append, progress_interval=0, **kwargs)
    return report.results[0], lines


def _data_rows(summary: dict) -> dict[str, int]:
    return {t: n for t, n in summary["rows"].items() if not t.startswith("_")}


def test_full_load_matches_scenario_then_second_run_loads_nothing(tmp_path, monkeypatch):
    expected = write_xero_scenario(tmp_path / "scn", invoices=1500, payments=40, journals=120)
    warehouse = tmp_path / "w.duckdb"
    with xero_sandbox(tmp_path / "scn") as handle:
        _env(monkeypatch, handle)
        result, lines = _load(warehouse)
        assert result.status == "ok", result.message
        counts = table_counts(warehouse, "raw_xero")
        for table, count in expected["counts"].items():
            assert counts[table] == count, table
        total = query(warehouse, "select sum(total) from raw_xero.invoices")[0][0]
        assert Decimal(total) == expected["invoice_total"]
        paid = query(warehouse, "select sum(amount) from raw_xero.payments")[0][0]
        assert Decimal(paid) == expected["payment_total"]
        # money stays exact decimal, every row carries its tenant, states are kept as Xero sent them
        types = dict(
            query(
                warehouse,
                "select column_name, data_type from information_schema.columns "
                "where table_schema='raw_xero' and table_name='invoices'",
            )
        )
        assert types["total"].startswith("DECIMAL")
        assert query(warehouse, "select distinct tenant_id from raw_xero.invoices") == [
            (expected["tenant_id"],)
        ]
        statuses = {r[0] for r in query(warehouse, "select distinct status from raw_xero.invoices")}
        assert {"VOIDED", "DELETED", "PAID", "AUTHORISED"} <= statuses
        assert query(warehouse, "select count(*) from raw_xero.contacts where contact_status='ARCHIVED'") == [
            (1,)
        ]
        assert query(warehouse, "select count(*) from raw_xero.payments where status='DELETED'") == [(1,)]
        # progress lines name each resource with rows, pages and calls; the summary ends the output
        assert any("invoices@" in line and "2 pages" in line and "2 calls" in line for line in lines)
        assert "Load summary" in lines
        # paging needs ceil(rows/1000) calls per resource and no more
        calls = handle.app.state.sandbox.stats()["calls"]
        assert calls["GET Invoices"] == math.ceil(1500 / 1000)
        assert calls["GET Journals"] == math.ceil(120 / 100)
        first_loads = query(warehouse, "select count(distinct _dlt_load_id) from raw_xero.invoices")

        second, _ = _load(warehouse)
        assert second.status == "ok"
        assert _data_rows(second.summary) == {}, "a second run must load nothing new"
        assert table_counts(warehouse, "raw_xero") == counts
        assert query(warehouse, "select count(distinct _dlt_load_id) from raw_xero.invoices") == first_loads
        # one call per resource to learn that nothing changed
        assert second.summary["api_calls"] == 11


SUMS = {
    ("Invoices", "Total"): "select sum(total) from raw_xero.invoices",
    ("CreditNotes", "Total"): "select sum(total) from raw_xero.credit_notes",
    ("Payments", "Amount"): "select sum(amount) from raw_xero.payments",
    ("BankTransactions", "Total"): "select sum(total) from raw_xero.bank_transactions",
    ("Journals", "JournalLines.NetAmount"): "select sum(net_amount) from raw_xero.journals__journal_lines",
    (
        "ManualJournals",
        "JournalLines.LineAmount",
    ): "select sum(line_amount) from raw_xero.manual_journals__journal_lines",
}


def _file_sum(records: list[dict], field: str) -> Decimal:
    if "." in field:
        nested, name = field.split(".")
        return sum((Decimal(str(line[name])) for r in records for line in r.get(nested) or []), Decimal("0"))
    return sum((Decimal(str(r[field])) for r in records), Decimal("0"))


def test_generated_scenario_loads_with_exact_counts_and_sums_for_every_table(tmp_path, monkeypatch):
    scenario = generated_scenario(tmp_path / "scn", "xero", invoices=400)
    warehouse = tmp_path / "w.duckdb"
    with xero_sandbox(scenario) as handle:
        _env(monkeypatch, handle)
        result, _ = _load(warehouse)
    assert result.status == "ok", result.message
    counts = table_counts(warehouse, "raw_xero")
    for table, expected in expected_counts(scenario)["raw_xero"].items():
        assert counts.get(table, 0) == expected, table
    records = {name: scenario_records(scenario / "xero" / f"{name}.json") for name in XERO_FILES}
    for (name, field), sql in SUMS.items():
        loaded = query(warehouse, sql)[0][0] or 0
        assert Decimal(loaded) == _file_sum(records[name], field), (name, field)
    assert variant_columns(warehouse, "raw_xero") == []
    assert "_quarantine" not in counts


def test_change_in_sandbox_is_picked_up_by_next_incremental_run(tmp_path, monkeypatch):
    write_xero_scenario(tmp_path / "scn", invoices=40)
    warehouse = tmp_path / "w.duckdb"
    with xero_sandbox(tmp_path / "scn") as handle:
        _env(monkeypatch, handle)
        assert _load(warehouse)[0].status == "ok"
        before = table_counts(warehouse, "raw_xero")
        invoice_id, number = query(
            warehouse,
            "select invoice_id, invoice_number from raw_xero.invoices where status='AUTHORISED' limit 1",
        )[0]
        sandbox = handle.app.state.sandbox
        sandbox.clock.advance(5)
        token = httpx.post(
            f"{handle.url}/connect/token",
            data={"grant_type": "client_credentials"},
            auth=("tieout-sandbox", "sandbox-secret"),
        ).json()["access_token"]
        tenant = next(iter(sandbox.tenants.values())).tenant_id
        answer = httpx.post(
            f"{handle.url}/api.xro/2.0/Invoices/{invoice_id}",
            json={"InvoiceID": invoice_id, "Status": "VOIDED", "Reference": "changed in Xero"},
            headers={"Authorization": f"Bearer {token}", "xero-tenant-id": tenant},
        )
        assert answer.status_code == 200, answer.text

        result, _ = _load(warehouse)
        assert result.status == "ok"
        assert result.summary["rows"]["invoices"] == 1
        assert table_counts(warehouse, "raw_xero")["invoices"] == before["invoices"]
        assert query(
            warehouse, "select status, reference from raw_xero.invoices where invoice_number = ?", [number]
        ) == [("VOIDED", "changed in Xero")]


def test_malformed_records_are_quarantined_with_reason_and_payload(tmp_path, monkeypatch):
    expected = write_xero_scenario(
        tmp_path / "scn",
        invoices=20,
        malformed={
            "Invoices": [(3, "Total", "12.x0"), (5, "DueDate", "2024-02-30T00:00:00")],
            "Payments": [(2, "Amount", "lots")],
        },
    )
    warehouse = tmp_path / "w.duckdb"
    with xero_sandbox(tmp_path / "scn") as handle:
        _env(monkeypatch, handle)
        result, lines = _load(warehouse)
    assert result.status == "ok"
    assert result.summary["quarantined"] == expected["quarantined"] == 3
    assert table_counts(warehouse, "raw_xero")["invoices"] == expected["counts"]["invoices"] == 18
    rows = query(
        warehouse,
        "select resource, record_key, reason, raw_payload from raw_xero._quarantine "
        "order by resource, reason",
    )
    assert len(rows) == 3
    by_reason = {r[2]: r for r in rows}
    total = next(r for reason, r in by_reason.items() if reason.startswith("Total"))
    assert "'12.x0' is text, not a number" in total[2] and "INV-00003" in total[3]
    due = next(r for reason, r in by_reason.items() if reason.startswith("DueDate"))
    assert "not a valid date" in due[2] and due[0] == "invoices"
    assert any(r[0] == "payments" and "'lots'" in r[2] for r in rows)
    assert any("quarantined 3" in line for line in lines)


def test_several_tenants_load_into_one_warehouse_each_row_tagged(tmp_path, monkeypatch):
    one = write_xero_scenario(tmp_path / "a", invoices=15, seed=1, org_name="Alpha Ltd")
    two = write_xero_scenario(tmp_path / "b", invoices=25, seed=2, org_name="Beta Ltd")
    warehouse = tmp_path / "w.duckdb"
    with xero_sandbox([tmp_path / "a", tmp_path / "b"]) as handle:
        _env(monkeypatch, handle)
        result, _ = _load(warehouse)
    assert result.status == "ok"
    per_tenant = dict(query(warehouse, "select tenant_id, count(*) from raw_xero.invoices group by 1"))
    assert per_tenant == {one["tenant_id"]: 15, two["tenant_id"]: 25}
    assert query(warehouse, "select count(*) from raw_xero.organisation") == [(2,)]


def test_full_refresh_reloads_everything(tmp_path, monkeypatch):
    expected = write_xero_scenario(tmp_path / "scn", invoices=30)
    warehouse = tmp_path / "w.duckdb"
    with xero_sandbox(tmp_path / "scn") as handle:
        _env(monkeypatch, handle)
        assert _load(warehouse)[0].status == "ok"
        result, _ = _load(warehouse, full_refresh=True)
    assert result.status == "ok"
    assert result.summary["rows"]["invoices"] == expected["counts"]["invoices"]
    assert table_counts(warehouse, "raw_xero")["invoices"] == expected["counts"]["invoices"]


def test_daily_limit_stops_cleanly_and_resumes_without_loss(tmp_path, monkeypatch):
    from sandbox.xero.config import XeroLimits

    expected = write_xero_scenario(tmp_path / "scn", invoices=5000, contacts=5, payments=5)
    warehouse = tmp_path / "w.duckdb"
    with xero_sandbox(tmp_path / "scn", limits=XeroLimits(per_day=3)) as handle:
        _env(monkeypatch, handle, tables='["invoices"]')
        report = run_load("xero", warehouse=warehouse, echo=lambda _: None, progress_interval=0)
        first = report.results[0]
        assert report.exit_code == EXIT_STOPPED
        assert first.status == "stopped"
        assert "daily API call limit" in first.message and "run the load again" in first.message
        loaded = table_counts(warehouse, "raw_xero")["invoices"]
        assert loaded == 3000  # three pages kept
        # X-DayLimit-Remaining said 0 after the third call: the loader stopped without spending a 429
        assert first.summary["http_429"] == 0

        handle.app.state.sandbox.clock.advance(86_400)  # a day later
        calls_before = handle.app.state.sandbox.stats()["calls"]["GET Invoices"]
        second, _ = _load(warehouse)
        assert second.status == "ok", second.message
        resumed_calls = handle.app.state.sandbox.stats()["calls"]["GET Invoices"] - calls_before
    assert resumed_calls <= 3  # resumed from the cursor, not from the start
    assert table_counts(warehouse, "raw_xero")["invoices"] == expected["counts"]["invoices"]
    assert query(warehouse, "select count(distinct invoice_id) from raw_xero.invoices") == [(5000,)]


def test_daily_limit_429_says_when_to_resume(tmp_path, monkeypatch):
    from sandbox.xero.config import XeroLimits

    expected = write_xero_scenario(tmp_path / "scn", invoices=50)
    warehouse = tmp_path / "w.duckdb"
    with xero_sandbox(tmp_path / "scn", limits=XeroLimits(per_day=2)) as handle:
        _env(monkeypatch, handle, tables='["invoices", "contacts"]')
        sandbox = handle.app.state.sandbox
        tenant = next(iter(sandbox.tenants.values())).tenant_id
        token = httpx.post(
            f"{handle.url}/connect/token",
            data={"grant_type": "client_credentials"},
            auth=("tieout-sandbox", "sandbox-secret"),
        ).json()["access_token"]
        for _ in range(2):  # another app of the same organisation spends today's budget
            httpx.get(
                f"{handle.url}/api.xro/2.0/Organisation",
                headers={"Authorization": f"Bearer {token}", "xero-tenant-id": tenant},
            )
        first, _ = _load(warehouse)
        assert first.status == "stopped"
        assert first.summary["http_429"] >= 1
        assert "Xero answered 429 (X-Rate-Limit-Problem: day)" in first.message
        assert "run the load again after 20" in first.message  # a UTC timestamp follows
        assert first.summary["stopped"]["resume_at"]

        sandbox.clock.advance(86_400)
        second, _ = _load(warehouse)
    assert second.status == "ok"
    assert table_counts(warehouse, "raw_xero")["invoices"] == expected["counts"]["invoices"]

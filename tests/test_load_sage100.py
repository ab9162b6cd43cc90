"""The Sage 100 dlt source against the real ODBC sandbox and a real DuckDB warehouse."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dlt.common.normalizers.naming.snake_case import NamingConvention

from dlt_pipelines.sage100 import load_sage100
from dlt_pipelines.sage100.helpers import Sage100ConnectionError
from dlt_pipelines.sage100.load import Sage100ConfigError
from sandbox.sage100 import build
from sandbox.sage100.schema import TABLES
from tests.test_sage100_sandbox_support import copy_mini_scenario, csv_rows, generator_ready

pytestmark = pytest.mark.integration
NAMING = NamingConvention()


class Company:
    """A sandbox company, its warehouse and a way to change Sage 100 behind the loader's back."""

    def __init__(self, tmp_path: Path, scenario: Path | None = None) -> None:
        self.scenario = scenario or copy_mini_scenario(tmp_path)
        self.db = build.build_company(self.scenario, tmp_path / "company.db")
        self.warehouse = tmp_path / "warehouse" / "tieout.duckdb"
        self.pipelines = tmp_path / "pipelines"

    def load(self, **kwargs: Any) -> dict[str, Any]:
        return load_sage100(
            build.connection_string(self.db), warehouse=self.warehouse, pipelines_dir=self.pipelines, **kwargs
        )

    def sage(self, sql: str, *params: Any) -> int:
        """Change the company the way Sage 100 itself would (values padded like ProvideX stores them)."""
        conn = sqlite3.connect(self.db)
        try:
            changed = conn.execute(sql, params).rowcount
            conn.commit()
        finally:
            conn.close()
        return changed

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as conn:
            return conn.sql(sql).fetchall()

    def count(self, table: str) -> int:
        name = NAMING.normalize_table_identifier(table)
        exists = self.query(
            f"SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw_sage100' "
            f"AND table_name = '{name}'"
        )[0][0]
        return self.query(f"SELECT count(*) FROM raw_sage100.{name}")[0][0] if exists else 0


MALFORMED_TABLES = ["AR_OpenInvoice", "AR_InvoiceHistoryHeader", "AR_Customer"]
ABF_0100002 = "InvoiceNo = '0100002' AND InvoiceType = 'IN'"


def run(mode: str, rows: int = 0, quarantined: int = 0, closed: int = 0) -> dict[str, Any]:
    """One table's entry in the load summary."""
    return {"mode": mode, "rows": rows, "quarantined": quarantined, "closed": closed}


def pad(value: str, table: str, column: str) -> str:
    length = TABLES[table].column(column).length
    assert length is not None
    return value.ljust(length)


@pytest.fixture
def company(tmp_path: Path) -> Company:
    return Company(tmp_path)


def _assert_matches_csvs(company: Company) -> None:
    """Row counts and the exact sum of every decimal column equal the scenario's CSVs."""
    compared = 0
    for name, table in TABLES.items():
        rows = csv_rows(company.scenario, name)
        assert company.count(name) == len(rows), name
        if not rows:
            continue
        for column in table.columns:
            if column.kind != "decimal":
                continue
            expected = sum((Decimal(r[column.name] or 0) for r in rows), Decimal(0))
            got = company.query(
                f"SELECT sum({NAMING.normalize_identifier(column.name)}) "
                f"FROM raw_sage100.{NAMING.normalize_table_identifier(name)}"
            )[0][0]
            assert got == expected, (name, column.name)
            assert isinstance(got, Decimal)
            compared += 1
    assert compared >= 20


def test_full_load_equals_the_csvs(company: Company) -> None:
    summary = company.load()
    _assert_matches_csvs(company)
    assert summary["quarantined"] == 0 and summary["closed"] == 0
    assert summary["rows"] == sum(len(csv_rows(company.scenario, n)) for n in TABLES)
    assert summary["tables"]["AR_OpenInvoice"] == {
        "mode": "refresh",
        "rows": 6,
        "quarantined": 0,
        "closed": 0,
    }
    assert summary["tables"]["AR_Customer"]["mode"] == "full"
    assert summary["duration_seconds"] > 0 and summary["load_ids"]


def test_raw_values_are_typed_stripped_and_kept_as_sage_sent_them(company: Company) -> None:
    company.load(tables=["AR_Customer", "AR_OpenInvoice"])
    customers = company.query(
        "SELECT customer_no, customer_name, credit_limit, date_updated, time_updated, time_created, "
        "_updated_at FROM raw_sage100.ar_customer ORDER BY customer_no"
    )
    assert customers[0] == (
        "ABF",
        "Acme Bakery, Inc.",
        Decimal("5000.00"),
        dt.date(2026, 1, 15),
        "14.50833",
        "10.50000",
        dt.datetime(2026, 1, 15, 14, 30, 30),
    )
    # blank date kept as Premium's sentinel; the cursor falls back to the creation time
    assert customers[2][0] == "ZEN"
    assert customers[2][3] == dt.date(1753, 1, 1) and customers[2][4] == ""
    assert customers[2][6] == dt.datetime(2025, 9, 1, 8, 5, 30)
    assert customers[1][2] == Decimal("99999999999.99")
    types = dict(
        company.query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'raw_sage100' AND table_name = 'ar_open_invoice'"
        )
    )
    assert types["balance"] == "DECIMAL(13,2)"
    assert types["exchange_rate"] == "DECIMAL(16,8)"
    assert types["invoice_date"] == "DATE"
    assert types["_dlt_load_id"] == "VARCHAR"


def test_second_run_loads_nothing_new(company: Company) -> None:
    first = company.load()
    second = company.load()
    assert second["rows"] == 0 and second["quarantined"] == 0 and second["closed"] == 0
    assert second["tables"]["AR_Customer"]["mode"] == "incremental"
    assert second["tables"]["AR_OpenInvoice"]["mode"] == "refresh"
    loaded = company.query(
        f"SELECT count(*) FROM raw_sage100.ar_open_invoice WHERE _dlt_load_id <> '{first['load_ids'][0]}'"
    )
    assert loaded == [(0,)]
    _assert_matches_csvs(company)


def test_change_with_date_updated_is_picked_up_incrementally(company: Company) -> None:
    company.load(tables=["AR_Customer", "GL_Account"])
    company.sage(
        "UPDATE AR_Customer SET CustomerName = ?, CreditLimit = '7500', DateUpdated = '2026-02-01', "
        "TimeUpdated = '10.25000' WHERE CustomerNo = ?",
        pad("Acme Bakery Holdings", "AR_Customer", "CustomerName"),
        pad("ABF", "AR_Customer", "CustomerNo"),
    )
    # a change that Sage 100 made without touching DateUpdated is not seen by the incremental read
    company.sage(
        "UPDATE GL_Account SET AccountDesc = ? WHERE AccountKey = '000000001'",
        pad("Cash at First Bank", "GL_Account", "AccountDesc"),
    )
    summary = company.load(tables=["AR_Customer", "GL_Account"])
    assert summary["tables"]["AR_Customer"] == {
        "mode": "incremental",
        "rows": 1,
        "quarantined": 0,
        "closed": 0,
    }
    assert summary["tables"]["GL_Account"]["rows"] == 0
    assert summary["rows"] == 1
    assert company.query(
        "SELECT customer_name, credit_limit, _updated_at FROM raw_sage100.ar_customer "
        "WHERE customer_no = 'ABF'"
    ) == [("Acme Bakery Holdings", Decimal("7500.00"), dt.datetime(2026, 2, 1, 10, 15))]
    assert company.query(
        "SELECT account_desc FROM raw_sage100.gl_account WHERE account_key = '000000001'"
    ) == [("Cash in bank",)]
    assert company.count("AR_Customer") == 3
    # a row created later (DateCreated only) is picked up too, then nothing more
    company.sage(
        "INSERT INTO GL_Account SELECT '000000099', Account || 'X', AccountDesc, RawAccount, "
        "MainAccountCode, Status, AccountType, AccountGroup, AccountCategory, '2026-02-03', '9.00000 ', "
        "UserCreatedKey, '1753-01-01', '        ', UserUpdatedKey "
        "FROM GL_Account WHERE AccountKey = '000000006'"
    )
    assert company.load(tables=["AR_Customer", "GL_Account"])["tables"]["GL_Account"]["rows"] == 1
    assert company.count("GL_Account") == 7
    assert company.load(tables=["AR_Customer", "GL_Account"])["rows"] == 0


def test_open_item_balance_changed_without_date_updated_is_caught_by_refresh(company: Company) -> None:
    company.load(tables=["AR_OpenInvoice"])
    changed = company.sage(
        "UPDATE AR_OpenInvoice SET Balance = '607.5' WHERE InvoiceNo = '0100001' AND InvoiceType = 'IN'"
    )
    assert changed == 1
    # an incremental-only run misses it: DateUpdated did not move
    skipped = company.load(tables=["AR_OpenInvoice"], refresh_open_items=False)
    assert skipped["tables"]["AR_OpenInvoice"] == {
        "mode": "incremental",
        "rows": 0,
        "quarantined": 0,
        "closed": 0,
    }
    balance = "SELECT balance FROM raw_sage100.ar_open_invoice WHERE invoice_no = '0100001'"
    assert company.query(balance) == [(Decimal("1107.50"),)]
    # the scheduled refresh (every run by default) compares hashes and loads only the changed row
    caught = company.load(tables=["AR_OpenInvoice"])
    assert caught["tables"]["AR_OpenInvoice"] == {"mode": "refresh", "rows": 1, "quarantined": 0, "closed": 0}
    assert company.query(balance) == [(Decimal("607.50"),)]
    assert company.count("AR_OpenInvoice") == 6


def test_open_item_refresh_follows_its_schedule(company: Company) -> None:
    company.load(tables=["AP_OpenInvoice"])
    company.sage("UPDATE AP_OpenInvoice SET Balance = '0' WHERE InvoiceNo LIKE 'GPM-5502%'")
    not_due = company.load(tables=["AP_OpenInvoice"], refresh_open_items=None, full_refresh=False)
    assert not_due["tables"]["AP_OpenInvoice"]["mode"] == "refresh"  # default interval 0 h: every run
    assert not_due["tables"]["AP_OpenInvoice"]["rows"] == 1


def test_row_deleted_from_open_invoices_is_recorded_as_closed(company: Company) -> None:
    company.load(tables=["AR_OpenInvoice"])
    assert company.sage("DELETE FROM AR_OpenInvoice WHERE InvoiceNo = '0100004'") == 1
    summary = company.load(tables=["AR_OpenInvoice"])
    assert summary["tables"]["AR_OpenInvoice"] == {
        "mode": "refresh",
        "rows": 1,
        "quarantined": 0,
        "closed": 1,
    }
    assert summary["closed"] == 1
    rows = company.query(
        "SELECT invoice_no, balance, _is_open, _closed_at IS NOT NULL FROM raw_sage100.ar_open_invoice "
        "ORDER BY invoice_no, invoice_type"
    )
    assert len(rows) == 6
    closed = [r for r in rows if not r[2]]
    assert closed == [("0100004", Decimal("880.10"), False, True)]
    assert all(r[2] and not r[3] for r in rows if r[0] != "0100004")
    # nothing new on the next run; if the item comes back (payment reversed) it is open again
    assert company.load(tables=["AR_OpenInvoice"])["rows"] == 0
    company.sage(
        "INSERT INTO AR_OpenInvoice SELECT ARDivisionNo, CustomerNo, '0100004', 'IN', InvoiceDate, "
        "InvoiceDueDate, InvoiceDiscountDate, InvoiceHistoryHeaderSeqNo, PostingDate, CheckNo, TaxableAmt, "
        "NonTaxableAmt, SalesTaxAmt, FreightAmt, DiscountAmt, '880.1', CurrencyCode, ExchangeRate, "
        "DateCreated, TimeCreated, UserCreatedKey, DateUpdated, TimeUpdated, UserUpdatedKey "
        "FROM AR_OpenInvoice WHERE InvoiceNo = '0100005'"
    )
    reopened = company.load(tables=["AR_OpenInvoice"])
    assert reopened["tables"]["AR_OpenInvoice"]["rows"] == 1
    assert company.query(
        "SELECT _is_open, _closed_at FROM raw_sage100.ar_open_invoice WHERE invoice_no = '0100004'"
    ) == [(True, None)]


def test_malformed_rows_are_quarantined_and_the_load_goes_on(company: Company) -> None:
    company.load(tables=MALFORMED_TABLES)
    company.sage(f"UPDATE AR_OpenInvoice SET Balance = '12,34x' WHERE {ABF_0100002}")
    company.sage(
        "UPDATE AR_InvoiceHistoryHeader SET InvoiceDate = '2026-02-30', DateUpdated = '2026-02-02' "
        "WHERE InvoiceNo = '0100003'"
    )
    company.sage(
        "UPDATE AR_Customer SET TelephoneNo = ?, DateUpdated = '2026-02-02' WHERE CustomerNo LIKE 'ZEN%'",
        pad("503-555-0100", "AR_Customer", "TelephoneNo"),
    )
    summary = company.load(tables=MALFORMED_TABLES)
    assert summary["quarantined"] == 2
    assert summary["tables"]["AR_OpenInvoice"]["quarantined"] == 1
    assert summary["tables"]["AR_InvoiceHistoryHeader"] == run("incremental", quarantined=1)
    assert summary["tables"]["AR_Customer"]["rows"] == 1  # the good change in the same run is loaded
    quarantine = company.query(
        "SELECT source, resource, record_key, reason, raw_payload FROM raw_sage100._quarantine "
        "ORDER BY resource"
    )
    assert [q[:2] for q in quarantine] == [
        ("sage100", "AR_InvoiceHistoryHeader"),
        ("sage100", "AR_OpenInvoice"),
    ]
    header, open_invoice = quarantine
    assert "InvoiceDate" in header[3] and "not a valid date" in header[3]
    assert header[2] == "0100003\x1f000000"
    assert "Balance: '12,34x' is not a number" in open_invoice[3]
    payload = json.loads(open_invoice[4])
    assert payload["Balance"] == "12,34x" and payload["CustomerNo"].startswith("ABF ")
    # the quarantined open item keeps its last good version and stays open (not mistaken for paid off)
    assert company.query(
        "SELECT balance, _is_open FROM raw_sage100.ar_open_invoice WHERE invoice_no = '0100002' "
        "AND invoice_type = 'IN'"
    ) == [(Decimal("542.50"), True)]
    # once fixed in Sage the record loads; the impossible date is still there and reported again
    company.sage(f"UPDATE AR_OpenInvoice SET Balance = '500' WHERE {ABF_0100002}")
    again = company.load(tables=MALFORMED_TABLES)
    assert again["tables"]["AR_OpenInvoice"] == run("refresh", rows=1)
    assert again["quarantined"] == 1
    assert company.query(
        "SELECT balance FROM raw_sage100.ar_open_invoice WHERE invoice_no = '0100002' AND invoice_type = 'IN'"
    ) == [(Decimal("500.00"),)]
    # the quarantine table is merged on a stable id: the same bad record is not stored twice
    assert company.query("SELECT count(*) FROM raw_sage100._quarantine") == [(2,)]


def test_malformed_row_on_first_load_is_not_loaded(company: Company) -> None:
    company.sage("UPDATE AP_OpenInvoice SET InvoiceAmt = 'n/a' WHERE InvoiceNo LIKE 'GPM-5501%'")
    summary = company.load(tables=["AP_OpenInvoice"])
    assert summary["tables"]["AP_OpenInvoice"] == {
        "mode": "refresh",
        "rows": 1,
        "quarantined": 1,
        "closed": 0,
    }
    assert company.query("SELECT invoice_no FROM raw_sage100.ap_open_invoice") == [("GPM-5502",)]


def test_connection_string_from_dlt_environment(company: Company, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__SAGE100__CONNECTION_STRING", build.connection_string(company.db))
    summary = load_sage100(
        warehouse=company.warehouse, pipelines_dir=company.pipelines, tables=["AR_Division"]
    )
    assert summary["tables"]["AR_Division"]["rows"] == 2
    assert company.count("AR_Division") == 2


def test_missing_or_wrong_connection_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCES__SAGE100__CONNECTION_STRING", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Sage100ConfigError, match="SOURCES__SAGE100__CONNECTION_STRING"):
        load_sage100(warehouse=tmp_path / "w.duckdb", pipelines_dir=tmp_path / "p")
    missing = build.connection_string(tmp_path / "no-such-company.db")
    with pytest.raises(Sage100ConnectionError, match="cannot open the Sage 100 ODBC connection"):
        load_sage100(
            missing, warehouse=tmp_path / "w.duckdb", pipelines_dir=tmp_path / "p", tables=["AR_Division"]
        )


@pytest.mark.skipif(not generator_ready(), reason="no scenario generator yet")
def test_generated_small_scenario_loads_exactly(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tieout.cli import app

    scenario = tmp_path / "gen"
    result = CliRunner().invoke(app, ["sandbox", "generate", "--out", str(scenario), "--size", "small"])
    assert result.exit_code == 0, result.output
    company = Company(tmp_path, scenario)
    summary = company.load()
    assert summary["quarantined"] == 0
    _assert_matches_csvs(company)
    assert company.load()["rows"] == 0

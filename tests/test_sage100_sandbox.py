"""The Sage 100 sandbox: built from a scenario's CSVs, read through pyodbc like production reads Sage 100."""

from __future__ import annotations

import datetime as dt
import os
import random
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sandbox.sage100 import build, odbc
from sandbox.sage100.quirks import decimal_hours
from sandbox.sage100.schema import BLANK_DATE, TABLES
from tests.test_sage100_sandbox_support import (
    MINI_SCENARIO,
    copy_mini_scenario,
    csv_rows,
    generator_ready,
    write_csv,
)
from tieout.cli import app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def mini_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build.build_company(MINI_SCENARIO, tmp_path_factory.mktemp("sage100") / "company.db")


def _fetch(db: Path, sql: str, *params: object) -> tuple[list[str], list[tuple]]:
    with odbc.connect(db) as conn:
        cur = conn.cursor()
        cur.execute(sql, *params)
        return [d[0] for d in cur.description], [tuple(r) for r in cur.fetchall()]


def _count(db: Path, sql: str, *params: object) -> int:
    """A COUNT(*) through the driver (StepAPI=1 returns computed columns as text)."""
    return int(_fetch(db, sql, *params)[1][0][0])


def _expected(column_kind: str, text: str) -> object:
    """What a CSV cell should look like once it went through the sandbox and back (stripped)."""
    if column_kind == "date":
        return dt.date.fromisoformat(text) if text.strip() else dt.date.fromisoformat(BLANK_DATE)
    if column_kind == "decimal":
        return Decimal(text) if text.strip() else Decimal(0)
    return text


def test_connection_string_is_dsn_less_sqlite3(mini_db: Path) -> None:
    conn_str = build.connection_string(mini_db)
    assert conn_str.startswith("Driver={SQLite3};")
    assert f"Database={mini_db.resolve()};" in conn_str
    assert "DSN=" not in conn_str


def test_every_table_exists_with_csv_row_counts(mini_db: Path) -> None:
    for name in TABLES:
        assert _count(mini_db, f"SELECT COUNT(*) FROM {name}") == len(csv_rows(MINI_SCENARIO, name)), name
    # the fixture exercises several non-empty tables and some missing CSVs (empty tables)
    assert sum(1 for n in TABLES if csv_rows(MINI_SCENARIO, n)) >= 8
    assert any(not csv_rows(MINI_SCENARIO, n) for n in TABLES)


def test_columns_and_declared_types_in_odbc_catalog(mini_db: Path) -> None:
    with odbc.connect(mini_db) as conn:
        described = conn.cursor().columns(table="AR_OpenInvoice")
        catalog = {(c.column_name, c.type_name.lower()) for c in described}
    table = TABLES["AR_OpenInvoice"]
    expected = {(c.name, "varchar(8)" if c.kind == "time" else c.type) for c in table.columns}
    assert catalog == expected


def test_values_round_trip_with_sage_types(mini_db: Path) -> None:
    """Every cell of every CSV comes back typed: dates as date, decimals exactly, strings padded."""
    checked = 0
    for name, table in TABLES.items():
        rows = csv_rows(MINI_SCENARIO, name)
        if not rows:
            continue
        columns, fetched = _fetch(mini_db, f"SELECT * FROM {name}")
        assert columns == table.column_names
        by_key = {tuple(str(r[columns.index(k)]).rstrip() for k in table.key): r for r in fetched}
        for csv_row in rows:
            got = by_key[tuple(csv_row[k] for k in table.key)]
            for column, value in zip(table.columns, got, strict=True):
                text = csv_row[column.name]
                if column.kind == "varchar":
                    assert isinstance(value, str)
                    assert len(value) == column.length, (name, column.name, value)
                    assert value.rstrip() == text
                elif column.kind == "date":
                    assert isinstance(value, dt.date)
                    assert value == _expected("date", text)
                elif column.kind == "decimal":
                    assert isinstance(value, str | float | Decimal)
                    assert Decimal(str(value)).quantize(Decimal(1).scaleb(-column.scale)) == _expected(
                        "decimal", text
                    )
                else:
                    assert isinstance(value, str) and len(value) == 8
                checked += 1
    assert checked > 500


def test_decimals_survive_exactly_up_to_fifteen_significant_digits(tmp_path: Path) -> None:
    scenario = copy_mini_scenario(tmp_path)
    rng = random.Random(7)
    template = csv_rows(scenario, "AR_OpenInvoice")[0]
    rows, expected = [], {}
    for i in range(300):
        balance = Decimal(rng.randint(-(10**13) + 1, 10**13 - 1)).scaleb(-2)
        rate = Decimal(rng.randint(1, 10**15 - 1)).scaleb(-rng.randint(8, 14)).quantize(Decimal("1e-8"))
        invoice = f"{i:07d}"
        rows.append({**template, "InvoiceNo": invoice, "Balance": str(balance), "ExchangeRate": str(rate)})
        expected[invoice] = (balance, rate)
    write_csv(scenario, "AR_OpenInvoice", rows)
    db = build.build_company(scenario)
    _, fetched = _fetch(db, "SELECT InvoiceNo, Balance, ExchangeRate FROM AR_OpenInvoice")
    cent, rate_unit = Decimal("0.01"), Decimal("1e-8")
    got = {r[0]: (Decimal(r[1]).quantize(cent), Decimal(r[2]).quantize(rate_unit)) for r in fetched}
    assert got == expected


def test_odbc_date_escapes_filter(mini_db: Path) -> None:
    rows = csv_rows(MINI_SCENARIO, "AR_OpenInvoice")
    in_january = sorted(
        r["InvoiceNo"] + r["InvoiceType"] for r in rows if "2026-01-01" <= r["InvoiceDate"] <= "2026-01-31"
    )
    assert 0 < len(in_january) < len(rows)
    _, got = _fetch(
        mini_db,
        "SELECT InvoiceNo, InvoiceType FROM AR_OpenInvoice "
        "WHERE InvoiceDate >= {d '2026-01-01'} AND InvoiceDate <= {d '2026-01-31'}",
    )
    assert sorted(a + b for a, b in got) == in_january
    sql = "SELECT COUNT(*) FROM AR_OpenInvoice WHERE InvoiceDate >= ?"
    assert _count(mini_db, sql, dt.date(2026, 1, 1)) == len(in_january)


def test_blank_dates_are_the_1753_sentinel(mini_db: Path) -> None:
    blanks = [r for r in csv_rows(MINI_SCENARIO, "AR_OpenInvoice") if not r["InvoiceDiscountDate"]]
    assert blanks
    sentinel = "SELECT COUNT(*) FROM AR_OpenInvoice WHERE InvoiceDiscountDate = {d '1753-01-01'}"
    assert _count(mini_db, sentinel) == len(blanks)
    assert _count(mini_db, "SELECT COUNT(*) FROM AR_OpenInvoice WHERE InvoiceDiscountDate IS NULL") == 0


def test_times_are_decimal_hour_strings(mini_db: Path) -> None:
    # the fixture writes ZEN's TimeCreated as a clock time 8:05:30; Sage keeps decimal hours
    _, got = _fetch(mini_db, "SELECT TimeCreated, TimeUpdated FROM AR_Customer WHERE CustomerNo LIKE 'ZEN%'")
    assert got == [("8.09167 ", " " * 8)]
    _, abf = _fetch(mini_db, "SELECT TimeUpdated FROM AR_Customer WHERE CustomerNo LIKE 'ABF%'")
    assert abf[0][0] == "14.50833" == decimal_hours(14, 30, 30)
    hours = Decimal(abf[0][0])
    assert round(hours * 3600) == 14 * 3600 + 30 * 60 + 30


def test_missing_csv_is_an_empty_table(tmp_path: Path) -> None:
    scenario = copy_mini_scenario(tmp_path)
    (scenario / "sage100" / "AP_Vendor.csv").unlink()
    db = build.build_company(scenario)
    assert db == (scenario / "sage100.db").resolve()
    columns, rows = _fetch(db, "SELECT * FROM AP_Vendor")
    assert rows == [] and columns == TABLES["AP_Vendor"].column_names


def test_rebuild_replaces_database_atomically(tmp_path: Path) -> None:
    scenario = copy_mini_scenario(tmp_path)
    db = build.build_company(scenario)
    rows = csv_rows(scenario, "AR_OpenInvoice")
    write_csv(scenario, "AR_OpenInvoice", rows[:2])
    assert build.build_company(scenario) == db
    assert _count(db, "SELECT COUNT(*) FROM AR_OpenInvoice") == 2
    # a failing build leaves the previous company in place and no temporary files behind
    write_csv(scenario, "AR_OpenInvoice", [*rows[:2], {**rows[2], "Balance": "12,5"}])
    with pytest.raises(build.ScenarioError):
        build.build_company(scenario)
    assert _count(db, "SELECT COUNT(*) FROM AR_OpenInvoice") == 2
    assert sorted(p.name for p in scenario.iterdir()) == ["manifest.json", "sage100", "sage100.db"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("Balance", "12,5", "column Balance: '12,5' is not a number that fits decimal(13,2)"),
        ("Balance", "abc", "column Balance: 'abc' is not a number"),
        ("Balance", "1.234", "decimal(13,2)"),
        ("Balance", "123456789012.00", "decimal(13,2)"),
        ("ExchangeRate", "1234567.123456789", "decimal(16,8)"),
        ("ExchangeRate", "12345678.12345678", "more than 15 significant digits"),
        ("InvoiceDate", "2026-02-30", "column InvoiceDate: '2026-02-30' is not a date"),
        ("InvoiceDate", "01/31/2026", "column InvoiceDate: '01/31/2026' is not a date"),
        ("InvoiceNo", "01000011", "column InvoiceNo: '01000011' is 8 characters, longer than varchar(7)"),
        ("TimeUpdated", "25.00000", "column TimeUpdated: '25.00000' is not a time of day"),
        ("TimeUpdated", "noon", "column TimeUpdated: 'noon' is not a time"),
    ],
)
def test_bad_value_names_file_line_and_column(tmp_path: Path, column: str, value: str, message: str) -> None:
    scenario = copy_mini_scenario(tmp_path)
    rows = csv_rows(scenario, "AR_OpenInvoice")
    rows[3][column] = value
    write_csv(scenario, "AR_OpenInvoice", rows)
    with pytest.raises(build.ScenarioError) as err:
        build.build_company(scenario)
    assert "AR_OpenInvoice.csv:5: " in str(err.value)
    assert message in str(err.value)


def test_header_mismatch_is_reported(tmp_path: Path) -> None:
    scenario = copy_mini_scenario(tmp_path)
    path = scenario / "sage100" / "AR_Customer.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("CustomerName", "Name")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(build.ScenarioError) as err:
        build.build_company(scenario)
    text = str(err.value)
    assert "AR_Customer.csv:1: header does not match AR_Customer" in text
    assert "missing columns CustomerName" in text and "unknown columns Name" in text


def test_short_row_and_duplicate_key_are_reported(tmp_path: Path) -> None:
    scenario = copy_mini_scenario(tmp_path)
    path = scenario / "sage100" / "GL_Account.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    with pytest.raises(build.ScenarioError, match=r"GL_Account.csv:8: duplicate key \(AccountKey\)"):
        build.build_company(scenario)
    path.write_text("\n".join([*lines, "000000099,9999-00-00"]) + "\n", encoding="utf-8")
    with pytest.raises(build.ScenarioError, match=r"GL_Account.csv:8: 2 fields, the header has 15"):
        build.build_company(scenario)


def test_unknown_csv_and_missing_folder_are_reported(tmp_path: Path) -> None:
    scenario = copy_mini_scenario(tmp_path)
    (scenario / "sage100" / "AR_Customers.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(build.ScenarioError, match="AR_Customers.csv not Sage 100 tables"):
        build.build_company(scenario)
    with pytest.raises(build.ScenarioError, match="sage100 does not exist"):
        build.build_company(tmp_path / "nowhere")


def test_connect_refuses_a_missing_company(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="tieout sandbox sage100"):
        odbc.connect(tmp_path / "absent.db")


def test_cli_builds_and_prints_connection_string(tmp_path: Path) -> None:
    scenario = copy_mini_scenario(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["sandbox", "sage100", "--scenario", str(scenario)])
    assert result.exit_code == 0, result.output
    db = (scenario / "sage100.db").resolve()
    assert result.output.strip() == build.connection_string(db)
    assert _count(db, "SELECT COUNT(*) FROM AR_Customer") == 3
    (scenario / "sage100" / "AR_Division.csv").write_text("ARDivisionNo\n00\n", encoding="utf-8")
    bad = runner.invoke(app, ["sandbox", "sage100", "--scenario", str(scenario)])
    assert bad.exit_code == 2
    assert "AR_Division.csv:1: header does not match" in bad.output


def test_sqlite_file_is_a_plain_company_database(mini_db: Path) -> None:
    """Other tools (the VI import simulator) can open the same file with sqlite3."""
    conn = sqlite3.connect(mini_db)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()
    assert names == set(TABLES)


@pytest.mark.skipif(not generator_ready(), reason="no scenario generator yet")
def test_generated_small_scenario_builds(tmp_path: Path) -> None:
    scenario = tmp_path / "gen"
    runner = CliRunner()
    args = ["sandbox", "generate", "--out", str(scenario), "--size", "small", "--seed", "3"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    db = build.build_company(scenario, tmp_path / "gen.db")
    for name in TABLES:
        assert _count(db, f"SELECT COUNT(*) FROM {name}") == len(csv_rows(scenario, name)), name
    assert len(csv_rows(scenario, "AR_OpenInvoice")) > 0
    _, typed = _fetch(db, "SELECT InvoiceDate, Balance FROM AR_OpenInvoice")
    assert all(isinstance(d, dt.date) for d, _ in typed)
    assert all(Decimal(b) == Decimal(b).quantize(Decimal("0.01")) for _, b in typed)
    assert os.path.getsize(db) > 0

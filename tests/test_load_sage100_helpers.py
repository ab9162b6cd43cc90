"""Turning what an ODBC driver returns for Sage 100 into exact, typed Arrow rows (no database needed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from dlt_pipelines.sage100 import helpers
from sandbox.sage100.schema import TABLES

INVOICES = TABLES["AR_OpenInvoice"]


def invoice(**values: Any) -> tuple[Any, ...]:
    """A raw AR_OpenInvoice row as a ProvideX-style driver returns it (padded strings, text numbers)."""
    row: dict[str, Any] = {}
    for column in INVOICES.columns:
        if column.kind == "varchar":
            row[column.name] = "".ljust(column.length or 0)
        elif column.kind == "decimal":
            row[column.name] = "0"
        elif column.kind == "date":
            row[column.name] = dt.date(1753, 1, 1)
        else:
            row[column.name] = "        "
    row.update(
        ARDivisionNo="00",
        CustomerNo="ABF".ljust(20),
        InvoiceNo="0100001",
        InvoiceType="IN",
        InvoiceDate=dt.date(2026, 1, 5),
        DateCreated=dt.date(2026, 1, 5),
        TimeCreated="9.10000 ",
    )
    row.update(values)
    return tuple(row[c] for c in INVOICES.column_names)


def test_strings_lose_trailing_spaces_only() -> None:
    batch = helpers.convert_batch(INVOICES, [invoice(CheckNo="  4411    ")])
    assert batch.good["CustomerNo"].to_pylist() == ["ABF"]
    assert batch.good["CheckNo"].to_pylist() == ["  4411"]
    assert batch.good["TimeCreated"].to_pylist() == ["9.10000"]


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("1107.5", Decimal("1107.50")),
        ("100", Decimal("100.00")),
        ("-0", Decimal("0.00")),
        ("2.345", Decimal("2.35")),  # ROUND_HALF_UP, explicitly
        ("-2.345", Decimal("-2.35")),
        ("1.0e-06", Decimal("0.00")),
        (Decimal("12.345"), Decimal("12.35")),
        (0.1 + 0.2, Decimal("0.30")),  # a float through its shortest repr, not its binary expansion
        (1107.5, Decimal("1107.50")),
        (42, Decimal("42.00")),
        ("99999999999.99", Decimal("99999999999.99")),
    ],
)
def test_decimals_are_exact_whatever_the_driver_sends(sent: Any, expected: Decimal) -> None:
    batch = helpers.convert_batch(INVOICES, [invoice(Balance=sent)])
    assert batch.bad == []
    got = batch.good["Balance"].to_pylist()[0]
    assert got == expected and got.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        ("12,34x", "Balance: '12,34x' is not a number"),
        ("", "Balance: '' is not a number"),
        (float("nan"), "Balance: nan is not a number"),
        (True, "Balance: True is not a number"),
        ("999999999999.99", "Balance: '999999999999.99' does not fit decimal(13,2)"),
    ],
)
def test_unreadable_numbers_are_set_aside_with_the_reason(sent: Any, reason: str) -> None:
    good_row = invoice(InvoiceNo="0100002")
    batch = helpers.convert_batch(INVOICES, [invoice(Balance=sent), good_row])
    assert batch.good.num_rows == 1
    assert batch.good["InvoiceNo"].to_pylist() == ["0100002"]
    [(raw, why, key)] = batch.bad
    assert why == reason
    if not isinstance(sent, float):  # NaN never equals itself
        assert raw["Balance"] == sent
    assert raw["CustomerNo"] == "ABF".ljust(20)  # the payload is what the driver sent
    assert raw["InvoiceDate"] == "2026-01-05"
    assert key == "00\x1fABF\x1f0100001\x1fIN"


def test_dates_from_datetimes_and_text_and_unreadable_ones() -> None:
    rows = [
        invoice(InvoiceNo="1", InvoiceDueDate=dt.datetime(2026, 2, 4, 0, 0)),
        invoice(InvoiceNo="2", InvoiceDueDate="2026-02-04"),
        invoice(InvoiceNo="3", InvoiceDueDate="2026-02-30"),
        invoice(InvoiceNo="4", InvoiceDate=None),
    ]
    batch = helpers.convert_batch(INVOICES, rows)
    assert batch.good["InvoiceNo"].to_pylist() == ["1", "2"]
    assert batch.good["InvoiceDueDate"].to_pylist() == [dt.date(2026, 2, 4)] * 2
    reasons = {raw["InvoiceNo"]: why for raw, why, _ in batch.bad}
    assert reasons["3"] == "InvoiceDueDate: '2026-02-30' is not a date"
    assert reasons["4"] == "InvoiceDate: empty or not a valid date (the driver returned None)"


def test_updated_at_combines_date_and_decimal_hours() -> None:
    rows = [
        invoice(InvoiceNo="1", DateUpdated=dt.date(2026, 1, 15), TimeUpdated="14.50833"),
        invoice(InvoiceNo="2", TimeCreated="23.99972"),  # blank DateUpdated (sentinel): created time
        invoice(InvoiceNo="3", DateUpdated=dt.date(2026, 1, 6), TimeUpdated="        "),  # blank = midnight
        invoice(InvoiceNo="4", DateCreated=None, TimeCreated=""),  # ProvideX's NULL blank date
        invoice(InvoiceNo="5", DateUpdated=dt.date(2026, 1, 7), TimeUpdated="noon"),
        invoice(InvoiceNo="6", DateUpdated=dt.date(2026, 1, 7), TimeUpdated="24.5"),
    ]
    batch = helpers.convert_batch(INVOICES, rows)
    assert batch.good["_updated_at"].to_pylist() == [
        dt.datetime(2026, 1, 15, 14, 30, 30),
        dt.datetime(2026, 1, 5, 23, 59, 59),
        dt.datetime(2026, 1, 6, 0, 0),
        None,
    ]
    reasons = sorted(why for _, why, _ in batch.bad)
    assert reasons == [
        "TimeUpdated: '24.5' is not a time in decimal hours",
        "TimeUpdated: 'noon' is not a time in decimal hours",
    ]
    assert helpers.decimal_hours_seconds("14.50833") == 14 * 3600 + 30 * 60 + 30
    assert helpers.decimal_hours_seconds(" ") == 0


def test_row_hashes_follow_content_and_keys_match_loaded_form() -> None:
    rows = [invoice(InvoiceNo="1"), invoice(InvoiceNo="1"), invoice(InvoiceNo="1", Balance="0.01")]
    hashes = helpers.convert_batch(INVOICES, rows).good["_row_hash"].to_pylist()
    assert hashes[0] == hashes[1] != hashes[2]
    assert hashes == helpers.convert_batch(INVOICES, rows).good["_row_hash"].to_pylist()
    receipts = TABLES["AR_CashReceiptsHistory"]
    blank = {"decimal": "0", "date": dt.date(1753, 1, 1), "time": "        ", "varchar": "A "}
    dates = {"DepositDate": dt.date(2026, 1, 15), "DateCreated": dt.date(2026, 1, 15)}
    batch = helpers.convert_batch(
        receipts, [tuple(dates.get(c.name, blank[c.kind]) for c in receipts.columns)]
    )
    assert batch.bad == []
    [key] = helpers.key_strings(receipts, batch.good)
    assert key == helpers.key_string(["A", dt.date(2026, 1, 15), "A", "A", "A", "A", "A", "A", "A"])
    assert key.split("\x1f")[1] == "2026-01-15"


def test_queries_read_one_table_filtered_with_odbc_date_escapes() -> None:
    assert helpers.select_sql(INVOICES).startswith("SELECT ARDivisionNo, CustomerNo, InvoiceNo")
    assert helpers.select_sql(INVOICES).endswith(" FROM AR_OpenInvoice")
    since = helpers.select_sql(INVOICES, dt.date(2026, 1, 31))
    assert since.endswith(
        " FROM AR_OpenInvoice WHERE DateCreated >= {d '2026-01-31'} OR DateUpdated >= {d '2026-01-31'}"
    )
    assert "JOIN" not in since.upper()


def test_column_hints_carry_sage_types() -> None:
    hints = helpers.column_hints(INVOICES)
    assert hints["Balance"] == {
        "name": "Balance",
        "nullable": True,
        "data_type": "decimal",
        "precision": 13,
        "scale": 2,
    }
    assert hints["InvoiceDate"]["nullable"] is False and hints["InvoiceDate"]["data_type"] == "date"
    assert hints["CustomerNo"]["nullable"] is False
    assert hints["_updated_at"]["timezone"] is False
    assert hints["_is_open"]["data_type"] == "bool"

"""Exceptions page: filters, paging, the side-by-side drill-down with differing fields, notes and
reconciling items (recorded through writeback with the signed-in user), CSV and Excel exports."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from app import ui
from app.data import exceptions as ex
from app.data.warehouse import Reader
from tests.test_app_support import click, frame_with, make_warehouse, signed_in_app, texts
from writeback import audit
from writeback.warehouse import connect


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = make_warehouse(tmp_path / "wh.duckdb")
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(path))
    return path


def test_filters_narrow_the_list(warehouse: Path) -> None:
    reader = Reader(warehouse)
    frame, total = ex.page(reader, ex.ExceptionFilter(), 0, 50)
    assert total == 7 and frame.iloc[0]["exception_id"] == "E-MIS"  # largest amount first
    assert ex.page(reader, ex.ExceptionFilter(period="2026-01"), 0, 50)[1] == 3
    assert ex.page(reader, ex.ExceptionFilter(types=("amount_mismatch",)), 0, 50)[1] == 1
    assert ex.page(reader, ex.ExceptionFilter(severities=("low", "medium")), 0, 50)[1] == 2
    assert ex.page(reader, ex.ExceptionFilter(min_amount=100, max_amount=600), 0, 50)[1] == 2
    assert ex.page(reader, ex.ExceptionFilter(party="zen"), 0, 50)[1] == 1
    aged = ex.page(reader, ex.ExceptionFilter(min_age_days=20), 0, 50)[0]
    assert set(aged["exception_id"]) == {"E-AMT", "E-MIS", "E-GJ"}  # January, 28 days before 2026-02-28
    assert ex.page(reader, ex.ExceptionFilter(search="IN0999"), 0, 50)[0]["exception_id"].tolist() == [
        "E-SRC"
    ]
    second, total = ex.page(reader, ex.ExceptionFilter(), 1, 3)
    assert total == 7 and len(second) == 3


def test_side_by_side_highlights_the_fields_that_differ(warehouse: Path) -> None:
    reader = Reader(warehouse)
    pair = ex.side_by_side(reader, ex.get(reader, "E-AMT"))
    assert pair.kind == "document" and pair.left["system"] == "xero" and pair.right["system"] == "sage100"
    assert set(pair.differing) == {
        "document_number",
        "subtotal_amount",
        "tax_amount",
        "total_amount",
        "amount_due",
    }
    row = pair.comparison.set_index("field").loc["total_amount"]
    assert (row["left"], row["right"]) == ("1200.00", "1150.00")
    alone = ex.side_by_side(reader, ex.get(reader, "E-MIS"))
    assert alone.left["document_number"] == "INV-1002" and alone.right is None and alone.differing == []
    party = ex.side_by_side(reader, ex.get(reader, "E-MD"))
    assert party.kind == "party" and party.differing == ["party_code", "email"]
    item = ex.side_by_side(reader, ex.get(reader, "E-INV"))
    assert item.kind == "item" and item.differing == ["quantity_on_hand"]
    payment = ex.side_by_side(reader, ex.get(reader, "E-PAY"))
    assert payment.kind == "payment" and payment.left["amount"] == Decimal("500.00")
    journal = ex.side_by_side(reader, ex.get(reader, "E-GJ"))
    assert journal.extra is not None and len(journal.extra) == 2


def test_open_an_exception_add_a_note_and_mark_a_reconciling_item(warehouse: Path) -> None:
    at = signed_in_app("preparer", "exceptions")
    assert "Rows 1–7 of 7" in " ".join(texts(at, "caption"))
    at.selectbox(key="exc_open").select("E-AMT").run()
    assert (
        "Fields that differ: **document_number**, **subtotal_amount**, **tax_amount**, **total_amount**, "
        "**amount_due**" in texts(at, "markdown")
    )
    side = frame_with(at, "differs")
    assert list(side.columns) == ["field", "xero INV-1001", "sage100 IN1001", "differs"]
    at.text_area(key="exc_note").input("Freight of 50.00 charged in Xero only; credit note requested")
    click(at, "Add note")
    assert "note added by preparer" in texts(at, "success")
    at.selectbox(key="exc_open").select("E-AMT").run()
    notes = frame_with(at, "note")
    assert notes.iloc[0]["who"] == "preparer" and notes.iloc[0]["role"] == "preparer"
    at.selectbox(key="exc_open").select("E-SRC").run()
    at.text_area(key="exc_item_text").input("Cash sale entered in Sage 100 only; Xero gets it in March")
    click(at, "Mark as reconciling item (carries forward)")
    assert any("reconciling item by preparer" in t for t in texts(at, "success"))
    with connect(warehouse) as con:
        actions = [(e.actor, e.action, e.object) for e in audit.entries(con)]
    assert ("preparer", "note", "exception:E-AMT") in actions
    assert ("preparer", "mark_reconciling_item", "exception:E-SRC") in actions
    reader = Reader(warehouse)
    reviewed = ex.page(reader, ex.ExceptionFilter(review=("explained", "reconciling item")), 0, 50)[0]
    assert dict(zip(reviewed["exception_id"], reviewed["review"], strict=True)) == {
        "E-AMT": "explained",
        "E-SRC": "reconciling item",
    }


def test_a_reconciling_item_carries_forward_to_later_periods(warehouse: Path) -> None:
    from writeback import review

    review.mark_reconciling_item(
        "E-MIS",
        "timing: posted in Sage 100 in March",
        who="pat",
        role="preparer",
        period="2026-01",
        warehouse=warehouse,
    )
    feb = ex.page(Reader(warehouse), ex.ExceptionFilter(period="2026-02"), 0, 50)[0]
    assert "E-MIS" in set(feb["exception_id"])  # January's item is shown in February too
    assert feb.set_index("exception_id").loc["E-MIS", "review"] == "reconciling item"


def test_an_empty_note_is_refused_with_a_message(warehouse: Path) -> None:
    at = signed_in_app("preparer", "exceptions")
    at.selectbox(key="exc_open").select("E-AMT").run()
    click(at, "Add note")
    assert texts(at, "error") == ["a note needs some text"]


def test_filters_on_the_page_and_paging(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIEOUT_PAGE_SIZE", "3")
    at = signed_in_app("approver", "exceptions")
    assert len(frame_with(at, "review")) == 3
    click(at, "Next ▶")
    assert "Rows 4–6 of 7 · page 2 of 3" in " ".join(texts(at, "caption"))
    at.multiselect(key="exc_types").select("missing_in_source").run()
    assert frame_with(at, "review")["exception_id"].tolist() == ["E-SRC"]
    assert "Rows 1–1 of 1 · page 1 of 1" in " ".join(texts(at, "caption"))


def test_exports_keep_every_filtered_row_and_exact_amounts(warehouse: Path) -> None:
    frame = ex.export_frame(Reader(warehouse), ex.ExceptionFilter(period="2026-01"))
    assert len(frame) == 3
    csv = pd.read_csv(io.BytesIO(ui.to_csv(frame)), dtype=str)
    assert csv.set_index("exception_id").loc["E-MIS", "amount"] == "880.10"
    book = openpyxl.load_workbook(io.BytesIO(ui.to_excel(frame, "exceptions")))
    sheet = book["exceptions"]
    header = [c.value for c in sheet[1]]
    rows = {r[header.index("exception_id")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(rows["E-AMT"][header.index("amount")])) == Decimal("-50.00")
    assert sheet.cell(row=2, column=header.index("amount") + 1).number_format == "#,##0.00"

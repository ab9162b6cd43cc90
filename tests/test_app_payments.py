"""Payment matching page: auto matches with rule and evidence, suggestions accepted or rejected by a
person (audited), the unmatched queue."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.data import payments as pay
from app.data.warehouse import Reader
from tests.test_app_support import click, frame_with, make_warehouse, signed_in_app, texts
from writeback import audit
from writeback.warehouse import connect


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = make_warehouse(tmp_path / "wh.duckdb")
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(path))
    return path


def test_auto_suggested_and_unmatched(warehouse: Path) -> None:
    reader = Reader(warehouse)
    auto, total = pay.matches(reader, "auto", "", (), 0, 50)
    assert total == 2 and set(auto["rule"]) == {"native"} and auto["evidence"].notna().all()
    suggested, total = pay.matches(reader, "suggested", "C002", (), 0, 50, pending_only=True)
    assert total == 1 and suggested.iloc[0]["match_id"] == "M-2"
    assert pay.matches(reader, "auto", "", ("reference",), 0, 50)[1] == 0
    queue, total = pay.unmatched(reader, 0, 50)
    assert total == 1 and queue.iloc[0]["payment_ref"] == "pay-0002"


def test_unmatched_queue_holds_payments_only(warehouse: Path) -> None:
    """orphan_reference and payment_amount_mismatch are raised for documents too (an invoice naming an
    unknown customer, open balances that differ): those belong on the exceptions page, not the payments
    queue. A warehouse built before exceptions had a subject still gets the payment types."""
    with connect(warehouse) as con:
        con.executemany(
            "insert into recon.exceptions "
            "values (?, 'orphan_reference', 'medium', ?, ?, ?, ?, ?, 'USD', '2026-02', ?, ?, ?)",
            [
                (
                    "E-ORF",
                    "xero",
                    "INV-1003",
                    None,
                    "C009",
                    99,
                    "xero INV-1003 names a customer C009 xero does not hold",
                    "reference|xero:inv:3",
                    "document",
                ),
                (
                    "E-ORP",
                    "sage100",
                    "DEP-7",
                    "pay-0007",
                    "01-ACME",
                    70,
                    "Sage 100 customer receipt DEP-7 is applied to IN0404, which Sage 100 does not hold",
                    "a-7",
                    "payment",
                ),
            ],
        )
    queue, total = pay.unmatched(Reader(warehouse), 0, 50)
    assert total == 2 and sorted(queue["payment_ref"]) == ["DEP-7", "pay-0002"]
    with connect(warehouse) as con:
        con.execute("alter table recon.exceptions drop column subject")
    queue, total = pay.unmatched(Reader(warehouse), 0, 50)
    assert total == 3 and sorted(queue["payment_ref"]) == ["DEP-7", "INV-1003", "pay-0002"]


def test_accepting_and_rejecting_a_suggestion(warehouse: Path) -> None:
    at = signed_in_app("preparer", "payments")
    assert frame_with(at, "avg_confidence")["decision"].tolist() == ["auto", "suggested"]
    click(at, "Reject the allocation")
    assert texts(at, "error") == ["say why the match is rejected: a comment is required"]
    at.text_input(key="pay_comment").input("remittance says it pays INV-1002 in full")
    click(at, "Accept the allocation")
    assert any("accepted pay-0002 -> INV-1002 by preparer" in t for t in texts(at, "success"))
    decided, _ = pay.matches(Reader(warehouse), "suggested", "", (), 0, 50)
    assert decided[["decided", "decided_by"]].values.tolist() == [["accepted", "preparer"]]
    assert pay.matches(Reader(warehouse), "suggested", "", (), 0, 50, pending_only=True)[1] == 0
    with connect(warehouse) as con:
        assert ("preparer", "match_accepted") in [(e.actor, e.action) for e in audit.entries(con)]

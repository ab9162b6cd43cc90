"""Review decisions kept in ``ops``: reconciling items, match and mapping decisions, sign-off, reopening."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from writeback import approvals, audit, review
from writeback.approvals import ApprovalError
from writeback.warehouse import connect


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "wh.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema recon")
        con.execute(
            "create table recon.exceptions (exception_id varchar, exception_type varchar, severity varchar, "
            "system varchar, document_number varchar, party varchar, amount decimal(18,2), period varchar, "
            "details varchar)"
        )
        con.execute(
            "insert into recon.exceptions values "
            "('E-1', 'amount_mismatch', 'high', 'xero', 'INV-0007', 'Acme', 12.50, '2026-03', 'by 12.50'),"
            "('E-2', 'payment_missing_in_sage100', 'medium', 'xero', 'INV-0009', 'Zen', 94.5, '2026-03', ''),"
            "('E-3', 'missing_in_sage100', 'high', 'xero', 'INV-0011', 'Zen', 1078.92, '2026-04', '')"
        )
    return path


def actions(warehouse: Path, obj: str) -> list[str]:
    with connect(warehouse) as con:
        assert audit.verify(con).ok
        return [e.action for e in audit.entries(con, obj)]


def test_sign_off_waits_until_every_exception_of_the_period_is_explained(warehouse: Path) -> None:
    with pytest.raises(ApprovalError, match="2026-03 has 2 unexplained exception"):
        review.sign_off("2026-03", who="carol", role="approver", warehouse=warehouse)
    approvals.add_exception_note(
        "E-1", "Price change agreed by email", who="bob", role="preparer", warehouse=warehouse
    )
    review.mark_reconciling_item(
        "E-2",
        "Deposit in transit, clears in April",
        who="bob",
        role="preparer",
        period="2026-03",
        warehouse=warehouse,
    )
    with pytest.raises(ApprovalError, match="only an approver or admin may sign off"):
        review.sign_off("2026-03", who="bob", role="preparer", warehouse=warehouse)
    review.sign_off("2026-03", who="carol", role="approver", comment="March done", warehouse=warehouse)
    with connect(warehouse) as con:
        state = review.period_state(con, "2026-03")
        _, head = audit.head(con)
    assert state["signed_off"] and state["who"] == "carol" and state["comment"] == "March done"
    assert state["audit_head_hash"] != head  # recorded before its own entry was appended
    with pytest.raises(ApprovalError, match="already signed off; reopen it"):
        review.sign_off("2026-03", who="carol", role="approver", warehouse=warehouse)


def test_reopening_needs_a_reason_and_allows_a_new_sign_off(warehouse: Path) -> None:
    with pytest.raises(ApprovalError, match="not signed off"):
        review.reopen_period("2026-04", "typo", who="carol", role="admin", warehouse=warehouse)
    review.mark_reconciling_item(
        "E-3",
        "Invoice posted in May by mistake",
        who="bob",
        role="preparer",
        period="2026-04",
        warehouse=warehouse,
    )
    review.sign_off("2026-04", who="carol", role="approver", warehouse=warehouse)
    with pytest.raises(ApprovalError, match="a reason is required"):
        review.reopen_period("2026-04", " ", who="carol", role="admin", warehouse=warehouse)
    review.reopen_period(
        "2026-04", "late credit note from Zen", who="dana", role="admin", warehouse=warehouse
    )
    with connect(warehouse) as con:
        state = review.period_state(con, "2026-04")
    assert not state["signed_off"] and state["reopened_by"] == "dana"
    assert state["reopen_reason"] == "late credit note from Zen"
    review.sign_off("2026-04", who="carol", role="approver", warehouse=warehouse)
    assert actions(warehouse, "period:2026-04") == ["sign_off", "reopen", "sign_off"]


def test_a_cleared_reconciling_item_counts_as_unexplained_again(warehouse: Path) -> None:
    review.mark_reconciling_item(
        "E-3", "timing", who="bob", role="preparer", period="2026-04", warehouse=warehouse
    )
    review.clear_reconciling_item(
        "E-3", "it did not clear in May", who="bob", role="preparer", warehouse=warehouse
    )
    with pytest.raises(ApprovalError, match="2026-04 has 1 unexplained exception"):
        review.sign_off("2026-04", who="carol", role="approver", warehouse=warehouse)
    with pytest.raises(ApprovalError, match="is not marked as a reconciling item"):
        review.clear_reconciling_item("E-3", "again", who="bob", role="preparer", warehouse=warehouse)
    assert actions(warehouse, "exception:E-3") == ["mark_reconciling_item", "clear_reconciling_item"]


def test_match_and_mapping_decisions_are_kept_and_audited(warehouse: Path) -> None:
    review.decide_match(
        payment_system="xero",
        payment_ref="PAY-1",
        open_item_system="sage100",
        document_number="0100002",
        allocated_amount=Decimal("542.50"),
        decision="accept",
        who="bob",
        role="preparer",
        warehouse=warehouse,
    )
    with pytest.raises(ApprovalError, match="a comment is required"):
        review.decide_match(
            payment_system="xero",
            payment_ref="PAY-2",
            open_item_system="sage100",
            document_number="0100004",
            allocated_amount=None,
            decision="reject",
            who="bob",
            role="preparer",
            warehouse=warehouse,
        )
    with pytest.raises(ApprovalError, match="accepted or rejected, not 'maybe'"):
        review.decide_match(
            payment_system="xero",
            payment_ref="PAY-2",
            open_item_system=None,
            document_number=None,
            allocated_amount=None,
            decision="maybe",
            who="bob",
            role="preparer",
            warehouse=warehouse,
        )
    review.record_mapping(
        system="xero",
        source_account_code="429",
        sage100_account=" 6000-00-00 ",
        suggested_account="6100-00-00",
        who="bob",
        role="preparer",
        note="general expenses",
        warehouse=warehouse,
    )
    with duckdb.connect(str(warehouse)) as con:
        match = con.execute(
            "select payment_ref, decision, allocated_amount from ops.match_decisions"
        ).fetchall()
        mapping = con.execute(
            "select system, source_account_code, sage100_account from ops.mapping_decisions"
        ).fetchall()
    assert match == [("PAY-1", "accepted", Decimal("542.50"))]
    assert mapping == [("xero", "429", "6000-00-00")]
    assert actions(warehouse, "match:xero:PAY-1:0100002") == ["match_accepted"]
    assert actions(warehouse, "account:xero:429") == ["map_account"]

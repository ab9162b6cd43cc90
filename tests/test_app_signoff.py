"""Sign-off page: refused while exceptions are unexplained, allowed once each has a note or is a
reconciling item; a signed period shows as signed and only an admin can reopen it (audited)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_app_support import click, make_warehouse, signed_in_app, texts
from writeback import approvals, audit, review
from writeback.warehouse import connect


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = make_warehouse(tmp_path / "wh.duckdb")
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(path))
    return path


def signoff_page(role: str, period: str = "2026-01"):  # noqa: ANN201 - AppTest
    at = signed_in_app(role, "signoff")
    at.selectbox(key="signoff_period").select(period).run()
    return at


def test_sign_off_waits_for_explanations_then_reopening_needs_an_admin(warehouse: Path) -> None:
    at = signoff_page("approver")
    assert {m.label: m.value for m in at.metric}["Unexplained"] == "3"
    click(at, "Sign off 2026-01")
    assert texts(at, "error") == [
        "2026-01 has 3 unexplained exception(s): add a note or mark them as reconciling items before "
        "signing off"
    ]
    approvals.add_exception_note(
        "E-AMT", "credit note requested", who="pat", role="preparer", warehouse=warehouse
    )
    approvals.add_exception_note(
        "E-GJ", "register fixed in February", who="pat", role="preparer", warehouse=warehouse
    )
    review.mark_reconciling_item(
        "E-MIS", "timing", who="pat", role="preparer", period="2026-01", warehouse=warehouse
    )
    at = signoff_page("preparer")
    click(at, "Sign off 2026-01")
    assert texts(at, "error") == [
        "preparer has role preparer; only an approver or admin may sign off a period"
    ]
    at = signoff_page("approver")
    assert {m.label: m.value for m in at.metric}["Unexplained"] == "0"
    at = click(at, "Sign off 2026-01")
    assert texts(at, "success")[0] == "2026-01 signed off by approver"
    assert texts(at, "success")[1].startswith("2026-01 is signed off by approver on ")
    at.text_input(key="reopen_reason").input("late credit note")
    click(at, "Reopen 2026-01")
    assert texts(at, "error") == ["approver has role approver; only an admin may reopen a signed-off period"]
    at = signoff_page("admin")
    at.text_input(key="reopen_reason").input("late credit note from Acme")
    at = click(at, "Reopen 2026-01")
    assert texts(at, "success") == ["2026-01 reopened by admin"]
    assert any("reopened by admin: late credit note from Acme" in t for t in texts(at, "info"))
    with connect(warehouse) as con:
        period_actions = [(e.actor, e.action) for e in audit.entries(con, "period:2026-01")]
    assert period_actions == [("approver", "sign_off"), ("admin", "reopen")]


def test_reconciling_items_of_earlier_periods_are_listed(warehouse: Path) -> None:
    review.mark_reconciling_item(
        "E-MIS", "timing", who="pat", role="preparer", period="2026-01", warehouse=warehouse
    )
    at = signoff_page("approver", "2026-02")
    assert "**Reconciling items carried forward from earlier periods**" in texts(at, "markdown")

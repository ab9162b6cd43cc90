"""Journals page: proposals with lines, balance and sources; approve / reject under writeback's guards
(role, self-approval, lapsed approval, two approvers above the threshold); posting through the outbox."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import duckdb
import pytest

from app import posting
from app.data import journals as jr
from app.data.warehouse import Reader
from tests.test_app_support import click, frame_with, make_warehouse, signed_in_app, texts
from tests.test_writeback_support import build_sage_company
from writeback import audit
from writeback.warehouse import connect

THRESHOLD = 5000


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = make_warehouse(tmp_path / "wh.duckdb")
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(path))
    return path


def journals_page(role: str, proposal: str):  # noqa: ANN201 - AppTest
    at = signed_in_app(role, "journals")
    at.selectbox(key="journal_open").select(proposal).run()
    return at


def decide(at, label: str, comment: str = ""):  # noqa: ANN001, ANN201
    if comment:
        at.text_input(key="journal_comment").input(comment)
    return click(at, label)


def states(warehouse: Path) -> dict[str, str]:
    return {r.proposal_id: r.state for r in jr.proposals(Reader(warehouse), THRESHOLD)}


def test_the_list_shows_lines_balance_and_sources(warehouse: Path) -> None:
    at = journals_page("preparer", "JP-SALES-2026-01")
    listing = frame_with(at, "two approvers needed")
    assert listing["proposal_id"].tolist() == ["JP-ADJ-2026-01", "JP-SALES-2026-01"]
    assert listing["state"].tolist() == ["awaiting approval", "awaiting approval"]
    lines = frame_with(at, "debit")
    assert lines["account"].tolist() == ["1200-00-00", "4000-00-00"]
    assert "Balanced — USD: debits 880.10 · credits 880.10 · difference 0.00" in texts(at, "success")
    sources = [d.value for d in at.dataframe if {"system", "document_number"} <= set(d.value.columns)]
    assert sources[0]["document_number"].tolist() == ["INV-1002"]
    assert "- it is not approved yet" in texts(at, "markdown")


def test_a_preparer_cannot_approve(warehouse: Path) -> None:
    at = decide(journals_page("preparer", "JP-SALES-2026-01"), "Approve")
    assert texts(at, "error") == [
        "preparer has role preparer; only an approver or admin may approve proposals"
    ]
    assert states(warehouse)["JP-SALES-2026-01"] == "awaiting approval"


def test_an_approver_approves_and_the_decision_is_audited(warehouse: Path) -> None:
    at = decide(journals_page("approver", "JP-SALES-2026-01"), "Approve", "matches the missing invoice")
    assert any(
        t.startswith("approved JP-SALES-2026-01 (version a1b2c3d4e5f6) as approver")
        for t in texts(at, "success")
    )
    assert states(warehouse)["JP-SALES-2026-01"] == "approved"
    assert texts(at, "subheader") == ["JP-SALES-2026-01 · sales_summary → sage100"]  # still the one chosen
    decisions = frame_with(at, "decision")
    assert decisions[["who", "role", "decision", "comment"]].values.tolist() == [
        ["approver", "approver", "approved", "matches the missing invoice"]
    ]
    history = frame_with(at, "payload")  # the page's audit history of the proposal
    assert history[["actor", "action"]].values.tolist() == [["approver", "approved"]]
    with connect(warehouse) as con:
        assert [
            (e.actor, e.action)
            for e in audit.entries(con, "proposal:JP-SALES-2026-01:a1b2c3d4e5f6a1b2c3d4e5f6")
        ] == [("approver", "approved")]


def test_self_approval_is_refused_and_the_threshold_needs_two_approvers(warehouse: Path) -> None:
    at = decide(journals_page("approver", "JP-ADJ-2026-01"), "I prepared this (submit for approval)")
    assert any("approver prepared JP-ADJ-2026-01" in t for t in texts(at, "success"))
    at = decide(journals_page("approver", "JP-ADJ-2026-01"), "Approve")
    assert texts(at, "error") == [
        "approver prepared proposal JP-ADJ-2026-01 and cannot approve it; a different approver must"
    ]
    decide(journals_page("approver2", "JP-ADJ-2026-01"), "Approve")
    assert states(warehouse)["JP-ADJ-2026-01"] == "needs a second approver"
    at = journals_page("approver2", "JP-ADJ-2026-01")
    assert any(
        "12,500.00 USD is above the approval threshold of 5,000.00: it needs two different approvers "
        "and has 1 (approver2)" in t
        for t in texts(at, "markdown")
    )
    decide(journals_page("admin", "JP-ADJ-2026-01"), "Approve")
    assert states(warehouse)["JP-ADJ-2026-01"] == "approved"


def test_rejecting_needs_a_comment(warehouse: Path) -> None:
    at = decide(journals_page("approver", "JP-SALES-2026-01"), "Reject")
    assert texts(at, "error") == ["say why: a rejection needs a comment"]
    decide(journals_page("approver", "JP-SALES-2026-01"), "Reject", "INV-1002 is being voided")
    assert states(warehouse)["JP-SALES-2026-01"] == "rejected"


def test_an_approval_lapses_when_the_proposal_changes(warehouse: Path) -> None:
    decide(journals_page("approver", "JP-SALES-2026-01"), "Approve")
    with duckdb.connect(str(warehouse)) as con:  # a rebuild changed the proposal: new lines, new hash
        con.execute(
            "update journals.proposals set content_hash = 'b9b9b9b9b9b9b9b9' "
            "where proposal_id = 'JP-SALES-2026-01'"
        )
        con.execute(
            "update journals.proposal_lines set debit = 900.10 where proposal_id = 'JP-SALES-2026-01' "
            "and debit > 0"
        )
        con.execute(
            "update journals.proposal_lines set credit = 900.10 where proposal_id = 'JP-SALES-2026-01' "
            "and credit > 0"
        )
    assert states(warehouse)["JP-SALES-2026-01"] == "approval lapsed"
    at = journals_page("approver2", "JP-SALES-2026-01")
    assert any("Earlier approvals lapsed" in t for t in texts(at, "warning"))
    assert any(
        "the approval has lapsed: approver approved version a1b2c3d4e5f6" in t for t in texts(at, "markdown")
    )


def test_posting_runs_in_the_background_and_shows_posted_refused_and_dead_letters(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sandbox.sage100.build import connection_string

    company = build_sage_company(tmp_path / "sage")  # January 2026 is closed in this company
    monkeypatch.setenv("SOURCES__SAGE100__CONNECTION_STRING", connection_string(company))
    monkeypatch.setenv("WRITEBACK__SAGE100__IMPORT_DIR", str(tmp_path / "vi"))
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into journals.proposals values ('JP-FEB', 'c0ffee00c0ffee00', 'sage100', '2026-02', "
            "'2026-02-28', 'sales_summary', 'February sales', 300.00, false), ('JP-BAD', 'badbadbadbad0000', "
            "'sage100', '2026-02', '2026-02-28', 'adjustment', 'to an account Sage 100 lacks', 100.00, false)"
        )
        con.execute(
            "insert into journals.proposal_lines values ('JP-FEB', 1, '1200-00-00', 300.00, 0, 'USD', "
            "'AR'), ('JP-FEB', 2, '4000-00-00', 0, 300.00, 'USD', 'Sales'), "
            "('JP-BAD', 1, '9999-00-00', 100.00, 0, 'USD', 'x'), "
            "('JP-BAD', 2, '4000-00-00', 0, 100.00, 'USD', 'y')"
        )
    for pid in ("JP-FEB", "JP-SALES-2026-01", "JP-BAD"):
        decide(journals_page("approver", pid), "Approve")
    at = click(journals_page("approver", "JP-FEB"), "Post approved proposals")
    # the click returns at once: writeback runs in its own process while the page stays usable
    assert any("Posting started by approver" in t and "is running" in t for t in texts(at, "info"))
    assert posting.read_status(warehouse)["state"] == "running"
    at.selectbox(key="journal_open").select("JP-SALES-2026-01").run()
    assert not at.exception and at.subheader[0].value.startswith("JP-SALES-2026-01")
    deadline = time.monotonic() + 90
    while posting.read_status(warehouse)["state"] == "running":
        assert time.monotonic() < deadline, posting.read_status(warehouse)
        time.sleep(0.3)
    at.run()
    outcome = " ".join(texts(at, "success") + texts(at, "error"))
    assert "posted 1," in outcome and "refused 1," in outcome and "dead-letter 1," in outcome
    assert any("1 posting(s) in dead-letter" in t for t in texts(at, "error"))
    assert states(warehouse)["JP-FEB"] == "posted" and states(warehouse)["JP-BAD"] == "dead-letter"
    outbox = jr.outbox_frame(Reader(warehouse))
    assert outbox[["proposal_id", "state"]].values.tolist() == [
        ["JP-BAD", "dead-letter"],
        ["JP-FEB", "posted"],
    ]
    assert "9999-00-00" in outbox["last_error"].iloc[0]
    assert posting.history(warehouse)[0]["user"] == "approver"
    at = journals_page("approver", "JP-FEB")  # the proposal's outbox state and its audit history
    assert any(t.startswith("posted · attempts 1") for t in texts(at, "info"))
    steps = frame_with(at, "payload")[["actor", "action"]].values.tolist()
    assert ["approver", "approved"] in steps and ["approver", "posted"] in steps, steps
    at = journals_page("approver", "JP-SALES-2026-01")
    refusal = " ".join(texts(at, "error"))
    assert "The last writeback run" in refusal and "refused to post this version" in refusal
    assert "closed" in refusal.lower()  # Sage 100's January 2026 is closed
    with connect(warehouse) as con:  # every posting step is in the audit log, by the signed-in user
        actors = {
            r[0]
            for r in con.execute("select actor from ops.audit_log where object like 'outbox:%'").fetchall()
        }
    assert actors == {"approver"}


def test_a_second_posting_run_is_refused_while_one_runs(warehouse: Path) -> None:
    paths = posting.PostingPaths(warehouse)
    paths.status.write_text(
        json.dumps(
            {"run_id": "r", "state": "running", "user": "approver2", "started_at": "t", "pid": os.getpid()}
        )
    )
    at = signed_in_app("approver", "journals")
    assert next(b for b in at.button if b.label == "Post approved proposals").disabled
    with pytest.raises(posting.PostingBusy, match="approver2 started posting"):
        posting.start_background(warehouse, user="approver", role="approver")
    with pytest.raises(PermissionError, match="only an approver or admin may post"):
        posting.start_background(warehouse, user="preparer", role="preparer")


def test_a_preparer_cannot_post(warehouse: Path) -> None:
    at = signed_in_app("preparer", "journals")
    assert "Post approved proposals" not in [b.label for b in at.button]

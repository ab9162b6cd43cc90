"""``tieout approve``, ``reject``, ``writeback [--dry-run]``, ``outbox`` and ``audit verify`` end to end
against the Sage 100 sandbox, configured only through the environment like a user would."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tests.test_writeback_support import SageEnv, gl_journal, make_sage_env, write_proposals
from tieout.cli import app
from writeback.targets import vi_layouts as vi

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SageEnv:
    env = make_sage_env(tmp_path)
    monkeypatch.setenv("TIEOUT_WAREHOUSE", str(env.warehouse))
    monkeypatch.setenv("WRITEBACK__SAGE100__CONNECTION_STRING", f"Driver={{SQLite3}};Database={env.db};")
    monkeypatch.setenv("WRITEBACK__SAGE100__IMPORT_DIR", str(env.import_dir))
    return env


def tieout(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_approve_dry_run_writeback_outbox_and_audit(env: SageEnv) -> None:
    small, big = gl_journal("P-1"), gl_journal("P-2", amount="9000.00")
    write_proposals(env.warehouse, [small, big])

    code, out = tieout("writeback", "--target", "sage100", "--user", "ops")
    assert code == 0 and "2 proposal(s) await approval." in out

    code, out = tieout("approve", "P-1", "P-2", "--user", "alice", "--comment", "checked")
    assert code == 0
    assert f"approved P-1 (version {small.content_hash[:12]}) by alice as approver" in out

    code, out = tieout("writeback", "--target", "sage100", "--dry-run")
    assert code == 1  # P-2 is refused: it needs a second approver
    assert "Dry run: 1 posting(s) would be sent; nothing was written." in out
    assert f"{vi.entry_no(small.key)},03/15/2026,GJ,Accrual P-1,1,6000-00-00,125.50,0.00,accrual,USD" in out
    assert "refused      P-2:" in out and "needs two different approvers and has 1 (alice)" in out
    assert not env.import_dir.exists()

    code, out = tieout("approve", "P-2", "--user", "bob")
    assert code == 0
    code, out = tieout("writeback", "--target", "sage100", "--user", "ops")
    assert code == 0, out
    assert out.count("posted       P-") == 2 and "VI TIEOUT_GL entry" in out

    code, out = tieout("outbox")
    assert code == 0 and out.count("posted       sage100") == 2
    code, out = tieout("writeback", "--target", "sage100")
    assert code == 0 and "Nothing to post." in out

    code, out = tieout("audit", "verify")
    assert code == 0 and "audit log intact" in out
    with duckdb.connect(str(env.warehouse)) as con:
        con.execute("update ops.audit_log set actor = 'mallory' where seq = 2")
    code, out = tieout("audit", "verify")
    assert code == 1 and "audit log BROKEN at seq 2" in out


def test_decisions_that_are_not_allowed_say_why(env: SageEnv) -> None:
    write_proposals(env.warehouse, [gl_journal("P-1")])
    code, out = tieout("approve", "P-1", "--user", "pat", "--role", "preparer")
    assert code == 2 and "only an approver or admin may approve proposals" in out
    code, out = tieout("approve", "P-9", "--user", "alice")
    assert code == 2 and "error: P-9: no proposal P-9" in out
    code, out = tieout("reject", "P-1", "--user", "carol", "--comment", "wrong account")
    assert code == 0 and "rejected P-1" in out
    code, out = tieout("approve", "P-1", "--user", "alice")
    assert code == 2 and "was rejected by carol" in out
    code, out = tieout("writeback", "--target", "netsuite")
    assert code == 2 and "--target must be sage100 or xero" in out
    code, out = tieout("outbox", "--state", "lost")
    assert code == 2 and "--state must be one of" in out


def test_a_missing_sage_connection_is_explained(env: SageEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WRITEBACK__SAGE100__CONNECTION_STRING")
    monkeypatch.setenv("SOURCES__SAGE100__CONNECTION_STRING", "")
    j = gl_journal("P-1")
    write_proposals(env.warehouse, [j])
    tieout("approve", "P-1", "--user", "alice")
    code, out = tieout("writeback", "--target", "sage100")
    assert code == 1
    assert "sage100 is not available: no Sage 100 connection: set writeback.sage100.connection_string" in out


def test_a_dead_letter_is_sent_again_once_its_cause_is_fixed(env: SageEnv) -> None:
    import sqlite3

    j = gl_journal("P-OLD", debit="6999-00-00")  # an inactive account in the company
    write_proposals(env.warehouse, [j])
    tieout("approve", "P-OLD", "--user", "alice")
    code, out = tieout("writeback", "--target", "sage100")
    assert code == 1 and "dead-letter  P-OLD:" in out and "Account 6999-00-00 is inactive" in out
    code, out = tieout("requeue", "P-OLD:", "--user", "pat", "--role", "preparer", "--reason", "reactivated")
    assert code == 2 and "only an approver or admin may send a dead letter again" in out

    with sqlite3.connect(env.db) as company:  # someone reactivates the account in Sage 100
        company.execute("UPDATE GL_Account SET Status = 'A' WHERE AccountKey = '000000005'")
    code, out = tieout(
        "requeue", f"P-OLD:{j.content_hash[:12]}", "--user", "alice", "--reason", "reactivated"
    )
    assert code == 0 and f"requeued {j.key}" in out
    code, out = tieout("writeback", "--target", "sage100")
    assert code == 0 and "posted       P-OLD:" in out
    assert len(env.rows("SELECT * FROM GL_DetailPosting WHERE SourceJournal = 'GJ'")) == 2
    code, out = tieout("requeue", "P-OLD:", "--user", "alice", "--reason", "again")
    assert code == 2 and "0 dead letters match" in out

"""Each guard refuses with a clear message, and nothing reaches the target when one does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_writeback_support import (
    Journal,
    SageEnv,
    approve_all,
    company_locked,
    gl_journal,
    line,
    make_sage_env,
    write_proposals,
)
from writeback import approvals, audit
from writeback.warehouse import connect


@pytest.fixture
def env(tmp_path: Path) -> SageEnv:
    return make_sage_env(tmp_path)


def gj_rows(env: SageEnv) -> int:
    return len(env.rows("SELECT * FROM GL_DetailPosting WHERE SourceJournal = 'GJ'"))


def test_an_approved_balanced_journal_in_an_open_period_posts(env: SageEnv) -> None:
    j = gl_journal("P-1")
    write_proposals(env.warehouse, [j])
    approve_all(env.warehouse, j)
    report = env.run()
    assert report.exit_code == 0 and len(report.posted) == 1
    assert env.outbox()[j.key][0] == "posted"
    assert gj_rows(env) == 2


def test_unapproved_proposals_wait_and_nothing_posts(env: SageEnv) -> None:
    j = gl_journal("P-1")
    write_proposals(env.warehouse, [j])
    report = env.run()
    assert report.awaiting == [j.key] and not report.refused and not report.posted
    assert gj_rows(env) == 0 and env.outbox() == {}


def test_a_lapsed_approval_is_refused(env: SageEnv) -> None:
    original = gl_journal("P-1", amount="125.50")
    write_proposals(env.warehouse, [original])
    approve_all(env.warehouse, original)
    changed = gl_journal("P-1", amount="130.00")  # a rebuild changed the proposal
    write_proposals(env.warehouse, [changed])
    report = env.run()
    (reasons,) = report.refused.values()
    assert any(
        "approval has lapsed" in r and original.content_hash[:12] in r and "approve it again" in r
        for r in reasons
    )
    assert gj_rows(env) == 0
    approve_all(env.warehouse, changed, who="bob")  # a fresh approval of the new version
    assert env.run().exit_code == 0 and gj_rows(env) == 2


def test_an_unbalanced_journal_is_refused(env: SageEnv) -> None:
    j = Journal(
        "P-1",
        "sage100",
        "2026-03-15",
        [line("6000-00-00", debit="100.00"), line("1000-00-00", credit="90.00")],
    )
    write_proposals(env.warehouse, [j])
    approve_all(env.warehouse, j)
    report = env.run()
    assert report.refused[j.key] == [
        "the journal does not balance in USD: debits 100.00 != credits 90.00 (difference 10.00)"
    ]
    assert gj_rows(env) == 0


def test_a_closed_sage_period_is_refused(env: SageEnv) -> None:
    j = gl_journal("P-1", day="2026-01-20")  # period 2026-01 is closed in the company
    write_proposals(env.warehouse, [j])
    approve_all(env.warehouse, j)
    (reasons,) = env.run().refused.values()
    assert reasons == [
        "posting date 01/20/2026 is in Sage 100 fiscal period 2026-01 (01/01/2026 to 01/31/2026), which is "
        "closed; post into an open period or reopen it in General Ledger"
    ]
    assert gj_rows(env) == 0


def test_a_date_outside_every_fiscal_year_is_refused(env: SageEnv) -> None:
    j = gl_journal("P-1", day="2027-02-01")
    write_proposals(env.warehouse, [j])
    approve_all(env.warehouse, j)
    (reasons,) = env.run().refused.values()
    assert "not in a fiscal period set up in Sage 100" in reasons[0]


def test_the_preparer_cannot_approve(env: SageEnv) -> None:
    j = gl_journal("P-1")
    write_proposals(env.warehouse, [j])
    approvals.prepare("P-1", who="alice", role="preparer", warehouse=env.warehouse)
    with pytest.raises(approvals.ApprovalError, match="alice prepared proposal P-1 and cannot approve it"):
        approvals.approve("P-1", who="alice", role="admin", warehouse=env.warehouse)


def test_a_preparer_recorded_after_approving_blocks_posting(env: SageEnv) -> None:
    j = gl_journal("P-1")
    write_proposals(env.warehouse, [j])
    approve_all(env.warehouse, j, who="alice")
    approvals.prepare("P-1", who="alice", role="admin", warehouse=env.warehouse)
    (reasons,) = env.run().refused.values()
    assert any("alice prepared it and also approved it" in r for r in reasons)
    assert gj_rows(env) == 0


def test_above_the_threshold_two_different_approvers_are_needed(env: SageEnv) -> None:
    big = gl_journal("P-BIG", amount="12000.00")
    write_proposals(env.warehouse, [big])
    approve_all(env.warehouse, big, who="alice")
    approve_all(env.warehouse, big, who="alice")  # the same person twice does not count twice
    (reasons,) = env.run().refused.values()
    assert reasons == [
        "12,000.00 USD is above the approval threshold of 5,000.00: it needs two different approvers "
        "and has 1 (alice)"
    ]
    assert gj_rows(env) == 0
    approve_all(env.warehouse, big, who="bob")
    report = env.run()
    assert report.exit_code == 0 and len(report.posted) == 1 and gj_rows(env) == 2


def test_the_threshold_is_configurable(env: SageEnv) -> None:
    from decimal import Decimal

    j = gl_journal("P-1", amount="125.50")
    write_proposals(env.warehouse, [j])
    approve_all(env.warehouse, j)
    report = env.run(settings=env.settings(approval_threshold=Decimal("100")))
    assert "above the approval threshold of 100.00" in report.refused[j.key][0]


def test_only_approvers_and_admins_decide(env: SageEnv) -> None:
    write_proposals(env.warehouse, [gl_journal("P-1")])
    with pytest.raises(approvals.ApprovalError, match="only an approver or admin may approve"):
        approvals.approve("P-1", who="pat", role="preparer", warehouse=env.warehouse)
    with pytest.raises(approvals.ApprovalError, match="role must be one of"):
        approvals.approve("P-1", who="pat", role="boss", warehouse=env.warehouse)
    with pytest.raises(approvals.ApprovalError, match="no proposal P-404"):
        approvals.approve("P-404", who="alice", role="approver", warehouse=env.warehouse)


def test_a_rejected_version_does_not_post_and_cannot_be_approved(env: SageEnv) -> None:
    j = gl_journal("P-1")
    write_proposals(env.warehouse, [j])
    with pytest.raises(approvals.ApprovalError, match="needs a comment"):
        approvals.reject("P-1", who="carol", role="approver", warehouse=env.warehouse)
    approvals.reject("P-1", who="carol", role="approver", comment="wrong account", warehouse=env.warehouse)
    with pytest.raises(approvals.ApprovalError, match="rejected by carol"):
        approve_all(env.warehouse, j)
    report = env.run()
    assert not report.posted and not report.awaiting and gj_rows(env) == 0


def test_rejecting_a_queued_posting_withdraws_it(env: SageEnv) -> None:
    j = gl_journal("P-1", amount="12000.00")
    write_proposals(env.warehouse, [j])
    approve_all(env.warehouse, j, who="alice")
    approve_all(env.warehouse, j, who="bob")
    with company_locked(env) as target:  # another program holds the company: queued, could not send
        env.run(targets={"sage100": target})
    assert env.outbox()[j.key][0] == "failed"
    approvals.reject("P-1", who="carol", role="admin", comment="duplicate of P-0", warehouse=env.warehouse)
    assert env.outbox()[j.key] == ("dead-letter", "rejected by carol before it was sent: duplicate of P-0")
    assert env.run().posted == [] and gj_rows(env) == 0


def test_another_version_already_posted_is_refused(env: SageEnv) -> None:
    first = gl_journal("P-1", amount="125.50")
    write_proposals(env.warehouse, [first])
    approve_all(env.warehouse, first)
    assert len(env.run().posted) == 1
    second = gl_journal("P-1", amount="99.00")  # the marts have not seen the posting yet
    write_proposals(env.warehouse, [second])
    approve_all(env.warehouse, second, who="bob")
    (reasons,) = env.run().refused.values()
    assert any(f"version {first.content_hash[:12]} of this proposal was already posted" in r for r in reasons)
    assert gj_rows(env) == 2


def test_refusals_are_written_to_the_audit_log(env: SageEnv) -> None:
    j = gl_journal("P-1", day="2026-01-20")
    write_proposals(env.warehouse, [j])
    approve_all(env.warehouse, j)
    env.run()
    with connect(env.warehouse) as con:
        actions = [(e.action, e.object) for e in audit.entries(con)]
        assert audit.verify(con).ok
    assert actions == [("approved", f"proposal:{j.key}"), ("refused", f"proposal:{j.key}")]


def test_a_line_without_a_mapped_account_is_refused(env: SageEnv) -> None:
    j = gl_journal("P-1", debit="UNMAPPED:429")
    write_proposals(env.warehouse, [j])
    approve_all(env.warehouse, j)
    (reasons,) = env.run().refused.values()
    assert reasons == [
        "line 1's account UNMAPPED:429 has no sage100 account: confirm its account mapping, then rebuild "
        "(`tieout build`) so the proposal uses it"
    ]
    assert gj_rows(env) == 0

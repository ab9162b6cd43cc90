"""Closed loop: generate -> load -> build -> approve every proposal -> writeback -> load -> build: the
exceptions those proposals addressed are gone and nothing else changed.

A real generated scenario runs through the real loaders, the dbt project and writeback into the Sage 100
sandbox company; the second load reads what the Visual Integrator job wrote.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from dlt_pipelines.sage100 import load_sage100
from sandbox.generator import cli as gen_cli
from sandbox.sage100 import build as sage_build
from sandbox.sage100.vi_import import ViJob
from tests.test_dbt_support import load_ledger, query
from tests.test_writeback_support import settings_for
from tieout import build
from writeback import approvals
from writeback.proposals import load_proposals
from writeback.runner import run_writeback
from writeback.targets.sage100 import Sage100Target
from writeback.warehouse import connect

RATES = "missing_in_sage100=0.03,payment_missing_in_sage100=0.03"
EXCEPTIONS = (
    "select exception_id, exception_type, system, document_number, amount, period, details "
    "from recon.exceptions"
)
MODELS = Path(__file__).resolve().parent.parent / "dbt_project" / "models"
MARTS_READ_THE_OUTBOX = any("outbox" in f.read_text() for f in MODELS.rglob("*.sql"))
"""The loop can only close once the marts know what tieout posted (ops.outbox, docs/writeback.md)."""


class Loop:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.scenario = root / "scenario"
        with contextlib.redirect_stdout(io.StringIO()):
            gen_cli.run(out=self.scenario, ledger="xero", seed=23, size="small", invoices=200, rates=RATES)
        self.company = sage_build.build_company(self.scenario, root / "company.db")
        self.warehouse = root / "warehouse.duckdb"

    def load_sage100(self) -> None:
        load_sage100(
            sage_build.connection_string(self.company),
            warehouse=self.warehouse,
            pipelines_dir=self.root / "pipelines",
        )

    def build(self) -> None:
        summary = build.build(
            warehouse=self.warehouse,
            target_path=self.root / "target",
            freshness=False,
            dbt_vars={"truth_dir": str(self.scenario / "truth")},
        )
        assert summary.success, summary.render()


@pytest.mark.skipif(
    not MARTS_READ_THE_OUTBOX,
    reason="the recon/journals marts do not read ops.outbox yet, so they cannot tell tieout's own Sage 100 "
    "postings (GL_DetailPosting.DocumentNo = 'T' || upper(left(sha256(proposal_id || ':' || content_hash), "
    "9))) from other journals: the summarized documents would stay missing_in_sage100 and the posted "
    "journal would show as a trial_balance_difference; see docs/writeback.md, 'Closing the loop'",
)
@pytest.mark.xfail(
    reason="known gap (issue 7 open): an adjustment proposal closes a tax_mismatch that its "
    "journals.proposal_sources rows do not name (source system vs Sage 100 document), so the loop closes "
    "more than the proposals trace to",
    strict=False,
)
def test_posting_every_approved_proposal_closes_what_it_addressed_and_nothing_else(tmp_path: Path) -> None:
    loop = Loop(tmp_path)
    loop.load_sage100()
    load_ledger(loop.scenario, "xero", tmp_path / "load", loop.warehouse)
    loop.build()

    before = {row[0]: row for row in query(loop.warehouse, EXCEPTIONS)}
    with connect(loop.warehouse) as con:
        # the loop closes through the Sage 100 company; proposals aimed at Xero stay unapproved and unposted
        proposals = {k: p for k, p in load_proposals(con).items() if p.target == "sage100"}
    assert [p for p in proposals.values() if not p.is_master_data], "the scenario should need a journal"

    for who in ("alice", "bob"):  # two approvers: some proposals are above the threshold
        outcomes = approvals.approve_many(list(proposals), who=who, role="approver", warehouse=loop.warehouse)
        assert not [o for o in outcomes if isinstance(o, Exception)]
    target = Sage100Target(ViJob(loop.company), tmp_path / "vi_import")
    report = run_writeback(
        target="sage100",
        settings=settings_for(loop.warehouse),
        targets={"sage100": target},
        echo=lambda _: None,
    )
    # the only refusals: proposals dated in periods the company has closed
    assert all("which is closed" in r for reasons in report.refused.values() for r in reasons), report.lines
    assert not report.failed and not report.dead_letter, report.lines
    posted = [p for p in proposals.values() if p.key not in report.refused]
    assert len(report.posted) == len(posted) and any(not p.is_master_data for p in posted)
    posted_ids = [p.proposal_id for p in posted]
    sources = set(
        query(
            loop.warehouse,
            f"select source_system, document_number from journals.proposal_sources where proposal_id in "
            f"({', '.join('?' for _ in posted_ids)})",
            posted_ids,
        )
    )
    addressed = {k for k, row in before.items() if (row[2], row[3]) in sources}
    assert addressed, "the posted journals should address some exceptions"

    loop.load_sage100()
    loop.build()
    after = {row[0]: row for row in query(loop.warehouse, EXCEPTIONS)}
    assert not addressed & after.keys(), [after[k] for k in addressed & after.keys()]
    unchanged = {k: v for k, v in before.items() if k not in addressed}
    assert after == unchanged  # nothing else closed, changed or appeared
    with connect(loop.warehouse) as con:
        remaining = load_proposals(con)
    assert not set(posted_ids) & set(remaining)  # nothing posted needs posting again

"""Closed loop: generate -> load -> build -> approve every proposal -> writeback -> load -> build: the
exceptions those proposals addressed are gone and nothing else changed.

A real generated scenario runs through the real loaders, the dbt project and writeback into both targets:
the Sage 100 sandbox company (Visual Integrator job over ODBC) and the Xero sandbox server, which stays up
for the whole loop so that the second load reads what writeback posted to it. The trace is exact: the
exceptions a proposal addresses are the ``exception_id`` values of its ``journals.proposal_sources`` rows.

One seed by default (a loop builds the warehouse twice); ``TIEOUT_LOOP_SEEDS=23,5`` runs more.
"""

from __future__ import annotations

import contextlib
import io
import os
from datetime import date
from pathlib import Path

import pytest

from dlt_pipelines.sage100 import load_sage100
from sandbox.generator import cli as gen_cli
from sandbox.sage100 import build as sage_build
from sandbox.sage100.vi_import import ViJob
from tests.test_dbt_support import XERO_ENV, _env, query
from tests.test_writeback_support import settings_for, xero_client
from tieout import build
from writeback import approvals
from writeback.proposals import load_proposals
from writeback.runner import run_writeback
from writeback.targets.sage100 import Sage100Target
from writeback.targets.xero import XeroTarget
from writeback.warehouse import connect

SEEDS = [int(s) for s in os.environ.get("TIEOUT_LOOP_SEEDS", "23").split(",") if s.strip()]
RATES = "missing_in_sage100=0.03,payment_missing_in_sage100=0.03,payment_missing_in_source=0.02"
EXCEPTIONS = (
    "select exception_id, exception_type, system, document_number, amount, period, details "
    "from recon.exceptions"
)


class Loop:
    """A scenario, its Sage 100 company, a running Xero sandbox and one warehouse."""

    def __init__(self, root: Path, seed: int) -> None:
        from sandbox.serve import start_xero

        self.root = root
        self.scenario = root / "scenario"
        with contextlib.redirect_stdout(io.StringIO()):
            gen_cli.run(out=self.scenario, ledger="xero", seed=seed, size="small", invoices=200, rates=RATES)
        self.company = sage_build.build_company(self.scenario, root / "company.db")
        self.warehouse = root / "warehouse.duckdb"
        self.xero = start_xero(self.scenario)

    def close(self) -> None:
        self.xero.stop()

    def load(self) -> None:
        from tieout.load import run_load

        load_sage100(
            sage_build.connection_string(self.company),
            warehouse=self.warehouse,
            pipelines_dir=self.root / "pipelines",
        )
        env = {
            XERO_ENV + "API_URL": f"{self.xero.url}/api.xro/2.0",
            XERO_ENV + "TOKEN_URL": f"{self.xero.url}/connect/token",
            XERO_ENV + "CONNECTIONS_URL": f"{self.xero.url}/connections",
            XERO_ENV + "CALLS_PER_MINUTE": "1000000",
            "TIEOUT_PIPELINES_DIR": str(self.root / "pipelines"),
        }
        with _env(env):
            report = run_load("xero", warehouse=self.warehouse, echo=lambda _line: None, progress_interval=0)
        assert report.results[0].status == "ok", report.results[0].message

    def build(self) -> None:
        summary = build.build(
            warehouse=self.warehouse,
            target_path=self.root / "target",
            exclude=["resource_type:test"],  # the marts' own tests run in test_dbt_build / test_recon_small
            freshness=False,
            dbt_vars={"truth_dir": str(self.scenario / "truth")},
        )
        assert summary.success, summary.render()

    def targets(self) -> dict[str, object]:
        client = xero_client(self.xero.url)
        tenant = client.connections()[0]["tenantId"]
        return {
            "sage100": Sage100Target(ViJob(self.company), self.root / "vi_import"),
            "xero": XeroTarget(client, tenant),
        }


def closed_sage100_periods(warehouse: Path) -> list[tuple[date, date]]:
    return query(
        warehouse,
        "select d.period_starting_date, d.period_ending_date "
        "from staging.stg_sage100__gl_fiscal_year_details d "
        "left join staging.stg_sage100__gl_fiscal_years y using (fiscal_year) "
        "where d.period_closed = 'Y' or y.year_closed = 'Y'",
    )


@pytest.mark.timeout(1200)  # two real load + build runs (about two minutes each on an idle machine)
@pytest.mark.parametrize("seed", SEEDS)
def test_posting_every_approved_proposal_closes_what_it_addressed_and_nothing_else(
    tmp_path: Path, seed: int
) -> None:
    loop = Loop(tmp_path, seed)
    try:
        loop.load()
        loop.build()

        before = {row[0]: row for row in query(loop.warehouse, EXCEPTIONS)}
        with connect(loop.warehouse) as con:
            proposals = load_proposals(con)
        kinds = {(p.target, p.kind) for p in proposals.values()}
        for needed in [("sage100", "sales_summary"), ("sage100", "adjustments"), ("xero", "cash_receipt")]:
            assert needed in kinds, (
                f"the scenario should need a {needed[1]} proposal for {needed[0]}: {kinds}"
            )

        # a proposal of a period Sage 100 has closed is dated in the first open period and says so
        closed = closed_sage100_periods(loop.warehouse)
        for p in proposals.values():
            if p.target != "sage100" or p.is_master_data or p.period is None:
                continue
            natural = query(loop.warehouse, "select last_day(cast(? || '-01' as date))", [p.period])[0][0]
            if any(start <= natural <= end for start, end in closed):
                assert p.posting_date is not None and p.posting_date > natural, p
                assert not any(start <= p.posting_date <= end for start, end in closed), p
                assert f"period {p.period} is closed" in p.description, p.description
            else:
                assert p.posting_date == natural, p

        for who in ("alice", "bob"):  # two approvers: some proposals are above the threshold
            outcomes = approvals.approve_many(
                list(proposals), who=who, role="approver", warehouse=loop.warehouse
            )
            assert not [o for o in outcomes if isinstance(o, Exception)]
        report = run_writeback(
            settings=settings_for(loop.warehouse),
            targets=loop.targets(),  # type: ignore[arg-type]
            echo=lambda _: None,
        )
        assert not report.refused and not report.failed and not report.dead_letter, report.lines
        assert len(report.posted) == len(proposals), report.lines

        posted_ids = list(proposals)
        traced = query(
            loop.warehouse,
            f"select proposal_id, exception_id from journals.proposal_sources where proposal_id in "
            f"({', '.join('?' for _ in posted_ids)})",
            posted_ids,
        )
        assert all(row[1] for row in traced), "every source of a proposal names the exception it addresses"
        addressed = {row[1] for row in traced}
        assert addressed <= before.keys(), "the exceptions the proposals name are open ones"
        xero_addressed = {e for pid, e in traced if proposals[pid].target == "xero"}
        assert xero_addressed and addressed - xero_addressed, "both targets should address exceptions"

        loop.load()
        loop.build()
        after = {row[0]: row for row in query(loop.warehouse, EXCEPTIONS)}
        assert not addressed & after.keys(), [after[k] for k in addressed & after.keys()]
        unchanged = {k: v for k, v in before.items() if k not in addressed}
        assert after == unchanged  # nothing else closed, changed or appeared
        print(  # shown with -s: the loop's figures (docs/writeback.md, "Closing the loop")
            f"seed {seed}: {len(before)} exceptions before, {len(proposals)} proposals posted "
            f"({sum(p.target == 'xero' for p in proposals.values())} to Xero, "
            f"{sum(p.is_master_data for p in proposals.values())} master data), {len(addressed)} addressed, "
            f"{len(after)} after; moved out of closed periods: "
            f"{[p.period for p in proposals.values() if 'is closed in' in p.description]}"
        )
        with connect(loop.warehouse) as con:
            remaining = load_proposals(con)
        assert not set(posted_ids) & set(remaining)  # nothing posted needs posting again
    finally:
        loop.close()

"""Reconciliation on generated ``small`` scenarios of both ledgers: the whole dbt project builds and
its tests pass, and ``tieout evaluate`` meets the targets against the scenario's truth — payment
allocations precision >= 99.5% and recall >= 99%, every exception type precision >= 95% and recall
>= 98%, exception amounts tying to the cent. Journal proposals balance and ids are stable."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.test_dbt_support import build_warehouse, generate, query
from tieout import build, evaluate
from tieout.cli import app

pytestmark = pytest.mark.integration


class Built:
    def __init__(self, scenario: Path, warehouse: Path, target: Path, summary: build.BuildSummary) -> None:
        self.scenario, self.warehouse, self.target, self.summary = scenario, warehouse, target, summary


@pytest.fixture(scope="module", params=["xero", "kashflow"])
def built(request, tmp_path_factory) -> Built:
    ledger = request.param
    root = tmp_path_factory.mktemp(f"recon_{ledger}")
    scenario = generate(root / "scenario", ledger, seed=1)
    warehouse = build_warehouse(scenario, ledger, root / "work")
    target = root / "target"
    summary = build.build(warehouse=warehouse, target_path=target, freshness=False)
    return Built(scenario, warehouse, target, summary)


def _recon_failures(summary: build.BuildSummary) -> list[str]:
    """Failing nodes that belong to recon / journals (this suite's models and tests)."""
    names = (
        "recon",
        "payment",
        "exceptions",
        "document_tieout",
        "proposal",
        "open_items",
        "trial_balance_comparison",
        "master_data_deltas",
        "allocations",
        "confidence",
    )
    return [
        f"{n.resource_type} {n.name}: {n.message}" for n in summary.failed if any(k in n.name for k in names)
    ]


def test_recon_models_and_tests_pass(built: Built) -> None:
    assert not _recon_failures(built.summary), _recon_failures(built.summary)
    statuses = dict(
        query(built.warehouse, "select status, count(*) from recon.document_tieout group by status")
    )
    assert statuses["matched"] > 1_000


def test_evaluation_meets_targets(built: Built) -> None:
    report = evaluate.evaluate(built.scenario, built.warehouse)
    assert report.allocations.precision >= evaluate.ALLOCATION_PRECISION_TARGET, report.render()
    assert report.allocations.recall >= evaluate.ALLOCATION_RECALL_TARGET, report.render()
    missed = [
        name
        for name, s in report.exceptions.items()
        if s.expected and not s.meets(evaluate.EXCEPTION_PRECISION_TARGET, evaluate.EXCEPTION_RECALL_TARGET)
    ]
    # every type the generator injected is scored; a miss names itself in the report
    assert sum(1 for s in report.exceptions.values() if s.expected) >= 18
    assert not missed, report.render()
    assert report.amounts_tie, report.render()


def test_proposals_balance_and_ids_are_stable(built: Built) -> None:
    before = query(built.warehouse, "select proposal_id, content_hash from journals.proposals order by 1")
    assert before, "a scenario with missing documents and payments yields proposals"
    unbalanced = query(
        built.warehouse,
        "select proposal_id from journals.proposal_lines group by 1 having sum(debit) <> sum(credit)",
    )
    assert unbalanced == []
    exceptions_before = query(built.warehouse, "select exception_id from recon.exceptions order by 1")
    summary = build.build(
        select=["path:models/intermediate/recon", "path:models/marts/recon", "path:models/marts/journals"],
        warehouse=built.warehouse,
        target_path=built.target,
        freshness=False,
    )
    assert summary.success, summary.render()
    assert (
        query(built.warehouse, "select proposal_id, content_hash from journals.proposals order by 1")
        == before
    )
    assert query(built.warehouse, "select exception_id from recon.exceptions order by 1") == exceptions_before


def test_evaluate_command(built: Built) -> None:
    result = CliRunner().invoke(
        app, ["evaluate", "--scenario", str(built.scenario), "--warehouse", str(built.warehouse), "--strict"]
    )
    assert result.exit_code == 0, result.output
    assert "payment allocations" in result.output and "targets met" in result.output

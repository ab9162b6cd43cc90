"""`tieout run` / `tieout build` on an existing warehouse take the refresh's copy-and-swap path: an app
reading the warehouse the whole time never fails, a decision made mid-build survives the swap, and a
failed build leaves the live file as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from app import refresh
from app.auth import User
from app.data import decisions
from app.data import payments as pay
from app.data.warehouse import Reader
from tests.test_app_refresh import small_warehouse

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.integration


def tieout(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tieout.cli", *args],
        cwd=str(ROOT),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


class Reads(threading.Thread):
    """The app's read path (short read-only connections), over and over until stopped."""

    def __init__(self, warehouse: Path) -> None:
        super().__init__(daemon=True)
        self.reader = Reader(warehouse, timeout=5)
        self.stop = threading.Event()
        self.ok = 0
        self.errors: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                assert self.reader.scalar("select count(*) from journals.proposals") > 0
                self.ok += 1
            except Exception as exc:  # noqa: BLE001 - every failure is a finding of the test
                self.errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.05)


def blur_bank_receipts(scenario: Path, count: int = 2, extra: float = 3.33) -> None:
    """Make ``count`` Xero bank receipts from customers name no invoice and pay a little more than any open
    item (in the bank transaction and in its journal), so that no rule is sure of them: the build
    suggests a match for a person to accept or reject."""
    bank_file, journal_file = scenario / "xero" / "BankTransactions.json", scenario / "xero" / "Journals.json"
    bank, journals = json.loads(bank_file.read_text()), json.loads(journal_file.read_text())
    changed = []
    for tx in bank["BankTransactions"]:
        line = tx["LineItems"][0]
        if tx["Type"] == "RECEIVE" and line["AccountCode"] == "200":
            tx["Reference"] = line["Description"] = "Customer transfer"
            for holder, key in ((line, "UnitAmount"), (line, "LineAmount"), (tx, "SubTotal"), (tx, "Total")):
                holder[key] = round(holder[key] + extra, 2)
            changed.append(tx["BankTransactionID"])
            if len(changed) == count:
                break
    assert len(changed) == count, "the scenario should hold bank receipts from customers"
    for journal in journals["Journals"]:
        if journal.get("SourceID") in changed:
            journal["Reference"] = "Customer transfer"
            for jl in journal["JournalLines"]:
                step = extra if jl["NetAmount"] > 0 else -extra
                jl["NetAmount"] = round(jl["NetAmount"] + step, 2)
                jl["GrossAmount"] = round(jl["GrossAmount"] + step, 2)
                jl["Description"] = "Customer transfer"
    bank_file.write_text(json.dumps(bank))
    journal_file.write_text(json.dumps(journals))


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """A small Xero scenario served by the sandbox, and the environment of a `tieout` process using it."""
    from app import sandbox_env
    from sandbox.generator import cli as gen_cli

    root = tmp_path_factory.mktemp("runswap")
    scenario = root / "scenario"
    gen_cli.run(out=scenario, ledger="xero", seed=5, size="small", invoices=150, rates=None)
    blur_bank_receipts(scenario)
    runtime = sandbox_env.start(scenario, fast=True)
    env = {
        **os.environ,
        **runtime.env,
        "TIEOUT_WAREHOUSE": str(root / "wh" / "tieout.duckdb"),
        "TIEOUT_DBT_TARGET_PATH": str(root / "target"),
    }
    try:
        yield root / "wh" / "tieout.duckdb", env
    finally:
        runtime.stop()


@pytest.mark.timeout(1200)  # two real load + build runs (about a minute each on an idle machine)
def test_tieout_run_swaps_in_while_the_app_reads_and_decides(sandbox) -> None:  # noqa: ANN001
    warehouse, env = sandbox
    first = tieout(["run"], env)
    out, _ = first.communicate(timeout=550)
    assert first.returncode == 0, out
    assert "swapped in the new warehouse" in out and warehouse.exists()
    proposal_id = Reader(warehouse).scalar(
        "select proposal_id from journals.proposals where target = 'sage100' order by proposal_id limit 1"
    )
    assert proposal_id
    suggested = Reader(warehouse).df(
        "select payment_system, payment_ref, open_item_system, document_number, allocated_amount "
        "from recon.payment_matches where decision = 'suggested' and document_number is not null "
        "order by payment_ref, document_number"
    )
    assert len(suggested) >= 2, "the scenario should leave suggested payment matches for a person"
    accept, reject = suggested.iloc[0].to_dict(), suggested.iloc[-1].to_dict()
    preparer = User("preparer", "preparer", "Pat")
    assert decisions.decide_match(warehouse, accept, "accepted", preparer).ok
    assert decisions.decide_match(warehouse, reject, "rejected", preparer, "not this invoice").ok
    before = os.stat(warehouse).st_ino

    reads = Reads(warehouse)
    reads.start()
    second = tieout(["run"], env)
    approved = None
    deadline = time.monotonic() + 550
    while second.poll() is None and time.monotonic() < deadline:  # approve while dbt builds the copy
        status = refresh.read_status(warehouse) or {}
        if approved is None and status.get("step") == "build" and status.get("kind") == "run":
            approved = decisions.approve(warehouse, proposal_id, User("approver", "approver", "Alex"), "mid")
        time.sleep(0.1)
    out, _ = second.communicate(timeout=30)
    reads.stop.set()
    reads.join(10)

    assert second.returncode == 0, out
    assert approved is not None and approved.ok, (approved, out)
    assert reads.errors == [] and reads.ok > 20
    assert os.stat(warehouse).st_ino != before  # the copy was swapped in
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select who, decision, comment from ops.approvals where proposal_id = ?", [proposal_id]
        ).fetchall()
    assert ("approver", "approved", "mid") in rows
    last = refresh.history(warehouse)[0]
    assert last["kind"] == "run" and last["state"] == "succeeded" and last["swapped"]

    # the rebuild read the match decisions back (ops.match_decisions): the accepted suggestion is now a
    # manual allocation, the rejected one is not suggested again; the Payment matching page shows both
    reader = Reader(warehouse)
    rows = reader.rows(
        "select payment_ref, document_number, rule, decision from recon.payment_matches "
        "where (payment_ref = ? and document_number = ?) or (payment_ref = ? and document_number = ?)",
        [accept["payment_ref"], accept["document_number"], reject["payment_ref"], reject["document_number"]],
    )
    assert (accept["payment_ref"], accept["document_number"], "manual", "auto") in rows, rows
    assert (reject["payment_ref"], reject["document_number"]) not in {(r[0], r[1]) for r in rows}
    shown, _ = pay.matches(reader, "auto", accept["document_number"], ("manual",), 0, 50)
    assert [
        (r.decided, r.decided_by) for r in shown.itertuples() if r.payment_ref == accept["payment_ref"]
    ] == [("accepted", "preparer")]


def test_a_failed_build_leaves_the_live_warehouse_as_it_was(tmp_path: Path) -> None:
    live = small_warehouse(tmp_path / "wh.duckdb")
    with duckdb.connect(str(live)) as con:  # a currency twice: stg_xero__currencies' uniqueness test fails
        con.execute(
            "create schema raw_xero; create table raw_xero.currencies as select * from (values "
            "('EUR', 't1', 'Euro', '1767225600.1', 'a'), ('EUR', 't1', 'Euro', '1767225600.1', 'b')) "
            "v(code, tenant_id, description, _dlt_load_id, _dlt_id)"
        )
    before = (os.stat(live).st_ino, live.read_bytes())
    env = {**os.environ, "TIEOUT_WAREHOUSE": str(live), "TIEOUT_DBT_TARGET_PATH": str(tmp_path / "target")}
    child = tieout(["build", "--select", "stg_xero__currencies"], env)
    out, _ = child.communicate(timeout=200)
    assert child.returncode == 1, out
    assert "the live warehouse was left as it was" in out
    assert (os.stat(live).st_ino, live.read_bytes()) == before
    assert refresh.RefreshPaths(live).work.exists()  # kept for the next run to continue from
    last = refresh.history(live)[0]
    assert last["kind"] == "build" and last["state"] == "failed" and not last["swapped"]

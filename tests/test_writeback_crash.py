"""Crash safety: the writeback process is killed (SIGKILL) at random points, many seeds, and run again
until done; every approved proposal must then be posted exactly once, counted in the target itself.

Most runs are forked children that kill themselves at their N-th crash point
(``TIEOUT_WRITEBACK_CRASH_AFTER``, see writeback/crash.py), so many seeds stay fast; a few run the real
``tieout writeback`` command, one of them killed by a timer from outside.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sandbox.xero.config import XeroConfig
from tests.test_writeback_support import (
    NEW_CUSTOMER_ROW,
    ROOT,
    Journal,
    SageEnv,
    approve_all,
    gl_journal,
    line,
    make_sage_env,
    running_xero,
    settings_for,
    write_proposals,
    xero_get,
    xero_target,
)
from writeback import audit, crash
from writeback.targets import vi_layouts as vi
from writeback.targets.xero import marker
from writeback.warehouse import connect

FORK = multiprocessing.get_context("fork")
SEEDS = range(8)


def _child(crash_after: int | None, make_target: Any, settings: Any, target: str) -> None:
    if crash_after is None:
        os.environ.pop(crash.ENV, None)
    else:
        os.environ[crash.ENV] = str(crash_after)
    from writeback.runner import run_writeback

    tgt = make_target()
    report = run_writeback(target=target, settings=settings, targets={target: tgt}, echo=lambda _: None)
    os._exit(report.exit_code)


def run_until_done(seed: int, make_target: Any, settings: Any, target: str, points: int, surely: int) -> None:
    """Run writeback in forked children: twice killed at a random crash point in 1..``points``, then until
    a run ends cleanly. The first run, told to die at a point <= ``surely`` (it reaches more), must die."""
    rng = random.Random(seed)
    runs: list[tuple[int | None, int]] = []
    for attempt in range(6):
        crash_after = rng.randint(1, points) if attempt < 2 else None
        child = FORK.Process(target=_child, args=(crash_after, make_target, settings, target))
        child.start()
        child.join(60)
        assert child.exitcode is not None, "the writeback child hung"
        runs.append((crash_after, child.exitcode))
        if crash_after is None and child.exitcode == 0:
            break
    else:
        raise AssertionError(f"seed {seed}: writeback never finished cleanly: {runs}")
    assert all(code in (0, -signal.SIGKILL) for _, code in runs), runs
    first_point, first_code = runs[0]
    assert first_code == -signal.SIGKILL or first_point > surely, runs


def outbox_states(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse)) as con:
        return dict(con.execute("select idempotency_key, state from ops.outbox").fetchall())


# -- Sage 100 ------------------------------------------------------------------------------------------------


def sage_proposals() -> tuple[list[Journal], list[dict[str, Any]]]:
    journals = [gl_journal(f"P-GL-{n}", amount=f"{100 + n}.25") for n in range(2)]
    journals += [
        Journal(
            "P-CR-1",
            "sage100",
            "2026-03-16",
            [
                line("1000-00-00", debit="1650.00"),
                line("1200-00-00", credit="1107.50", party="00-ABF", document_number="0100001"),
                line("1200-00-00", credit="542.50", party="00-ABF", document_number="0100002"),
            ],
            kind="cash_receipt",
            description="Check 5001 Acme Bakery",
        ),
        Journal(
            "P-CR-2",
            "sage100",
            "2026-03-17",
            [
                line("1000-00-00", debit="880.10"),
                line(
                    "1200-00-00", credit="880.10", party="00-ZEN", document_number="0100004", reference="77"
                ),
            ],
            kind="cash_receipt",
            description="Check 77 Zen Garden",
        ),
    ]
    return journals, [NEW_CUSTOMER_ROW]


def check_sage_exactly_once(env: SageEnv, journals: list[Journal]) -> None:
    states = outbox_states(env.warehouse)
    assert len(states) == len(journals) + 1 and set(states.values()) == {"posted"}, states
    for j in journals:
        rows = env.rows(
            "SELECT SourceJournal, JournalRegisterNo FROM GL_DetailPosting WHERE DocumentNo = ?",
            vi.entry_no(j.key),
        )
        assert len({r[1] for r in rows}) == 1, (
            f"{j.proposal_id} posted in {len(rows)} rows / several registers"
        )
        assert len(rows) == (2 if j.kind == "journal" else 2), rows
    receipts = env.rows("SELECT InvoiceNo, CashAmountApplied FROM AR_CashReceiptsHistory ORDER BY InvoiceNo")
    assert [(i, Decimal(a)) for i, a in receipts] == [
        ("0100001", Decimal("1107.5")),
        ("0100002", Decimal("542.5")),
        ("0100004", Decimal("880.1")),
    ]
    assert {Decimal(b) for (b,) in env.rows("SELECT Balance FROM AR_OpenInvoice")} == {Decimal(0)}
    assert len(env.rows("SELECT * FROM AR_Customer WHERE CustomerNo LIKE 'NEWCO%'")) == 1
    with connect(env.warehouse) as con:
        assert audit.verify(con).ok


@pytest.mark.parametrize("seed", SEEDS)
def test_sage100_killed_at_random_points_posts_each_proposal_exactly_once(tmp_path: Path, seed: int) -> None:
    env = make_sage_env(tmp_path)
    journals, deltas = sage_proposals()
    write_proposals(env.warehouse, journals, deltas)
    approve_all(env.warehouse, *journals, "MD-C1")
    run_until_done(seed, env.target, env.settings(), "sage100", points=40, surely=15)
    check_sage_exactly_once(env, journals)


# -- Xero ------------------------------------------------------------------------------------------


def xero_proposals(seed: int) -> list[Journal]:
    """Proposals unique to ``seed`` (seeds share the sandbox): small payments, so every seed can pay."""
    journals = [
        Journal(
            f"X-GL-{seed}-{n}",
            "xero",
            "2026-03-15",
            [line("429", debit=f"{10 + n}.00"), line("090", credit=f"{10 + n}.00")],
            description=f"Accrual {n}",
        )
        for n in range(4)
    ]
    journals += [
        Journal(
            f"X-PAY-{seed}-1",
            "xero",
            "2026-03-16",
            [
                line("090", debit="3.00"),
                line("610", credit="1.00", document_number="INV-0001"),
                line("610", credit="2.00", document_number="INV-0002"),
            ],
            kind="payment",
            description="Receipt 1",
        ),
        Journal(
            f"X-PAY-{seed}-2",
            "xero",
            "2026-03-16",
            [
                line("090", debit="3.00"),
                line("610", credit="3.00", document_number="INV-0003"),
            ],
            kind="payment",
            description="Receipt 2",
        ),
    ]
    return journals


@pytest.fixture(scope="module")
def forgetful_xero() -> Any:
    """One Xero sandbox for all seeds that forgets idempotency keys at once: only asking Xero can stop a
    second posting."""
    with running_xero(XeroConfig(idempotency_ttl=0)) as xero:
        yield xero


def amounts_due(url: str) -> dict[str, Decimal]:
    return {i["InvoiceNumber"]: Decimal(str(i["AmountDue"])) for i in xero_get(url, "Invoices")}


@pytest.mark.parametrize("seed", SEEDS)
def test_xero_killed_at_random_points_posts_each_proposal_exactly_once(
    tmp_path: Path, seed: int, forgetful_xero: Any
) -> None:
    url = forgetful_xero.url
    warehouse = tmp_path / "wh.duckdb"
    journals = xero_proposals(seed)
    write_proposals(warehouse, journals)
    approve_all(warehouse, *journals)
    due_before = amounts_due(url)

    def make_target() -> Any:
        target = xero_target(url)
        target.batch_size = 2
        return target

    run_until_done(seed, make_target, settings_for(warehouse), "xero", points=14, surely=9)
    states = outbox_states(warehouse)
    assert set(states.values()) == {"posted"} and len(states) == len(journals)
    manual = xero_get(url, "ManualJournals")
    for j in journals[:4]:
        assert sum(marker(j.key) in m["Narration"] for m in manual) == 1, j.proposal_id
    payments = xero_get(url, "Payments")
    for j, count in ((journals[4], 2), (journals[5], 1)):
        mine = [p for p in payments if str(p["Reference"]).startswith(f"tieout {j.key}#")]
        assert sorted(p["Reference"][-1] for p in mine) == [str(n) for n in range(1, count + 1)]
    due = amounts_due(url)
    assert [due_before[n] - due[n] for n in ("INV-0001", "INV-0002", "INV-0003")] == [
        Decimal("1.00"),
        Decimal("2.00"),
        Decimal("3.00"),
    ]


# -- the real command ----------------------------------------------------------------------------------


def cli_env(env: SageEnv, crash_after: int | None) -> dict[str, str]:
    values = dict(os.environ)
    values.update(
        {
            "TIEOUT_WAREHOUSE": str(env.warehouse),
            "WRITEBACK__SAGE100__CONNECTION_STRING": f"Driver={{SQLite3}};Database={env.db};Timeout=10000;",
            "WRITEBACK__SAGE100__IMPORT_DIR": str(env.import_dir),
            "WRITEBACK__RETRY_BASE_SECONDS": "0",
        }
    )
    values.pop(crash.ENV, None)
    if crash_after is not None:
        values[crash.ENV] = str(crash_after)
    return values


def tieout(env: SageEnv, crash_after: int | None = None, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tieout.cli", "writeback", "--target", "sage100", "--user", "ops-bot"],
        env=cli_env(env, crash_after),
        cwd=ROOT.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_the_tieout_command_killed_by_itself_and_by_a_timer_still_posts_exactly_once(tmp_path: Path) -> None:
    env = make_sage_env(tmp_path)
    journals, deltas = sage_proposals()
    write_proposals(env.warehouse, journals, deltas)
    approve_all(env.warehouse, *journals, "MD-C1")

    first = tieout(env, crash_after=17)
    _, err = first.communicate(timeout=120)
    assert first.returncode == -signal.SIGKILL and "crash point 17" in err
    assert "sending" in set(outbox_states(env.warehouse).values())

    timed = tieout(env)
    time.sleep(random.Random(5).uniform(1.5, 3.0))  # somewhere in start-up or posting
    if timed.poll() is None:
        timed.send_signal(signal.SIGKILL)
    timed.communicate(timeout=60)

    last = tieout(env)
    out, err = last.communicate(timeout=120)
    assert last.returncode == 0, out + err
    check_sage_exactly_once(env, journals)
    with duckdb.connect(str(env.warehouse)) as con:
        actors = {
            a
            for (a,) in con.execute(
                "select distinct actor from ops.audit_log where action = 'send'"
            ).fetchall()
        }
    assert actors == {"ops-bot"}

"""Xero writeback: ManualJournals and Payments through the shared client, batched with per-item results,
an Idempotency-Key on every call, storms ridden out, refusals dead-lettered, crashes recovered."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from sandbox.faults import FaultInjector, FaultSpec
from sandbox.serve import Clock
from sandbox.xero.config import XeroConfig, XeroLimits
from tests.test_writeback_support import (
    NEW_CUSTOMER_ROW,
    NEW_XERO_CONTACT_ROW,
    XERO_TENANT,
    Journal,
    approve_all,
    line,
    running_xero,
    settings_for,
    write_proposals,
    xero_get,
    xero_target,
)
from writeback import audit
from writeback import outbox as ob
from writeback.proposals import load_proposals
from writeback.runner import run_writeback
from writeback.targets.base import OutboxItem
from writeback.targets.xero import marker, payment_reference
from writeback.warehouse import connect


def journal(pid: str, amount: str = "125.50", day: str = "2026-03-15", account: str = "429") -> Journal:
    return Journal(
        pid,
        "xero",
        day,
        [line(account, debit=amount, description="accrual"), line("090", credit=amount)],
        description=f"Accrual {pid}",
    )


def payment(pid: str, *invoices: tuple[str, str], day: str = "2026-03-16") -> Journal:
    total = sum((Decimal(a) for _, a in invoices), Decimal(0))
    return Journal(
        pid,
        "xero",
        day,
        [line("090", debit=f"{total:.2f}")]
        + [line("610", credit=amount, document_number=number) for number, amount in invoices],
        kind="payment",
        description=f"Receipt {pid}",
    )


def eur_lines(
    debit_account: str,
    credit_account: str,
    amount: str,
    base: str,
    base_credit: str | None = None,
    **extra: str,
) -> list[dict[str, Any]]:
    """A debit and a credit of ``amount`` EUR carrying ``base`` USD as their base amounts (the credit's
    ``base_credit`` when given); ``extra`` goes on the credit line."""
    fx = {"currency": "EUR", "base_currency": "USD"}
    return [
        line(debit_account, debit=amount, base_debit=base, base_credit="0", **fx),
        line(credit_account, credit=amount, base_debit="0", base_credit=base_credit or base, **fx, **extra),
    ]


def run(warehouse: Path, url: str, **kwargs: Any) -> Any:
    target = kwargs.pop("target", None) or xero_target(url)
    settings = kwargs.pop("settings", None) or settings_for(warehouse)
    try:
        return run_writeback(
            target="xero", settings=settings, targets={"xero": target}, echo=lambda _: None, **kwargs
        )
    finally:
        target.close()


def outbox_states(warehouse: Path) -> dict[str, tuple[str, str | None]]:
    with duckdb.connect(str(warehouse)) as con:
        return {
            k: (s, e)
            for k, s, e in con.execute(
                "select idempotency_key, state, coalesce(last_error, target_ref) from ops.outbox"
            ).fetchall()
        }


def with_marker(url: str, key: str) -> list[dict[str, Any]]:
    return [j for j in xero_get(url, "ManualJournals") if marker(key) in j["Narration"]]


def payments_for(url: str, key: str) -> list[dict[str, Any]]:
    return [p for p in xero_get(url, "Payments") if str(p["Reference"]).startswith(f"tieout {key}#")]


def invoice(url: str, number: str) -> dict[str, Any]:
    (found,) = [i for i in xero_get(url, "Invoices") if i["InvoiceNumber"] == number]
    return found


def test_journals_and_payments_post_once_with_idempotency_keys(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    j1, j2 = journal("X-1"), journal("X-2", amount="20.00", account="400")
    pay = payment("X-PAY", ("INV-0001", "580.50"), ("INV-0002", "100.00"))
    write_proposals(warehouse, [j1, j2, pay])
    approve_all(warehouse, j1, j2, pay)
    with running_xero() as xero:
        sandbox = xero.app.state.sandbox
        report = run(warehouse, xero.url)
        assert report.exit_code == 0 and len(report.posted) == 3
        for j in (j1, j2):
            (posted,) = with_marker(xero.url, j.key)
            assert posted["Status"] == "POSTED" and posted["Narration"].startswith(
                f"Accrual {j.proposal_id} "
            )
            amounts = sorted(Decimal(str(ln["LineAmount"])) for ln in posted["JournalLines"])
            assert amounts == [-j.amount, j.amount]
        paid = payments_for(xero.url, pay.key)
        assert sorted((p["Reference"][-1], Decimal(str(p["Amount"]))) for p in paid) == [
            ("1", Decimal("580.50")),
            ("2", Decimal("100.00")),
        ]
        assert Decimal(str(invoice(xero.url, "INV-0001")["AmountDue"])) == 0
        assert invoice(xero.url, "INV-0001")["Status"] == "PAID"
        assert Decimal(str(invoice(xero.url, "INV-0002")["AmountDue"])) == Decimal("105.20")
        # one batched PUT per collection, each with its own Idempotency-Key
        assert sandbox.calls["PUT ManualJournals"] == 1 and sandbox.calls["PUT Payments"] == 1
        tenant = next(iter(sandbox.tenants.values()))
        assert len(tenant.idempotency) == 2
        assert run(warehouse, xero.url).posted == []
        assert len(with_marker(xero.url, j1.key)) == 1 and len(payments_for(xero.url, pay.key)) == 2
        assert sandbox.calls["PUT ManualJournals"] == 1
    assert {s for s, _ in outbox_states(warehouse).values()} == {"posted"}


def test_the_period_lock_date_is_a_guard(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    locked = journal("X-LOCKED", day="2026-01-31")  # the organisation's PeriodLockDate
    write_proposals(warehouse, [locked])
    approve_all(warehouse, locked)
    with running_xero() as xero:
        report = run(warehouse, xero.url)
        assert report.refused[locked.key] == [
            "posting date 2026-01-31 is on or before Xero's period lock date 2026-01-31; date it after the "
            "lock date or ask the organisation's adviser to move the lock"
        ]
        assert with_marker(xero.url, locked.key) == []
        assert xero.app.state.sandbox.calls["PUT ManualJournals"] == 0


@pytest.mark.parametrize(
    ("proposal", "reason"),
    [
        (
            journal("X-BAD", account="9999"),
            "Xero: Account code '9999' is not a valid code for this document.",
        ),
        (journal("X-ARCH", account="477"), "Account code '477' has been archived, or deleted."),
        (
            payment("X-OVER", ("INV-0004", "60.00")),
            "payment 1: Xero: Payment amount (60.00) exceeds the amount outstanding on this document (54.00)",
        ),
        (
            Journal(
                "X-EUR",
                "xero",
                "2026-03-15",
                [line("429", debit="10.00", currency="EUR"), line("090", credit="10.00", currency="EUR")],
            ),
            "Xero manual journals are in the base currency USD; this proposal has lines in EUR without USD "
            "amounts",
        ),
    ],
)
def test_refused_items_land_in_dead_letter_with_xeros_reason(
    tmp_path: Path, proposal: Journal, reason: str
) -> None:
    warehouse = tmp_path / "wh.duckdb"
    good = journal("X-GOOD")
    write_proposals(warehouse, [good, proposal])
    approve_all(warehouse, good, proposal)
    with running_xero() as xero:
        report = run(warehouse, xero.url)
        states = outbox_states(warehouse)
        assert states[good.key][0] == "posted"  # the other item of the batch is not held back
        state, error = states[proposal.key]
        assert state == "dead-letter" and reason in error
        assert report.exit_code == 1 and reason in report.dead_letter[0]
        assert with_marker(xero.url, proposal.key) == [] and payments_for(xero.url, proposal.key) == []


def test_a_storm_of_429s_and_5xx_is_ridden_out(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    proposals = [journal(f"X-{n}", amount=f"{n}.00") for n in range(1, 5)]
    proposals.append(payment("X-PAY", ("INV-0003", "515.70")))
    write_proposals(warehouse, proposals)
    approve_all(warehouse, *proposals)
    config = XeroConfig(
        limits=XeroLimits(per_minute=3),  # a minute of this sandbox lasts one real second
        clock=Clock(speed=60),
        faults=FaultSpec.parse("error_rate=0.3,drop_rate=0.15,seed=11"),
    )
    with running_xero(config) as xero:
        sandbox = xero.app.state.sandbox
        # another app of the same tenant spends the minute's budget in bursts while writeback runs
        other = httpx.Client(base_url=f"{xero.url}/api.xro/2.0", headers={"xero-tenant-id": XERO_TENANT})
        token = httpx.post(
            f"{xero.url}/connect/token",
            data={"grant_type": "client_credentials"},
            auth=("tieout-sandbox", "sandbox-secret"),
        ).json()["access_token"]
        other.headers["Authorization"] = f"Bearer {token}"
        stop = threading.Event()

        def bursts() -> None:
            for _ in range(3):
                for _ in range(4):
                    with contextlib.suppress(httpx.HTTPError):  # the faults hit it too
                        other.get("Organisation")
                if stop.wait(1.0):
                    return

        noisy = threading.Thread(target=bursts, daemon=True)
        noisy.start()
        target = xero_target(xero.url, calls_per_minute=None, limit_window_seconds=1.0, retry_attempts=20)
        target.batch_size = 1  # one call per posting: more calls into the storm
        report = run(warehouse, xero.url, target=target)
        stop.set()
        noisy.join()
        other.close()
        stats = sandbox.stats()
        assert stats["rejections"].get("minute", 0) >= 3, stats
        assert stats["faults"], stats
        assert report.exit_code == 0, report.lines
        assert len(report.posted) == 5
        sandbox.limiter, sandbox.faults = None, FaultInjector(None)  # calm, to read back what was posted
        for p in proposals[:-1]:
            assert len(with_marker(xero.url, p.key)) == 1
        assert len(payments_for(xero.url, proposals[-1].key)) == 1


def test_a_crash_after_xero_answered_is_recovered_by_asking_xero(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    j, pay = journal("X-1"), payment("X-PAY", ("INV-0006", "600.00"), ("INV-0007", "94.50"))
    write_proposals(warehouse, [j, pay])
    approve_all(warehouse, j, pay)
    config = XeroConfig(idempotency_ttl=0)  # Xero has forgotten the key: only asking it can prevent a repeat
    with running_xero(config) as xero:
        with connect(warehouse) as con:
            proposals = load_proposals(con)
            for p in proposals.values():
                ob.enqueue(con, p, "writeback", ["alice"])
            ob.mark_sending(con, [j.key, pay.key], "writeback")
            items = [ob.get(con, k).item() for k in (j.key, pay.key)]
        target = xero_target(xero.url)
        # the journal and the first payment reached Xero, then the process died
        (posted,) = target.post([items[0]])
        assert posted.ok
        first_payment = {
            "Invoice": {"InvoiceNumber": "INV-0006"},
            "Account": {"Code": "090"},
            "Date": "2026-03-16",
            "Amount": "600.00",
            "Reference": payment_reference(pay.key, 1),
        }
        target.client.request("PUT", "Payments", target.tenant_id, json={"Payments": [first_payment]})
        target.close()
        report = run(warehouse, xero.url)
        assert report.recovered == [f"X-1:{j.content_hash[:12]} -> {posted.ref}"]
        assert len(report.posted) == 1 and report.posted[0].startswith(f"X-PAY:{pay.content_hash[:12]}")
        assert len(with_marker(xero.url, j.key)) == 1
        assert sorted(p["Reference"][-1] for p in payments_for(xero.url, pay.key)) == ["1", "2"]
    with connect(warehouse) as con:
        assert [e.action for e in audit.entries(con, f"outbox:{j.key}")] == ["enqueue", "send", "recovered"]
        assert audit.verify(con).ok


@contextmanager
def alert_receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("content-length", 0))
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/alerts", received
    finally:
        server.shutdown()
        server.server_close()


def test_a_dead_letter_raises_an_alert_on_the_webhook(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    bad = journal("X-BAD", account="9999")
    write_proposals(warehouse, [bad])
    approve_all(warehouse, bad)
    with running_xero() as xero, alert_receiver() as (url, received):
        run(warehouse, xero.url, settings=settings_for(warehouse, alert_webhook_url=url))
    (alert,) = received
    assert alert["event"] == "dead-letter" and alert["target"] == "xero"
    assert alert["idempotency_key"] == bad.key
    assert "Account code '9999' is not a valid code" in alert["message"]


def test_the_configured_client_finds_the_tenant_and_posts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "wh.duckdb"
    j = journal("X-CFG")
    write_proposals(warehouse, [j])
    approve_all(warehouse, j)
    with running_xero() as xero:
        for name, value in {
            "API_URL": f"{xero.url}/api.xro/2.0",
            "TOKEN_URL": f"{xero.url}/connect/token",
            "CONNECTIONS_URL": f"{xero.url}/connections",
        }.items():
            monkeypatch.setenv(f"SOURCES__XERO__{name}", value)
        report = run_writeback(target="xero", settings=settings_for(warehouse), echo=lambda _: None)
        assert report.exit_code == 0 and len(report.posted) == 1
        assert len(with_marker(xero.url, j.key)) == 1


def test_foreign_currency_amounts_post_in_the_currency_xero_takes(tmp_path: Path) -> None:
    """A EUR journal carrying its USD base amounts posts the base amounts as a manual journal (Xero's
    manual journals are in base currency); a EUR receipt pays the EUR invoice in EUR at the proposal's
    rate."""
    warehouse = tmp_path / "wh.duckdb"
    eur_journal = Journal(
        "X-FX-J", "xero", "2026-03-15", eur_lines("429", "090", "90.00", "100.00"), description="EUR accrual"
    )
    eur_receipt = Journal(
        "X-FX-PAY",
        "xero",
        "2026-03-16",
        # INV-0005 is a EUR invoice (CurrencyRate 0.9)
        eur_lines("090", "610", "900.00", "1000.00", document_number="INV-0005"),
        kind="cash_receipt",
        description="EUR receipt",
    )
    write_proposals(warehouse, [eur_journal, eur_receipt])
    with connect(warehouse) as con:
        loaded = load_proposals(con)
    assert loaded["X-FX-J"].lines[0].in_base() == (Decimal("100.00"), Decimal("0.00"), "USD")
    assert loaded["X-FX-J"].amount == Decimal("100.00")  # the threshold compares the base amount
    approve_all(warehouse, eur_journal, eur_receipt)
    with running_xero() as xero:
        report = run(warehouse, xero.url)
        assert report.exit_code == 0, report.lines
        (posted,) = with_marker(xero.url, eur_journal.key)
        assert sorted(Decimal(str(ln["LineAmount"])) for ln in posted["JournalLines"]) == [
            Decimal("-100.00"),
            Decimal("100.00"),
        ]
        (paid,) = payments_for(xero.url, eur_receipt.key)
        assert Decimal(str(paid["Amount"])) == Decimal("900.00")
        assert Decimal(str(paid["CurrencyRate"])) == Decimal("0.9")
        assert paid["Invoice"]["CurrencyCode"] == "EUR"
        assert Decimal(str(invoice(xero.url, "INV-0005")["AmountDue"])) == Decimal("536.40")
        # the bank posting in Xero's journal is the base amount, 900 EUR at 0.9 EUR per USD
        entries = [
            ln
            for j in xero_get(xero.url, "Journals")
            if j.get("SourceID") == paid["PaymentID"]
            for ln in j["JournalLines"]
        ]
        assert sorted(Decimal(str(ln["NetAmount"])) for ln in entries) == [
            Decimal("-1000.00"),
            Decimal("1000.00"),
        ]


def test_a_unbalanced_base_currency_is_refused(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh.duckdb"
    bad = Journal("X-FX-BAD", "xero", "2026-03-15", eur_lines("429", "090", "90.00", "100.00", "99.99"))
    write_proposals(warehouse, [bad])
    approve_all(warehouse, bad)
    with running_xero() as xero:
        report = run(warehouse, xero.url)
    assert report.refused[bad.key] == [
        "the journal's base-currency amounts do not balance in USD: debits 100.00 != credits 99.99 "
        "(difference 0.01); rebuild it (`tieout build`)"
    ]


def test_sage100_parties_the_ledger_lacks_become_xero_contacts(tmp_path: Path) -> None:
    """A Sage 100 customer missing in Xero is a proposal for Xero: PUT Contacts with an Idempotency-Key and
    summarizeErrors=false, found again by its ContactNumber (the Sage 100 key) after a crash; a duplicate
    Sage 100 party is not proposed, and a name Xero already has lands in dead-letter with Xero's reason."""
    warehouse = tmp_path / "wh.duckdb"
    taken = {**NEW_XERO_CONTACT_ROW, "delta_id": "MD-X2", "party_code": "00-ACME", "party_name": "Acme Ltd"}
    twin = {
        **NEW_XERO_CONTACT_ROW,
        "delta_id": "MD-X3",
        "party_code": "00-HILL2",
        "duplicate_of": "00-HILLS",  # another Sage 100 customer of that name
    }
    write_proposals(warehouse, [], [NEW_CUSTOMER_ROW, NEW_XERO_CONTACT_ROW, taken, twin])
    with connect(warehouse) as con:
        proposals = load_proposals(con)
    assert {pid: p.target for pid, p in proposals.items()} == {
        "MD-C1": "sage100",  # the ledger's new customer goes to Sage 100
        "MD-X1": "xero",
        "MD-X2": "xero",
    }  # MD-X3 is one side of a duplicate: people sort it out first
    contact, clash = proposals["MD-X1"], proposals["MD-X2"]
    approve_all(warehouse, "MD-X1", "MD-X2")
    with running_xero() as xero:
        sandbox = xero.app.state.sandbox
        dry = run(warehouse, xero.url, dry_run=True)
        (text,) = [t for t in dry.would_post if '"ContactNumber": "00-HILLTOP"' in t]
        assert "PUT Contacts?summarizeErrors=false" in text and '"Name": "Hilltop Bakery"' in text
        report = run(warehouse, xero.url)
        states = outbox_states(warehouse)
        assert states[contact.key][0] == "posted", report.lines
        assert states[clash.key] == (
            "dead-letter",
            "Xero: The contact name Acme Ltd is already assigned to another contact. The contact name "
            "must be unique across all active contacts.",
        )
        assert sandbox.calls["PUT Contacts"] == 1  # one batch, with its Idempotency-Key
        tenant = next(iter(sandbox.tenants.values()))
        assert [k for k in tenant.idempotency if "|put|/api.xro/2.0/contacts|" in k.lower()]
        (created,) = [c for c in xero_get(xero.url, "Contacts") if c.get("ContactNumber") == "00-HILLTOP"]
        assert created["Name"] == "Hilltop Bakery" and created["EmailAddress"] == "ap@hilltop.example"
        assert created["Addresses"][0]["City"] == "Boulder"
        assert created["Phones"][0]["PhoneNumber"] == "303-555-0100"
        # after a crash the target asks Xero by ContactNumber and does not create it twice
        target = xero_target(xero.url)
        assert (
            target.find_posted(OutboxItem(contact.key, contact, "sending", 1))
            == f"Contact {created['ContactID']}"
        )
        target.close()

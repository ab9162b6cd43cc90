"""truth/ is consistent with the scenario it describes: every row points at records that exist, every
payment's allocations add up, every exception type is injected, and nothing else disagrees — for the
generator's own company and for the ``other`` habits (sandbox.generator.habits: month-end invoicing,
long-tailed payment lags, other currencies and rates), which every test here also runs on."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from sandbox.generator.config import EXCEPTION_TYPES
from tests.test_generator_support import dec, index, read_csv, read_json, scenario

LEDGERS = ["xero", "kashflow"]


@pytest.fixture(params=["generator", "other"], autouse=True)
def habits(request: pytest.FixtureRequest) -> str:
    """Every test runs on both companies' scenarios."""
    return request.param


SOURCE_PAYMENT_KINDS = {
    "receipt",
    "batch_receipt",
    "bill_payment",
    "batch_bill_payment",
    "prepayment",
    "bank_receipt",
}


@pytest.mark.parametrize("ledger", LEDGERS)
def test_every_exception_type_is_injected_on_small(ledger, habits):
    rows = read_csv(scenario(ledger, habits=habits) / "truth" / "injections.csv")
    counts = defaultdict(int)
    for r in rows:
        counts[r["exception_type"]] += 1
    missing = [t for t in EXCEPTION_TYPES if counts[t] == 0]
    assert not missing, f"never injected: {missing}"
    assert set(counts) <= set(EXCEPTION_TYPES)
    assert len({r["injection_id"] for r in rows}) == len(rows)


@pytest.mark.parametrize("ledger", LEDGERS)
def test_allocations_sum_to_payment_amount(ledger, habits):
    rows = read_csv(scenario(ledger, habits=habits) / "truth" / "payment_allocations.csv")
    totals: dict[tuple, Decimal] = defaultdict(Decimal)
    amounts: dict[tuple, set] = defaultdict(set)
    for r in rows:
        key = (r["payment_system"], r["payment_kind"], r["payment_ref"])
        totals[key] += Decimal(r["allocated_amount"])
        amounts[key].add(Decimal(r["payment_amount"]))
        assert r["basis"] in {"recorded", "intended", "on_account", "orphan"}
    assert len(totals) > 1000
    for key, total in totals.items():
        assert len(amounts[key]) == 1, key
        assert total == amounts[key].pop(), key
    kinds = {k[1] for k in totals}
    assert {
        "receipt",
        "batch_receipt",
        "bill_payment",
        "bank_receipt",
        "prepayment",
        "credit_note",
        "sage_receipt",
        "sage_check",
        "credit_memo",
    } <= kinds


def _sage_doc_exists(idx, module: str, party: str, number: str) -> bool:
    if module in ("AR", "invoice", "credit_note"):
        return number in idx.ar_docs
    vendor = party.split("-", 1)[1] if "-" in party else party
    return (vendor, number) in idx.ap_docs


@pytest.mark.parametrize("ledger", LEDGERS)
def test_allocations_point_at_existing_records(ledger, habits):
    path = scenario(ledger, habits=habits)
    idx = index(path)
    for r in read_csv(path / "truth" / "payment_allocations.csv"):
        system, kind, ref = r["payment_system"], r["payment_kind"], r["payment_ref"]
        if system == ledger:
            assert ref in idx.source_payments, (kind, ref)
            if r["basis"] != "on_account":
                assert (r["document_kind"], r["document_number"]) in idx.source_docs, r
            continue
        assert system == "sage100"
        if kind == "sage_receipt":
            assert idx.sage_receipts[ref] == Decimal(r["payment_amount"]), ref
        elif kind == "sage_check":
            assert idx.sage_checks[ref] == Decimal(r["payment_amount"]), ref
        else:
            assert kind == "credit_memo" and ref in idx.ar_docs
        if r["basis"] == "recorded":
            assert _sage_doc_exists(
                idx, "AR" if kind != "sage_check" else "AP", r["party"], r["document_number"]
            ), r
        elif r["basis"] == "orphan":
            assert r["document_number"] not in idx.ar_docs, r
        elif r["document_kind"] == "unapplied_cash":
            div, cust = r["party"].split("-", 1)
            assert idx.ar_open[(div, cust, r["document_number"], "PP")] == -Decimal(r["allocated_amount"])


@pytest.mark.parametrize("ledger", LEDGERS)
def test_injections_point_at_existing_records(ledger, habits):
    path = scenario(ledger, habits=habits)
    idx = index(path)
    for r in read_csv(path / "truth" / "injections.csv"):
        kind, number, sage_no, system = (
            r["record_kind"],
            r["document_number"],
            r["sage100_document"],
            r["system"],
        )
        et = r["exception_type"]
        if kind in ("invoice", "bill", "credit_note"):
            if et == "missing_in_source":
                assert number == sage_no and _sage_doc_exists(idx, kind, r["sage100_party"], sage_no), r
                assert (kind, number) not in idx.source_docs
                continue
            assert (kind, number) in idx.source_docs, r
            if et == "missing_in_sage100":
                assert sage_no == "" and system == ledger
            else:
                assert _sage_doc_exists(idx, kind, r["sage100_party"], sage_no), r
        elif kind in SOURCE_PAYMENT_KINDS:
            assert number in idx.source_payments, r
            if sage_no:
                assert sage_no in idx.sage_receipts or sage_no in idx.sage_checks, r
            else:
                assert et == "payment_missing_in_sage100"
        elif kind == "sage_receipt":
            assert number in idx.sage_receipts, r
        elif kind == "sage_check":
            assert number in idx.sage_checks, r
        elif kind in ("customer", "vendor"):
            assert number in idx.source_parties, r
            div, no = r["sage100_party"].split("-", 1)
            assert (div, no) in (idx.customers if kind == "customer" else idx.vendors), r
        elif kind == "item":
            assert number in idx.source_items and sage_no in idx.sage_items, r
        elif kind == "journal":
            assert sage_no in idx.sage_registers, r
            if et == "unbalanced_journal":
                assert number in idx.source_journals, r
        else:
            pytest.fail(f"unexpected record_kind {kind}")


@pytest.mark.parametrize("ledger", LEDGERS)
def test_pairs_point_at_existing_records(ledger, habits):
    path = scenario(ledger, habits=habits)
    idx = index(path)
    truth = path / "truth"
    for r in read_csv(truth / "document_pairs.csv"):
        kind = r["document_kind"]
        if kind in ("invoice", "bill", "credit_note"):
            src = idx.source_docs[(kind, r["document_number"])]
            total = dec(src.get("Total", src.get("GrossAmount")))
            assert abs(total) == abs(Decimal(r["source_amount"])), r
            assert _sage_doc_exists(
                idx, r["sage100_module"], f"x-{r['sage100_party']}", r["sage100_document"]
            ), r
        elif kind == "bank_transaction":
            assert r["document_number"] in idx.source_bank and r["sage100_document"] in idx.sage_registers, r
        else:
            assert kind == "manual_journal"
            assert (
                r["document_number"] in idx.source_journals and r["sage100_document"] in idx.sage_registers
            ), r
    for r in read_csv(truth / "payment_pairs.csv"):
        assert r["payment_ref"] in idx.source_payments, r
        sage = idx.sage_receipts.get(r["sage100_payment_ref"], idx.sage_checks.get(r["sage100_payment_ref"]))
        assert sage == Decimal(r["sage100_amount"]), r
    for r in read_csv(truth / "party_pairs.csv"):
        assert r["source_code"] in idx.source_parties, r
        pool = idx.customers if r["party_kind"] == "customer" else idx.vendors
        assert (r["sage100_division"], r["sage100_party"]) in pool, r
    for r in read_csv(truth / "item_pairs.csv"):
        assert r["source_code"] in idx.source_items and r["sage100_item_code"] in idx.sage_items, r
    for r in read_csv(truth / "account_map.csv"):
        assert r["source_code"] in idx.source_accounts, r
        assert idx.sage_accounts[r["sage100_account"]] == r["sage100_account_key"], r


@pytest.mark.parametrize("ledger", LEDGERS)
def test_uninjected_documents_agree_between_systems(ledger, habits):
    """Open balances differ only where truth/ says why (an injection or documented cent noise)."""
    path = scenario(ledger, habits=habits)
    idx = index(path)
    truth = path / "truth"
    explained: set[str] = set()
    for r in read_csv(truth / "injections.csv"):
        explained |= {r["document_number"], r["sage100_document"]}
    injected_payments = {r["document_number"] for r in read_csv(truth / "injections.csv")}
    for a in read_csv(truth / "payment_allocations.csv"):
        if a["payment_ref"] in injected_payments:
            explained.add(a["document_number"])
    noise = {r["document_number"] for r in read_csv(truth / "noise.csv")}
    checked = 0
    for p in read_csv(truth / "document_pairs.csv"):
        if p["document_kind"] not in ("invoice", "bill") or p["relation"] != "same":
            continue
        if {p["document_number"], p["sage100_document"]} & explained:
            continue
        src = idx.source_docs[(p["document_kind"], p["document_number"])]
        if src.get("Status") in ("VOIDED", "DRAFT", "Draft"):
            continue
        due = dec(src["AmountDue"] if "AmountDue" in src else src["DueAmount"])
        if p["sage100_module"] == "AR":
            key = (
                p["sage100_division"],
                p["sage100_party"],
                p["sage100_document"],
                p["sage100_invoice_type"],
            )
            balance = idx.ar_open.get(key, Decimal(0))
        else:
            balance = idx.ap_open.get((p["sage100_party"], p["sage100_document"]), Decimal(0))
        assert (
            Decimal(p["source_amount"]) - Decimal(p["sage100_amount"]) in (0, -Decimal("0.01"))
            or p["document_number"] in noise
        ), p
        diff = balance - due
        assert diff == 0 or (p["document_number"] in noise and diff == Decimal("0.01")), (p, due, balance)
        checked += 1
    assert checked > 1500


@pytest.mark.parametrize("ledger", LEDGERS)
def test_sage_gl_is_double_entry_except_injected_journals(ledger, habits):
    path = scenario(ledger, habits=habits)
    registers: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    per_period: dict[tuple[str, str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for r in read_csv(path / "sage100" / "GL_DetailPosting.csv"):
        registers[(r["SourceJournal"], r["JournalRegisterNo"])] += Decimal(r["DebitAmount"]) - Decimal(
            r["CreditAmount"]
        )
        y, m, _ = r["PostingDate"].split("-")
        per_period[(r["AccountKey"], y, m)][0] += Decimal(r["DebitAmount"])
        per_period[(r["AccountKey"], y, m)][1] += Decimal(r["CreditAmount"])
    unbalanced = {reg for (journal, reg), v in registers.items() if v != 0}
    injected = {
        r["sage100_document"]
        for r in read_csv(path / "truth" / "injections.csv")
        if r["exception_type"] == "unbalanced_journal"
    }
    assert unbalanced == injected and injected
    for r in read_csv(path / "sage100" / "GL_PeriodPostingHistory.csv"):
        debit, credit = per_period.get((r["AccountKey"], r["FiscalYear"], r["FiscalPeriod"]), (0, 0))
        assert (Decimal(r["DebitAmount"]), Decimal(r["CreditAmount"])) == (debit, credit), r


def test_xero_journals_balance_and_are_numbered_in_order(habits):
    journals = read_json(scenario("xero", habits=habits) / "xero" / "Journals.json")["Journals"]
    numbers = [j["JournalNumber"] for j in journals]
    assert numbers == list(range(1, len(journals) + 1))
    for j in journals:
        assert sum(dec(line["NetAmount"]) for line in j["JournalLines"]) == 0, j["JournalNumber"]


def _sales_lines(ledger: str, doc: dict) -> list[tuple[str, Decimal]]:
    """(item code or account for a free-text line, quantity) of a source sales document's lines."""
    item, account = ("ItemCode", "AccountCode") if ledger == "xero" else ("ProductCode", "NominalCode")
    return [(ln.get(item) or f"account:{ln[account]}", dec(ln["Quantity"])) for ln in doc["LineItems"]]


@pytest.mark.parametrize("ledger", LEDGERS)
def test_injected_outliers_leave_their_items_normal_range(ledger, habits):
    """An outlier_amount injection is a quantity no ordinary line of the same item (or, for free-text
    lines, the same account) comes near: at least ten times the largest ordinary quantity."""
    path = scenario(ledger, habits=habits)
    idx = index(path)
    injections = read_csv(path / "truth" / "injections.csv")
    outliers = [r for r in injections if r["exception_type"] == "outlier_amount"]
    assert outliers
    injected = {r["document_number"] for r in outliers}
    ordinary: dict[str, Decimal] = defaultdict(Decimal)
    for (kind, number), doc in idx.source_docs.items():
        if kind == "invoice" and number not in injected:
            for key, qty in _sales_lines(ledger, doc):
                ordinary[key] = max(ordinary[key], abs(qty))
    for r in outliers:
        key, qty = _sales_lines(ledger, idx.source_docs[("invoice", r["document_number"])])[0]
        assert qty >= 10 * ordinary[key], (r["document_number"], key, qty, ordinary[key])

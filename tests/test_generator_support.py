"""Shared helpers for the generator tests: cached small scenarios and an index of what they hold.

Not a test module of its own (it defines no tests); other ``test_generator*`` modules import it.
"""

from __future__ import annotations

import atexit
import csv
import functools
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sandbox.generator.config import GeneratorConfig
from sandbox.generator.engine import generate

_ROOT = Path(tempfile.mkdtemp(prefix="tieout-generator-tests-"))
atexit.register(shutil.rmtree, _ROOT, True)


def scenario(ledger: str, seed: int = 1, invoices: int | None = None, habits: str = "generator") -> Path:
    """Generate (once per session) a scenario with the company ``habits`` and return its directory."""
    return _scenario(ledger, seed, invoices, habits)


@functools.cache
def _scenario(ledger: str, seed: int, invoices: int | None, habits: str) -> Path:
    out = _ROOT / f"{ledger}-{seed}-{invoices or 'small'}-{habits}"
    out.mkdir()
    generate(GeneratorConfig(ledger=ledger, seed=seed, size="small", invoices=invoices, habits=habits), out)
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def dec(value) -> Decimal:
    return Decimal(str(value))


@dataclass
class Index:
    """What exists in a scenario, keyed the way truth/ refers to it."""

    ledger: str
    source_docs: dict[tuple[str, str], dict] = field(default_factory=dict)
    """(document_kind, document_number) -> source object."""
    source_payments: set[str] = field(default_factory=set)
    source_parties: dict[str, dict] = field(default_factory=dict)
    source_items: set[str] = field(default_factory=set)
    source_accounts: set[str] = field(default_factory=set)
    source_journals: set[str] = field(default_factory=set)
    source_bank: set[str] = field(default_factory=set)
    ar_docs: dict[str, dict] = field(default_factory=dict)
    ap_docs: dict[tuple[str, str], dict] = field(default_factory=dict)
    ar_open: dict[tuple[str, str, str, str], Decimal] = field(default_factory=dict)
    ap_open: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    sage_receipts: dict[str, Decimal] = field(default_factory=dict)
    sage_checks: dict[str, Decimal] = field(default_factory=dict)
    sage_registers: set[str] = field(default_factory=set)
    customers: set[tuple[str, str]] = field(default_factory=set)
    vendors: set[tuple[str, str]] = field(default_factory=set)
    sage_items: set[str] = field(default_factory=set)
    sage_accounts: dict[str, str] = field(default_factory=dict)


@functools.cache
def index(path: Path) -> Index:
    manifest = read_json(path / "manifest.json")
    idx = Index(ledger=manifest["ledger"])
    if idx.ledger == "xero":
        x = path / "xero"
        for inv in read_json(x / "Invoices.json")["Invoices"]:
            kind = "invoice" if inv["Type"] == "ACCREC" else "bill"
            idx.source_docs[(kind, inv["InvoiceNumber"])] = inv
        for cn in read_json(x / "CreditNotes.json")["CreditNotes"]:
            idx.source_docs[("credit_note", cn["CreditNoteNumber"])] = cn
            idx.source_payments.add(cn["CreditNoteID"])
        for p in read_json(x / "Payments.json")["Payments"]:
            idx.source_payments.add(p["PaymentID"])
            if "BatchPaymentID" in p:
                idx.source_payments.add(p["BatchPaymentID"])
        for b in read_json(x / "BankTransactions.json")["BankTransactions"]:
            idx.source_payments.add(b["BankTransactionID"])
            idx.source_bank.add(b["BankTransactionID"])
        for c in read_json(x / "Contacts.json")["Contacts"]:
            if "AccountNumber" in c:
                idx.source_parties[c["AccountNumber"]] = c
        idx.source_items = {i["Code"] for i in read_json(x / "Items.json")["Items"]}
        idx.source_accounts = {a["Code"] for a in read_json(x / "Accounts.json")["Accounts"]}
        idx.source_journals = {
            j["ManualJournalID"] for j in read_json(x / "ManualJournals.json")["ManualJournals"]
        }
    else:
        k = path / "kashflow"
        for inv in read_json(k / "invoices.json"):
            kind = "credit_note" if Decimal(str(inv["GrossAmount"])) < 0 else "invoice"
            idx.source_docs[(kind, str(inv["Number"]))] = inv
            if kind == "credit_note":
                idx.source_payments.add(str(inv["Number"]))
            for line in inv["PaymentLines"]:
                idx.source_payments.add(str(line["Id"]))
                if line["BulkPaymentNumber"]:
                    idx.source_payments.add(f"bulk:{line['BulkPaymentNumber']}")
        for pur in read_json(k / "purchases.json"):
            idx.source_docs[("bill", str(pur["Number"]))] = pur
            for line in pur["PaymentLines"]:
                idx.source_payments.add(str(line["Id"]))
                if line["BulkPaymentNumber"]:
                    idx.source_payments.add(f"bulk:{line['BulkPaymentNumber']}")
        for b in read_json(k / "banktransactions.json"):
            idx.source_payments.add(str(b["Id"]))
            idx.source_bank.add(str(b["Id"]))
        for c in read_json(k / "customers.json") + read_json(k / "suppliers.json"):
            idx.source_parties[c["Code"]] = c
        idx.source_items = {p["Code"] for p in read_json(k / "products.json")}
        idx.source_accounts = {str(n["Code"]) for n in read_json(k / "nominals.json")}
        idx.source_journals = {str(j["Number"]) for j in read_json(k / "journals.json")}
    s = path / "sage100"
    for r in read_csv(s / "AR_InvoiceHistoryHeader.csv"):
        idx.ar_docs[r["InvoiceNo"]] = r
    for r in read_csv(s / "AP_InvoiceHistoryHeader.csv"):
        idx.ap_docs[(r["VendorNo"], r["InvoiceNo"])] = r
    for r in read_csv(s / "AR_OpenInvoice.csv"):
        idx.ar_open[(r["ARDivisionNo"], r["CustomerNo"], r["InvoiceNo"], r["InvoiceType"])] = Decimal(
            r["Balance"]
        )
    for r in read_csv(s / "AP_OpenInvoice.csv"):
        idx.ap_open[(r["VendorNo"], r["InvoiceNo"])] = Decimal(r["Balance"])
    for r in read_csv(s / "AR_CashReceiptsHistory.csv"):
        ref = f"{r['DepositNo']}/{r['ARDivisionNo']}-{r['CustomerNo']}/{r['CheckNo']}"
        idx.sage_receipts[ref] = idx.sage_receipts.get(ref, Decimal(0)) + Decimal(r["CashAmountApplied"])
    for r in read_csv(s / "AP_CheckHistoryHeader.csv"):
        idx.sage_checks[f"{r['BankCode']}/{r['CheckNo']}"] = Decimal(r["CheckAmt"])
    idx.sage_registers = {
        r["JournalRegisterNo"] for r in read_csv(s / "GL_DetailPosting.csv") if r["SourceJournal"] == "GJ"
    }
    idx.customers = {(r["ARDivisionNo"], r["CustomerNo"]) for r in read_csv(s / "AR_Customer.csv")}
    idx.vendors = {(r["APDivisionNo"], r["VendorNo"]) for r in read_csv(s / "AP_Vendor.csv")}
    idx.sage_items = {r["ItemCode"] for r in read_csv(s / "CI_Item.csv")}
    idx.sage_accounts = {r["Account"]: r["AccountKey"] for r in read_csv(s / "GL_Account.csv")}
    return idx

"""The perturbation script rewrites a generated scenario into another company's habits and keeps its
truth consistent: every document truth names exists under its new number, nothing keeps the
generator's numbering, names and currencies are relabelled, and no record is added or lost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sandbox.generator.perturb import perturb
from tests.test_generator_support import index, read_csv, read_json, scenario

LEDGERS = ["xero", "kashflow"]
DOCUMENT_KINDS = {"invoice", "credit_note"}


@pytest.fixture(scope="module", params=LEDGERS)
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    src = scenario(request.param)
    dst = tmp_path_factory.mktemp(f"perturbed-{request.param}")
    return src, dst, perturb(src, dst)


def _sage_doc_exists(idx, number: str) -> bool:
    return number in idx.ar_docs or any(k[2] == number for k in idx.ar_open)


def test_truth_points_at_renumbered_records(pair) -> None:
    src, dst, counts = pair
    idx = index(dst)
    assert counts["sage100_numbers"] > 1_000 and counts["names"] > 100 and counts["currencies"] >= 2
    if idx.ledger == "xero":
        assert counts["ledger_numbers"] > 1_000
    for row in read_csv(dst / "truth" / "document_pairs.csv"):
        if row["document_kind"] in DOCUMENT_KINDS and row["source_system"] != "sage100":
            assert (row["document_kind"], row["document_number"]) in idx.source_docs, row
            if row["sage100_document"]:
                assert _sage_doc_exists(idx, row["sage100_document"]), row
    for row in read_csv(dst / "truth" / "payment_allocations.csv"):
        if row["document_kind"] not in DOCUMENT_KINDS or row["basis"] != "recorded":
            continue
        if row["payment_system"] == "sage100":
            assert _sage_doc_exists(idx, row["document_number"]) or row["payment_kind"] == "sage_receipt", row
        else:
            assert (row["document_kind"], row["document_number"]) in idx.source_docs, row
    for row in read_csv(dst / "truth" / "injections.csv"):
        if row["record_kind"] not in DOCUMENT_KINDS:
            continue
        number = row["document_number"]
        assert (row["record_kind"], number) in idx.source_docs or _sage_doc_exists(idx, number), row
        if row["sage100_document"] and row["exception_type"] != "missing_in_sage100":
            assert _sage_doc_exists(idx, row["sage100_document"]), row


def test_nothing_keeps_the_generators_habits(pair) -> None:
    src, dst, _ = pair
    ledger = read_json(dst / "manifest.json")["ledger"]
    header = read_csv(dst / "sage100" / "AR_InvoiceHistoryHeader.csv")
    assert all(re.fullmatch(r"\d{5,6}[SC][A-Z]?", r["InvoiceNo"]) for r in header)
    if ledger == "xero":
        sales = [i for i in read_json(dst / "xero" / "Invoices.json")["Invoices"] if i["Type"] == "ACCREC"]
        assert not any(re.fullmatch(r"INV-\d+", i["InvoiceNumber"]) for i in sales)
        contacts = {c["Name"] for c in read_json(dst / "xero" / "Contacts.json")["Contacts"]}
    else:
        contacts = {c["Name"] for c in read_json(dst / "kashflow" / "customers.json")}
    assert all(name == name.upper() for name in contacts)
    names = {r["source_name"] for r in read_csv(dst / "truth" / "party_pairs.csv")}
    assert names <= contacts | {
        c["Name"] for c in (read_json(dst / "kashflow" / "suppliers.json") if ledger == "kashflow" else [])
    }
    for path in sorted((src / "truth").glob("*.csv")) + sorted((src / "sage100").glob("*.csv")):
        twin = dst / path.relative_to(src)
        assert len(read_csv(path)) == len(read_csv(twin)), path.name

"""The perturbation script turns a generated scenario into another company's and keeps its truth
consistent. The rewrite: every document truth names exists under its new number, nothing keeps the
generator's numbering, names and currencies are relabelled, and no record is added or lost. The drawing
with other habits: invoices cluster at month end, payment lags spread into days and months, the foreign
business is larger and in other currencies (truth/ of such scenarios is checked by
tests/test_generator_truth.py, which runs on both habits)."""

from __future__ import annotations

import json
import re
import shutil
from calendar import monthrange
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from sandbox.generator.habits import OTHER
from sandbox.generator.perturb import perturb, rewrite
from tests.test_generator_support import index, read_csv, read_json, scenario

LEDGERS = ["xero", "kashflow"]
DOCUMENT_KINDS = {"invoice", "credit_note"}


@pytest.fixture(scope="module", params=LEDGERS)
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    src = scenario(request.param)
    dst = tmp_path_factory.mktemp(f"perturbed-{request.param}")
    return src, dst, rewrite(src, dst)


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


def _invoice_dates(path: Path) -> dict[str, date]:
    """Sales invoice number -> issue date, from the ledger's own files."""
    if read_json(path / "manifest.json")["ledger"] == "xero":
        out = {}
        for inv in read_json(path / "xero" / "Invoices.json")["Invoices"]:
            if inv["Type"] == "ACCREC":
                ms = int(re.search(r"-?\d+", inv["Date"]).group())
                out[inv["InvoiceNumber"]] = date(1970, 1, 1) + timedelta(milliseconds=ms)
        return out
    return {
        str(inv["Number"]): datetime.strptime(inv["IssuedDate"], "%Y-%m-%d %H:%M:%S").date()
        for inv in read_json(path / "kashflow" / "invoices.json")
        if float(inv["GrossAmount"]) > 0
    }


def _habits_of(path: Path) -> dict[str, float]:
    """Share of invoices in the last four days of their month, share of payments within 6 days of the
    invoice and after 60 days, share of documents in a foreign currency, and the foreign currencies."""
    dates = _invoice_dates(path)
    month_end = sum(1 for d in dates.values() if monthrange(d.year, d.month)[1] - d.day < 4)
    lags = [
        (date.fromisoformat(a["payment_date"]) - dates[a["document_number"]]).days
        for a in read_csv(path / "truth" / "payment_allocations.csv")
        if a["payment_system"] != "sage100" and a["document_number"] in dates and a["basis"] == "recorded"
    ]
    pairs = read_csv(path / "truth" / "document_pairs.csv")
    base = read_json(path / "manifest.json")["base_currency"]
    currencies = Counter(p["currency"] for p in pairs if p["currency"])
    return {
        "month_end": month_end / len(dates),
        "quick": sum(1 for lag in lags if lag <= 6) / len(lags),
        "late": sum(1 for lag in lags if lag > 60) / len(lags),
        "foreign": sum(n for c, n in currencies.items() if c != base) / sum(currencies.values()),
        "currencies": sorted(c for c in currencies if c != base),
    }


@pytest.mark.parametrize("ledger", LEDGERS)
def test_perturb_draws_other_date_spreads_and_currency_mix(ledger, tmp_path) -> None:
    src = scenario(ledger)
    counts = perturb(src, tmp_path / "other")
    manifest = read_json(tmp_path / "other" / "manifest.json")
    assert manifest["habits"] == "other" and "drawn with other habits" in manifest["perturbation"]
    assert counts["sage100_numbers"] > 1_000 and counts["names"] > 100
    own, other = _habits_of(src), _habits_of(tmp_path / "other")
    assert other["month_end"] >= 2 * own["month_end"], (own, other)  # month-end billing runs
    assert other["quick"] >= 2 * own["quick"] and other["late"] > own["late"], (own, other)
    assert other["foreign"] >= 2 * own["foreign"], (own, other)
    assert other["currencies"] == sorted(OTHER.foreign[ledger]) != own["currencies"]
    # the truth is drawn with the data: the same checks as the rewrite's hold
    idx = index(tmp_path / "other")
    for row in read_csv(tmp_path / "other" / "truth" / "payment_allocations.csv"):
        if row["document_kind"] in DOCUMENT_KINDS and row["payment_system"] != "sage100":
            assert (row["document_kind"], row["document_number"]) in idx.source_docs, row


def test_perturb_needs_a_generated_scenario_to_draw_again(tmp_path) -> None:
    src = tmp_path / "brought"
    shutil.copytree(scenario("xero"), src)
    manifest = read_json(src / "manifest.json")
    del manifest["generator_version"]
    (src / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ValueError, match="lacks generator_version.*--keep-habits"):
        perturb(src, tmp_path / "other")
    assert perturb(src, tmp_path / "rewritten", habits=None)["sage100_numbers"] > 1_000

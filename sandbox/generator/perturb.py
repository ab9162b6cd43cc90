"""Turn a generated scenario into another company's, keeping ``truth/`` consistent.

tieout is judged on scenarios its own generator did not make. This takes one the generator made and
changes what a rule tuned to the generator would lean on, in two steps.

**Drawn again with other habits** (:func:`regenerate`, when the scenario's manifest says how the generator
made it): the same seed, size and injection rates with the ``other`` habits of
``sandbox.generator.habits`` — invoices raised in month-end billing runs instead of evenly, payments
either within days or weeks to months late (a long tail instead of a bell around the terms), three
times the foreign business in other currencies (MXN, CHF, SEK beside USD; CHF, PLN, SEK beside GBP) at
other rates. Date spreads and exchange rates run through every amount, posting and truth row, so they are
drawn, not rewritten: the truth stays consistent by construction.

**Rewritten** (:func:`rewrite`), everywhere it appears (ledger JSON, Sage 100 CSVs, truth/):

* **ledger numbering** (Xero): ``INV-0042`` becomes ``25-0042-NW`` (year first, branch last) and
  ``CN-0007`` becomes ``CR25/0007``; KashFlow numbers are integers in its API and stay;
* **Sage 100 numbering**: ``IN00042`` / ``0000042`` become ``00042S``, credit memos ``00007C``;
* **remittance references**: an invoice number in a payment's or bank line's reference is written the
  way the customer keys it: lower case, no separators (``250042nw``) or with a ``#``;
* **party names**: ledger contacts in capitals, ``&`` for ``and`` (and back), a comma and a period
  before the legal form (``Hays & Flynn Inc`` -> ``HAYS AND FLYNN, INC.``); Sage 100 keeps its names;
* **currencies**: the foreign currencies relabelled (EUR -> CHF, GBP -> SEK, CAD -> AUD, USD -> NZD
  when USD is foreign), consistently in both systems and truth/.

The rewrite leaves amounts, dates and which records exist unchanged, so the truth stays the truth. Usage:
``python -m sandbox.generator.perturb SRC DST [--keep-habits]`` (``--keep-habits``: rewrite only).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

SAGE_COMMENT_WIDTH = 30
FOREIGN_RELABEL = {"EUR": "CHF", "GBP": "SEK", "CAD": "AUD", "USD": "NZD"}
LEGAL_FORMS = ("Inc", "LLC", "Ltd", "LLP", "PLC", "Corp", "Co", "Group", "Limited")
DOCUMENT_KINDS = {"invoice", "credit_note"}
_XERO_NUMBER = re.compile(r"\b(INV|CN)-(\d+)\b")
_LEGAL_TAIL = re.compile(r"\s+(" + "|".join(LEGAL_FORMS) + r")$")


def _xero_number(prefix: str, digits: str, year: str) -> str:
    n = int(digits)
    return f"{year}-{n:04d}-NW" if prefix == "INV" else f"CR{year}/{n:04d}"


def _sage_number(number: str, credit: bool, taken: set[str]) -> str:
    digits = re.sub(r"\D", "", number)
    base = f"{int(digits or 0):05d}{'C' if credit else 'S'}"
    new, extra = base, iter("ABCDEFGHJKLMNPQRSTUVWXYZ")
    while new in taken or len(new) > 7:
        new = (base if len(base) < 7 else base[-6:]) + next(extra)
    taken.add(new)
    return new


def _name(name: str) -> str:
    """Another house style for a company name: capitals, '&' <-> 'and', comma and period before the form."""
    swapped = re.sub(r"\s&\s", " AND ", name) if " & " in name else re.sub(r"\sand\s", " & ", name)
    swapped = _LEGAL_TAIL.sub(lambda m: f", {m.group(1)}.", swapped)
    return swapped.upper()


class Perturbation:
    def __init__(self, src: Path, dst: Path) -> None:
        self.src, self.dst = Path(src), Path(dst)
        self.manifest = json.loads((self.src / "manifest.json").read_text(encoding="utf-8"))
        self.ledger: str = self.manifest["ledger"]
        self.base: str = self.manifest["base_currency"]
        self.year = self.manifest["period"]["start"][2:4]
        self.ledger_numbers: dict[str, str] = {}
        self.sage_numbers: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.currencies = {k: v for k, v in FOREIGN_RELABEL.items() if k != self.base}

    # ------------------------------------------------------------------ maps
    def _read_csv(self, path: Path) -> tuple[list[str], list[dict[str, str]]]:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            return list(reader.fieldnames or []), list(reader)

    def _write_csv(self, path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)

    def _build_maps(self) -> None:
        sage = self.src / "sage100"
        credit: dict[str, bool] = {}
        for table in (
            "AR_InvoiceHistoryHeader",
            "AR_OpenInvoice",
            "AR_CashReceiptsHistory",
            "AR_TransactionPaymentHistory",
        ):
            for row in self._read_csv(sage / f"{table}.csv")[1]:
                number = row.get("InvoiceNo") or ""
                # documents only: a prepayment's number (InvoiceType PP) keeps its own habit
                if number and re.search(r"\d", number) and row.get("InvoiceType") != "PP":
                    credit[number] = credit.get(number, False) or row.get("InvoiceType") in ("CM", "CR")
        taken: set[str] = set()
        for number in sorted(credit):
            self.sage_numbers[number] = _sage_number(number, credit[number], taken)
        if self.ledger == "xero":
            x = self.src / "xero"
            docs = json.loads((x / "Invoices.json").read_text(encoding="utf-8"))["Invoices"]
            notes = json.loads((x / "CreditNotes.json").read_text(encoding="utf-8"))["CreditNotes"]
            numbers = [d["InvoiceNumber"] for d in docs if d["Type"] == "ACCREC"]
            numbers += [c["CreditNoteNumber"] for c in notes if c["Type"] == "ACCRECCREDIT"]
            for number in numbers:
                m = _XERO_NUMBER.fullmatch(number)
                if m:
                    self.ledger_numbers[number] = _xero_number(m.group(1), m.group(2), self.year)
            for c in json.loads((x / "Contacts.json").read_text(encoding="utf-8"))["Contacts"]:
                self.names[c["Name"]] = _name(c["Name"])
        else:
            k = self.src / "kashflow"
            for file in ("customers.json", "suppliers.json"):
                for c in json.loads((k / file).read_text(encoding="utf-8")):
                    self.names[c["Name"]] = _name(c["Name"])

    # ------------------------------------------------------------------ text
    def _remittance(self, text: str) -> str:
        """An invoice number in free text as a customer keys it (lower case without separators, or '#')."""

        def one(m: re.Match[str]) -> str:
            new = self.ledger_numbers.get(m.group(0))
            if new is None:
                return m.group(0)
            return re.sub(r"[^0-9a-z]", "", new.lower()) if int(m.group(2)) % 2 else "#" + new

        return _XERO_NUMBER.sub(one, text)

    def _comment(self, text: str) -> str:
        text = _XERO_NUMBER.sub(lambda m: self.ledger_numbers.get(m.group(0), m.group(0)), text)
        return re.sub(r"\b[A-Z]{0,2}\d{5,7}\b", lambda m: self.sage_numbers.get(m.group(0), m.group(0)), text)

    # ------------------------------------------------------------------ ledger JSON
    def _walk(self, value: Any, fn: Callable[[str, str], str], key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self._walk(v, fn, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v, fn, key) for v in value]
        if isinstance(value, str):
            return fn(key, value)
        return value

    def _ledger_value(self, key: str, value: str) -> str:
        if key in ("InvoiceNumber", "CreditNoteNumber"):
            return self.ledger_numbers.get(value, value)
        if key in ("Name", "CustomerName", "SupplierName", "DisplayName"):
            return self.names.get(value, value)
        if key in ("CurrencyCode", "DefaultCurrency", "Code", "BaseCurrency"):
            return self.currencies.get(value, value)
        if key in ("Reference", "Narration", "Particulars"):
            return self._remittance(value)
        return value

    def _ledger(self) -> None:
        folder = self.dst / self.ledger
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            path.write_text(json.dumps(self._walk(data, self._ledger_value), indent=1), encoding="utf-8")

    # ------------------------------------------------------------------ Sage 100 CSVs
    def _sage(self) -> None:
        for path in sorted((self.dst / "sage100").glob("*.csv")):
            fields, rows = self._read_csv(path)
            ar = path.stem.startswith("AR_")
            for row in rows:
                if ar and row.get("InvoiceNo"):
                    row["InvoiceNo"] = self.sage_numbers.get(row["InvoiceNo"], row["InvoiceNo"])
                if ar and row.get("TransactionType") == "C" and row.get("PaymentReference"):
                    # a credit memo applied: the other document's number
                    row["PaymentReference"] = self.sage_numbers.get(
                        row["PaymentReference"], row["PaymentReference"]
                    )
                if path.stem == "GL_DetailPosting" and row.get("SourceModule") in ("AR", "SO"):
                    row["DocumentNo"] = self.sage_numbers.get(row["DocumentNo"], row["DocumentNo"])
                for col in ("Comment", "PostingComment"):
                    if row.get(col):
                        # Sage 100 keeps 30 characters of a comment: longer numbers push the end out
                        row[col] = self._comment(row[col])[:SAGE_COMMENT_WIDTH].rstrip()
                if row.get("CurrencyCode"):
                    row["CurrencyCode"] = self.currencies.get(row["CurrencyCode"], row["CurrencyCode"])
            self._write_csv(path, fields, rows)

    # ------------------------------------------------------------------ truth
    def _doc(self, value: str) -> str:
        """A document number of either system (truth names the ledger's number on Sage 100 rows too)."""
        return self.ledger_numbers.get(value) or self.sage_numbers.get(value, value)

    def _truth(self) -> None:
        truth = self.dst / "truth"
        for path in sorted(truth.glob("*.csv")):
            fields, rows = self._read_csv(path)
            for row in rows:
                kind = row.get("record_kind") or row.get("document_kind") or ""
                if path.stem in ("injections", "noise") and (kind in DOCUMENT_KINDS or path.stem == "noise"):
                    row["document_number"] = self._doc(row["document_number"])
                    row["sage100_document"] = self.sage_numbers.get(
                        row["sage100_document"], row["sage100_document"]
                    )
                elif path.stem == "document_pairs" and kind in DOCUMENT_KINDS:
                    row["document_number"] = self.ledger_numbers.get(
                        row["document_number"], row["document_number"]
                    )
                    row["sage100_document"] = self.sage_numbers.get(
                        row["sage100_document"], row["sage100_document"]
                    )
                elif path.stem == "payment_allocations" and kind in DOCUMENT_KINDS:
                    row["document_number"] = self._doc(row["document_number"])
                    if row["payment_kind"] == "credit_memo":
                        row["payment_ref"] = self.sage_numbers.get(row["payment_ref"], row["payment_ref"])
                if path.stem == "party_pairs":
                    row["source_name"] = self.names.get(row["source_name"], row["source_name"])
                if row.get("details"):
                    row["details"] = self._comment(row["details"])
                if row.get("currency"):
                    row["currency"] = self.currencies.get(row["currency"], row["currency"])
            self._write_csv(path, fields, rows)

    def run(self) -> dict[str, int]:
        if self.dst.exists() and any(self.dst.iterdir()):
            raise FileExistsError(f"{self.dst} is not empty; give a new or empty directory")
        self._build_maps()
        shutil.copytree(self.src, self.dst, dirs_exist_ok=True)
        self._ledger()
        self._sage()
        self._truth()
        manifest = dict(self.manifest, name=f"{self.manifest['name']}-other-habits")
        drawn = "dates and currency mix drawn with other habits; " if self.manifest.get("habits") else ""
        manifest["perturbation"] = (
            f"sandbox.generator.perturb: {drawn}numbering, references, names, currencies"
        )
        (self.dst / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        return {
            "ledger_numbers": len(self.ledger_numbers),
            "sage100_numbers": len(self.sage_numbers),
            "names": sum(1 for k, v in self.names.items() if k != v),
            "currencies": len(self.currencies),
        }


def rewrite(src: Path, dst: Path) -> dict[str, int]:
    """Write ``src`` rewritten into another company's numbering, naming and currency labels to ``dst``;
    returns what was renamed."""
    return Perturbation(src, dst).run()


def regenerate(src: Path, dst: Path, habits: str = "other") -> Path:
    """Draw the scenario ``src`` again (same ledger, seed, size, invoice count and injection rates, from its
    manifest) with another company's ``habits`` into the empty directory ``dst``."""
    from .config import GeneratorConfig
    from .engine import generate

    manifest = json.loads((Path(src) / "manifest.json").read_text(encoding="utf-8"))
    needed = ("generator_version", "ledger", "seed", "size", "invoices", "rates")
    missing = [k for k in needed if k not in manifest]
    if missing:
        raise ValueError(
            f"{src}/manifest.json lacks {', '.join(missing)}: only a scenario the generator made can be "
            "drawn again with other habits (--keep-habits rewrites numbering, names and currencies only)"
        )
    cfg = GeneratorConfig(
        ledger=manifest["ledger"],
        seed=int(manifest["seed"]),
        size=manifest["size"],
        invoices=int(manifest["invoices"]),
        rates={k: float(v) for k, v in manifest["rates"].items()},
        habits=habits,
    )
    Path(dst).mkdir(parents=True, exist_ok=True)
    generate(cfg, Path(dst))
    return Path(dst)


def perturb(src: Path, dst: Path, habits: str | None = "other") -> dict[str, int]:
    """Write ``src`` as another company's scenario to ``dst``: drawn again with other ``habits`` (date
    spreads, currency mix; None keeps the scenario's own) and rewritten (numbering, references, names,
    currency labels). Returns what was renamed."""
    if habits is None:
        return rewrite(src, dst)
    dst = Path(dst)
    if dst.exists() and any(dst.iterdir()):
        raise FileExistsError(f"{dst} is not empty; give a new or empty directory")
    with tempfile.TemporaryDirectory(prefix="tieout-perturb-") as tmp:
        return rewrite(regenerate(src, Path(tmp) / "drawn", habits), dst)


if __name__ == "__main__":  # pragma: no cover - a thin command line
    args = [a for a in sys.argv[1:] if a != "--keep-habits"]
    if len(args) != 2:
        sys.exit("usage: python -m sandbox.generator.perturb SRC_SCENARIO DST_DIR [--keep-habits]")
    print(perturb(Path(args[0]), Path(args[1]), None if "--keep-habits" in sys.argv else "other"))

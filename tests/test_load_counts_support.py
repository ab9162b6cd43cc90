"""Scenario files vs. loaded raw tables, per table: ``python -m tests.test_load_counts_support SCENARIO
WAREHOUSE`` prints expected and loaded rows of every Xero / KashFlow / Sage 100 table and exits 1 on any
difference. Used for the medium scenarios (docs/loading.md); holds no tests itself.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import orjson

from tests.test_load_xero_support import table_counts

XERO_FILES = {
    "Contacts": "contacts",
    "Invoices": "invoices",
    "CreditNotes": "credit_notes",
    "Payments": "payments",
    "BankTransactions": "bank_transactions",
    "ManualJournals": "manual_journals",
    "Journals": "journals",
    "Accounts": "accounts",
    "Items": "items",
    "Organisation": "organisation",
    "Currencies": "currencies",
}
XERO_NESTED = {
    ("Invoices", "LineItems"): "invoices__line_items",
    ("Invoices", "Payments"): "invoices__payments",
    ("CreditNotes", "LineItems"): "credit_notes__line_items",
    ("BankTransactions", "LineItems"): "bank_transactions__line_items",
    ("ManualJournals", "JournalLines"): "manual_journals__journal_lines",
    ("Journals", "JournalLines"): "journals__journal_lines",
}
KASHFLOW_NESTED = ("LineItems", "PaymentLines")


def _records(path: Path) -> list[dict]:
    body = orjson.loads(path.read_bytes())
    if isinstance(body, dict):
        body = next(v for v in body.values() if isinstance(v, list))
    return list(body)


def expected_counts(scenario: Path) -> dict[str, dict[str, int]]:
    """Rows each raw table should hold after a full load of ``scenario``, per dataset."""
    expected: dict[str, dict[str, int]] = {}
    if (scenario / "xero").is_dir():
        xero: dict[str, int] = {}
        records = {name: _records(scenario / "xero" / f"{name}.json") for name in XERO_FILES}
        for name, table in XERO_FILES.items():
            xero[table] = len(records[name])
        for (name, field), table in XERO_NESTED.items():
            xero[table] = sum(len(r.get(field) or []) for r in records[name])
        expected["raw_xero"] = xero
    if (scenario / "kashflow").is_dir():
        kashflow: dict[str, int] = {}
        for path in sorted((scenario / "kashflow").glob("*.json")):
            rows = _records(path)
            kashflow[path.stem] = len(rows)
            for field in KASHFLOW_NESTED:
                if any(field in r for r in rows):
                    child = f"{path.stem}__{'line_items' if field == 'LineItems' else 'payment_lines'}"
                    kashflow[child] = sum(len(r.get(field) or []) for r in rows)
        expected["raw_kashflow"] = kashflow
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    naming = NamingConvention()
    sage: dict[str, int] = {}
    for path in sorted((scenario / "sage100").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            sage[naming.normalize_table_identifier(path.stem)] = sum(1 for _ in csv.reader(handle)) - 1
    expected["raw_sage100"] = sage
    return expected


def compare(scenario: Path, warehouses: list[Path]) -> list[tuple[str, str, int, int | None]]:
    """``(dataset, table, expected, loaded)`` for every expected table (loaded None: dataset missing)."""
    rows = []
    for dataset, tables in expected_counts(scenario).items():
        loaded: dict[str, int] | None = None
        for warehouse in warehouses:
            found = table_counts(warehouse, dataset)
            if found:
                loaded = found
                break
        for table, count in tables.items():
            rows.append((dataset, table, count, None if loaded is None else loaded.get(table, 0)))
        if loaded and "_quarantine" in loaded:
            rows.append((dataset, "_quarantine", 0, loaded["_quarantine"]))
    return rows


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m tests.test_load_counts_support SCENARIO WAREHOUSE [WAREHOUSE...]")
        return 2
    rows = compare(Path(argv[0]), [Path(a) for a in argv[1:]])
    bad = 0
    for dataset, table, expected, loaded in rows:
        if loaded is None:
            continue
        mark = "" if loaded == expected else "  <-- differs"
        bad += bool(mark)
        print(f"{dataset}.{table:<36} expected {expected:>9,}  loaded {loaded:>9,}{mark}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

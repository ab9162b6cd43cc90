"""Helpers for the loader tests: small Xero scenarios, sandbox servers, warehouse queries.

Not a test module (it holds no tests); the loader tests import it.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

XERO_ENV_PREFIX = "SOURCES__XERO__"
BASE = datetime(2024, 1, 1, tzinfo=UTC)


def ms_date(moment: datetime) -> str:
    return f"/Date({int(moment.timestamp() * 1000)}+0000)/"


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def write_xero_scenario(
    folder: Path,
    *,
    invoices: int = 30,
    contacts: int = 8,
    payments: int = 12,
    journals: int = 0,
    seed: int = 1,
    org_name: str = "Tieout Test Ltd",
    malformed: dict[str, list[tuple[int, str, Any]]] | None = None,
) -> dict[str, Any]:
    """Write ``folder/xero/*.json`` + manifest; return the expected counts and sums.

    ``malformed`` maps a resource to ``(index, field, bad value)`` edits, e.g.
    ``{"Invoices": [(3, "Total", "12.x0")]}``; those records are expected in quarantine.
    """
    rng = random.Random(seed)
    xero = folder / "xero"
    xero.mkdir(parents=True, exist_ok=True)
    org_id = _id(rng)
    stamp = BASE
    accounts = [
        {
            "AccountID": _id(rng),
            "Code": "200",
            "Name": "Sales",
            "Type": "REVENUE",
            "Status": "ACTIVE",
            "TaxType": "OUTPUT",
            "UpdatedDateUTC": ms_date(stamp),
        },
        {
            "AccountID": _id(rng),
            "Code": "610",
            "Name": "Accounts Receivable",
            "Type": "CURRENT",
            "Status": "ACTIVE",
            "SystemAccount": "DEBTORS",
            "UpdatedDateUTC": ms_date(stamp),
        },
        {
            "AccountID": _id(rng),
            "Code": "090",
            "Name": "Bank",
            "Type": "BANK",
            "Status": "ACTIVE",
            "UpdatedDateUTC": ms_date(stamp),
        },
        {
            "AccountID": _id(rng),
            "Code": "820",
            "Name": "GST",
            "Type": "CURRLIAB",
            "Status": "ACTIVE",
            "SystemAccount": "GST",
            "UpdatedDateUTC": ms_date(stamp),
        },
    ]
    contact_rows = []
    for i in range(contacts):
        stamp += timedelta(minutes=7)
        contact_rows.append(
            {
                "ContactID": _id(rng),
                "ContactNumber": f"C{i:04d}",
                "Name": f"Customer {i}",
                "ContactStatus": "ARCHIVED" if i == 0 else "ACTIVE",
                "IsCustomer": True,
                "UpdatedDateUTC": ms_date(stamp),
            }
        )
    invoice_rows = []
    statuses = ["AUTHORISED", "PAID", "VOIDED", "DELETED", "DRAFT"]
    for i in range(invoices):
        stamp += timedelta(minutes=3)
        lines = []
        for n in range(1 + i % 3):
            qty = Decimal(1 + (i + n) % 4)
            unit = Decimal(rng.randint(100, 99999)) / 100
            lines.append(
                {
                    "LineItemID": _id(rng),
                    "Description": f"line {n}",
                    "Quantity": float(qty),
                    "UnitAmount": float(unit),
                    "LineAmount": float(qty * unit),
                    "AccountCode": "200",
                    "TaxAmount": 0.0,
                }
            )
        total = sum((Decimal(str(li["LineAmount"])) for li in lines), Decimal("0"))
        contact = contact_rows[i % contacts]
        invoice_rows.append(
            {
                "Type": "ACCREC",
                "InvoiceID": _id(rng),
                "InvoiceNumber": f"INV-{i:05d}",
                "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
                "Date": ms_date(BASE + timedelta(days=i % 60)),
                "DueDate": ms_date(BASE + timedelta(days=30 + i % 60)),
                "Status": statuses[i % len(statuses)],
                "LineAmountTypes": "Exclusive",
                "LineItems": lines,
                "SubTotal": float(total),
                "TotalTax": 0.0,
                "Total": float(total),
                "AmountDue": float(total),
                "AmountPaid": 0.0,
                "CurrencyCode": "GBP",
                "UpdatedDateUTC": ms_date(stamp),
            }
        )
    payment_rows = []
    for i in range(payments):
        stamp += timedelta(minutes=5)
        invoice = invoice_rows[i % invoices]
        amount = (Decimal(str(invoice["Total"])) / 2).quantize(Decimal("0.01"))
        payment_rows.append(
            {
                "PaymentID": _id(rng),
                "Date": ms_date(BASE + timedelta(days=10 + i)),
                "Amount": float(amount),
                "Status": "DELETED" if i == 1 else "AUTHORISED",
                "PaymentType": "ACCRECPAYMENT",
                "Invoice": {"InvoiceID": invoice["InvoiceID"], "InvoiceNumber": invoice["InvoiceNumber"]},
                "Account": {"AccountID": accounts[2]["AccountID"], "Code": "090"},
                "UpdatedDateUTC": ms_date(stamp),
            }
        )
    journal_rows = [
        {
            "JournalID": _id(rng),
            "JournalNumber": n + 1,
            "JournalDate": ms_date(BASE + timedelta(days=n % 60)),
            "CreatedDateUTC": ms_date(BASE + timedelta(minutes=n)),
            "SourceType": "ACCREC",
            "JournalLines": [
                {
                    "JournalLineID": _id(rng),
                    "AccountCode": "610",
                    "NetAmount": 10.0,
                    "GrossAmount": 10.0,
                    "TaxAmount": 0.0,
                },
                {
                    "JournalLineID": _id(rng),
                    "AccountCode": "200",
                    "NetAmount": -10.0,
                    "GrossAmount": -10.0,
                    "TaxAmount": 0.0,
                },
            ],
        }
        for n in range(journals)
    ]
    bodies: dict[str, dict[str, Any]] = {
        "Organisation": {
            "Organisations": [
                {"OrganisationID": org_id, "Name": org_name, "BaseCurrency": "GBP", "CountryCode": "GB"}
            ]
        },
        "Currencies": {
            "Currencies": [
                {"Code": "GBP", "Description": "Pound Sterling"},
                {"Code": "EUR", "Description": "Euro"},
            ]
        },
        "Accounts": {"Accounts": accounts},
        "Items": {
            "Items": [
                {"ItemID": _id(rng), "Code": "WIDGET", "Name": "Widget", "UpdatedDateUTC": ms_date(BASE)}
            ]
        },
        "Contacts": {"Contacts": contact_rows},
        "Invoices": {"Invoices": invoice_rows},
        "Payments": {"Payments": payment_rows},
        "CreditNotes": {"CreditNotes": []},
        "BankTransactions": {"BankTransactions": []},
        "ManualJournals": {"ManualJournals": []},
        "Journals": {"Journals": journal_rows},
    }
    quarantined: dict[str, set[str]] = {}
    for resource, edits in (malformed or {}).items():
        key = next(iter(bodies[resource]))
        for index, field, value in edits:
            record = bodies[resource][key][index]
            record[field] = value
            quarantined.setdefault(resource, set()).add(index)
    for name, body in bodies.items():
        (xero / f"{name}.json").write_text(json.dumps(body))
    manifest = {
        "name": org_name,
        "seed": seed,
        "ledger": "xero",
        "base_currency": "GBP",
        "period": {"start": "2024-01-01", "end": "2024-03-31"},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))

    def valid(resource: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        bad = quarantined.get(resource, set())
        return [r for i, r in enumerate(rows) if i not in bad]

    good_invoices = valid("Invoices", invoice_rows)
    return {
        "tenant_id": org_id,
        "counts": {
            "contacts": len(valid("Contacts", contact_rows)),
            "invoices": len(good_invoices),
            "invoices__line_items": sum(len(r["LineItems"]) for r in good_invoices),
            "payments": len(valid("Payments", payment_rows)),
            "accounts": len(accounts),
            "items": 1,
            "organisation": 1,
            "currencies": 2,
            "journals": len(journal_rows),
        },
        "invoice_total": sum((Decimal(str(r["Total"])) for r in good_invoices), Decimal("0")),
        "payment_total": sum(
            (Decimal(str(r["Amount"])) for r in valid("Payments", payment_rows)), Decimal("0")
        ),
        "quarantined": sum(len(v) for v in quarantined.values()),
    }


@contextmanager
def xero_sandbox(scenario: Path | list[Path], **config: Any) -> Iterator[Any]:
    """A running Xero sandbox server (free port) for ``scenario``; ``config`` goes to ``XeroConfig``."""
    from sandbox.serve import start_xero
    from sandbox.xero.config import XeroConfig

    handle = start_xero(scenario, XeroConfig(**config))
    try:
        yield handle
    finally:
        handle.stop()


def xero_settings(handle: Any, **extra: Any) -> dict[str, str]:
    """``SOURCES__XERO__*`` environment for a sandbox handle (fast retries for tests)."""
    values: dict[str, Any] = {
        "API_URL": f"{handle.url}/api.xro/2.0",
        "TOKEN_URL": f"{handle.url}/connect/token",
        "CONNECTIONS_URL": f"{handle.url}/connections",
        "RETRY_INITIAL_WAIT": "0.01",
        "RETRY_MAX_WAIT": "0.2",
        "TIMEOUT": "10",
    }
    values.update({k.upper(): v for k, v in extra.items()})
    return {XERO_ENV_PREFIX + k: str(v) for k, v in values.items()}


def query(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def table_counts(warehouse: Path, dataset: str) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ?", [dataset]
            ).fetchall()
            if not r[0].startswith("_dlt")
        ]
        return {t: con.execute(f'select count(*) from "{dataset}"."{t}"').fetchone()[0] for t in tables}


def generated_scenario(folder: Path, ledger: str, invoices: int = 300, seed: int = 5) -> Path:
    """A scenario written by the project's generator (``tieout sandbox generate``)."""
    from sandbox.generator import cli

    cli.run(out=folder, ledger=ledger, seed=seed, size="small", invoices=invoices, rates=None)
    return folder


def scenario_records(path: Path, key: str | None = None) -> list[dict[str, Any]]:
    """The records of one scenario file: a Xero body (``{"Invoices": [...]}``) or a KashFlow list."""
    body = json.loads(path.read_text(), parse_float=Decimal)
    if isinstance(body, dict):
        body = body[key] if key else next(v for v in body.values() if isinstance(v, list))
    return list(body)


def variant_columns(warehouse: Path, dataset: str) -> list[tuple[str, str]]:
    """Columns dlt split off because a field changed type (``x__v_decimal``): there must be none."""
    return query(
        warehouse,
        "select table_name, column_name from information_schema.columns "
        "where table_schema = ? and column_name like '%\\_\\_v\\_%' escape '\\'",
        [dataset],
    )

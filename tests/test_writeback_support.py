"""Fixtures for the writeback tests: a small Sage 100 sandbox company, a warehouse holding proposals in
the shape of the ``journals`` / ``recon`` contract, and a Xero sandbox with a target pointed at it."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from sandbox.sage100.build import build_company
from sandbox.sage100.schema import TABLES
from writeback.settings import WritebackSettings

ROOT = Path(__file__).resolve().parent
XERO_SCENARIO = ROOT / "fixtures" / "scenario_mini" / "xero_scenario"
XERO_TENANT = "672917b3-da23-5904-8241-028204044197"
AUDIT = {
    "DateCreated": "2025-01-02",
    "TimeCreated": "8.00000",
    "UserCreatedKey": "0000000001",
    "DateUpdated": "2025-01-02",
    "TimeUpdated": "8.00000",
    "UserUpdatedKey": "0000000001",
}

SAGE_ROWS: dict[str, list[dict[str, str]]] = {
    "GL_Account": [
        {
            "AccountKey": "000000001",
            "Account": "1000-00-00",
            "AccountDesc": "Cash in bank",
            "Status": "A",
            "AccountType": "AS",
        },
        {
            "AccountKey": "000000002",
            "Account": "1200-00-00",
            "AccountDesc": "Accounts receivable",
            "Status": "A",
            "AccountType": "AS",
        },
        {
            "AccountKey": "000000003",
            "Account": "4000-00-00",
            "AccountDesc": "Sales",
            "Status": "A",
            "AccountType": "IN",
        },
        {
            "AccountKey": "000000004",
            "Account": "6000-00-00",
            "AccountDesc": "Expenses",
            "Status": "A",
            "AccountType": "EX",
        },
        {
            "AccountKey": "000000005",
            "Account": "6999-00-00",
            "AccountDesc": "Old expenses",
            "Status": "I",
            "AccountType": "EX",
        },
    ],
    "AR_Division": [
        {
            "ARDivisionNo": "00",
            "ARDivisionDesc": "Main",
            "AccountsReceivableAcctKey": "000000002",
            "CashAcctKey": "000000001",
        },
    ],
    "AP_Division": [{"APDivisionNo": "00", "APDivisionDesc": "Main", "AccountsPayableAcctKey": "000000004"}],
    "AR_Customer": [
        {
            "ARDivisionNo": "00",
            "CustomerNo": "ABF",
            "CustomerName": "Acme Bakery",
            "CurrentBalance": "1650.00",
            "CustomerStatus": "A",
            "CurrencyCode": "USD",
        },
        {
            "ARDivisionNo": "00",
            "CustomerNo": "ZEN",
            "CustomerName": "Zen Garden",
            "CurrentBalance": "880.10",
            "CustomerStatus": "A",
            "CurrencyCode": "USD",
        },
    ],
    "AP_Vendor": [{"APDivisionNo": "00", "VendorNo": "0000001", "VendorName": "Great Plains Mills"}],
    "AR_OpenInvoice": [
        {
            "ARDivisionNo": "00",
            "CustomerNo": "ABF",
            "InvoiceNo": "0100001",
            "InvoiceType": "IN",
            "InvoiceDate": "2026-02-05",
            "Balance": "1107.50",
            "CurrencyCode": "USD",
            "ExchangeRate": "1",
        },
        {
            "ARDivisionNo": "00",
            "CustomerNo": "ABF",
            "InvoiceNo": "0100002",
            "InvoiceType": "IN",
            "InvoiceDate": "2026-02-12",
            "Balance": "542.50",
            "CurrencyCode": "USD",
            "ExchangeRate": "1",
        },
        {
            "ARDivisionNo": "00",
            "CustomerNo": "ZEN",
            "InvoiceNo": "0100004",
            "InvoiceType": "IN",
            "InvoiceDate": "2026-02-20",
            "Balance": "880.10",
            "CurrencyCode": "USD",
            "ExchangeRate": "1",
        },
    ],
    "GL_FiscalYear": [
        {
            "FiscalYear": "2026",
            "NumberOfPeriods": "12",
            "BeginningDate": "2026-01-01",
            "EndingDate": "2026-12-31",
            "YearClosed": "N",
        },
    ],
    "GL_FiscalYearDetail": [
        {
            "FiscalYear": "2026",
            "FiscalPeriod": f"{m:02d}",
            "PeriodStartingDate": f"2026-{m:02d}-01",
            "PeriodEndingDate": f"2026-{m:02d}-{[31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]}",
            "PeriodClosed": "Y" if m == 1 else "N",
        }
        for m in range(1, 13)
    ],
    "GL_DetailPosting": [
        {
            "AccountKey": "000000003",
            "PostingDate": "2026-02-05",
            "SourceJournal": "SJ",
            "JournalRegisterNo": "100036",
            "SequenceNo": "000001",
            "PostingComment": "Invoice 0100001",
            "DebitAmount": "0",
            "CreditAmount": "1107.50",
            "SourceModule": "AR",
            "DocumentNo": "0100001",
            "DocumentType": "IN",
            "BatchNo": "00012",
            "CurrencyCode": "USD",
        },
        {
            "AccountKey": "000000002",
            "PostingDate": "2026-02-05",
            "SourceJournal": "SJ",
            "JournalRegisterNo": "100036",
            "SequenceNo": "000002",
            "PostingComment": "Invoice 0100001",
            "DebitAmount": "1107.50",
            "CreditAmount": "0",
            "SourceModule": "AR",
            "DocumentNo": "0100001",
            "DocumentType": "IN",
            "BatchNo": "00012",
            "CurrencyCode": "USD",
        },
    ],
}


def build_sage_company(directory: Path) -> Path:
    """A small Sage 100 company (period 2026-01 closed, the rest of 2026 open) built like a scenario."""
    scenario = directory / "sage_scenario"
    (scenario / "sage100").mkdir(parents=True, exist_ok=True)
    for name, rows in SAGE_ROWS.items():
        columns = TABLES[name].column_names
        with (scenario / "sage100" / f"{name}.csv").open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({c: {**AUDIT, **row}.get(c, "") for c in columns})
    return build_company(scenario, directory / "sage100.db")


# -- proposals in the contract's shape ---------------------------------------------------------------------


@dataclass
class Journal:
    """One row of journals.proposals and its lines, as the reconciliation marts would produce them."""

    proposal_id: str
    target: str
    posting_date: str
    lines: list[dict[str, Any]]
    kind: str = "journal"
    description: str = ""

    @property
    def content_hash(self) -> str:
        body = {
            "target": self.target,
            "kind": self.kind,
            "posting_date": self.posting_date,
            "description": self.description,
            "lines": self.lines,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()

    @property
    def key(self) -> str:
        return f"{self.proposal_id}:{self.content_hash}"

    @property
    def amount(self) -> Decimal:
        """The size in base currency (a line's base_debit when it carries one)."""
        return sum(
            (Decimal(str(line.get("base_debit", line.get("debit")) or 0)) for line in self.lines), Decimal(0)
        )


def line(
    account: str,
    debit: str = "0",
    credit: str = "0",
    currency: str = "USD",
    description: str = "",
    **extra: str,
) -> dict[str, Any]:
    return {
        "account": account,
        "debit": debit,
        "credit": credit,
        "currency": currency,
        "description": description,
        **extra,
    }


PROPOSAL_LINE_COLUMNS = (
    "account",
    "debit",
    "credit",
    "currency",
    "description",
    "party",
    "document_number",
    "reference",
    "base_debit",
    "base_credit",
    "base_currency",
)


def write_proposals(
    warehouse: Path, journals: list[Journal], deltas: list[dict[str, Any]] | None = None
) -> None:
    """(Re)create journals.proposals / proposal_lines (and recon.master_data_deltas) in ``warehouse``."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists journals")
        con.execute("create schema if not exists recon")
        con.execute(
            "create or replace table journals.proposals (proposal_id varchar, content_hash varchar, "
            "target varchar, period varchar, posting_date date, kind varchar, description varchar, "
            "amount_base decimal(18,2), needs_second_approval boolean)"
        )
        con.execute(
            "create or replace table journals.proposal_lines (proposal_id varchar, line_number integer, "
            "account varchar, debit decimal(18,2), credit decimal(18,2), currency varchar, "
            "description varchar, party varchar, document_number varchar, reference varchar, "
            "base_debit decimal(18,2), base_credit decimal(18,2), base_currency varchar)"
        )
        for j in journals:
            con.execute(
                "insert into journals.proposals values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    j.proposal_id,
                    j.content_hash,
                    j.target,
                    j.posting_date[:7],
                    j.posting_date,
                    j.kind,
                    j.description,
                    j.amount,
                    j.amount > Decimal("5000"),
                ],
            )
            for number, ln in enumerate(j.lines, start=1):
                con.execute(
                    "insert into journals.proposal_lines values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [j.proposal_id, number, *(ln.get(c) for c in PROPOSAL_LINE_COLUMNS)],
                )
        write_missing_parties(con, deltas or [])


PARTY_COLUMNS = (
    "system",
    "party_role",
    "party_code",
    "party_name",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "tax_id",
    "currency_code",
)


def write_missing_parties(con: duckdb.DuckDBPyConnection, parties: list[dict[str, Any]]) -> None:
    """recon.master_data_deltas and core.parties as the marts build them: each given ledger party is
    ``missing_in_sage100``, each Sage 100 party (``system`` sage100) ``missing_in_source`` (keyed by its
    ``delta_id``; ``duplicate_of`` adds a duplicate delta); a field difference and a missing item ride
    along and must be ignored by writeback."""
    con.execute("create schema if not exists core")
    con.execute(
        "create or replace table recon.master_data_deltas (delta_id varchar, system varchar, entity varchar, "
        "source_code varchar, sage100_code varchar, delta_type varchar, field varchar, source_value varchar, "
        "sage100_value varchar, difference decimal(18,2), other_code varchar)"
    )
    con.execute(f"create or replace table core.parties ({', '.join(c + ' varchar' for c in PARTY_COLUMNS)})")
    con.execute(
        "insert into recon.master_data_deltas values "
        "('d-field', 'xero', 'customer', 'ABF', 'ABF', 'field_mismatch', 'email', 'a@x', 'b@x', null, null),"
        "('d-item', 'xero', 'item', 'WIDGET-9', null, 'missing_in_sage100', null, 'Widget', null, null, null)"
    )
    for p in parties:
        if p["system"] == "sage100":  # a Sage 100 party the ledger lacks (its code: division-number)
            con.execute(
                "insert into recon.master_data_deltas values "
                "(?, 'sage100', ?, null, ?, 'missing_in_source', null, ?, null, null, null)",
                [p["delta_id"], p["party_role"], p["party_code"], p["party_name"]],
            )
        else:
            con.execute(
                "insert into recon.master_data_deltas values "
                "(?, ?, ?, ?, null, 'missing_in_sage100', null, ?, null, null, null)",
                [p["delta_id"], p["system"], p["party_role"], p.get("party_code"), p["party_name"]],
            )
        if p.get("duplicate_of"):  # the marts found it to be the same company as another party
            con.execute(
                "insert into recon.master_data_deltas values "
                "(?, ?, ?, ?, ?, 'duplicate', 'party', ?, null, null, ?)",
                [
                    p["delta_id"] + "-dup",
                    p["system"],
                    p["party_role"],
                    None if p["system"] == "sage100" else p["party_code"],
                    p["party_code"] if p["system"] == "sage100" else None,
                    p["party_name"],
                    p["duplicate_of"],
                ],
            )
        con.execute(
            f"insert into core.parties values ({', '.join('?' for _ in PARTY_COLUMNS)})",
            [p.get(c) for c in PARTY_COLUMNS],
        )


def settings_for(warehouse: Path, **overrides: Any) -> WritebackSettings:
    values: dict[str, Any] = {"warehouse": warehouse, "retry_base_seconds": 0.0}
    values.update(overrides)
    return WritebackSettings(**values)


# -- targets ------------------------------------------------------------------------------------------------


def sage_target(db: Path, import_dir: Path, **kwargs: Any) -> Any:
    from sandbox.sage100.vi_import import ViJob
    from writeback import crash
    from writeback.targets.sage100 import Sage100Target

    return Sage100Target(ViJob(db, on_step=crash.point), import_dir, **kwargs)


@contextmanager
def running_xero(config: Any = None, scenario: Path = XERO_SCENARIO) -> Iterator[Any]:
    from sandbox.serve import start_xero
    from sandbox.xero.config import XeroConfig

    handle = start_xero(scenario, config or XeroConfig())
    try:
        yield handle
    finally:
        handle.stop()


def xero_client(url: str, **kwargs: Any) -> Any:
    from dlt_pipelines.xero import build_client

    options: dict[str, Any] = {"retry_initial_wait": 0.01, "retry_max_wait": 0.2, "timeout": 10.0}
    options.update(kwargs)
    return build_client(
        api_url=f"{url}/api.xro/2.0",
        token_url=f"{url}/connect/token",
        connections_url=f"{url}/connections",
        **options,
    )


def xero_target(url: str, **kwargs: Any) -> Any:
    from writeback.targets.xero import XeroTarget

    return XeroTarget(xero_client(url, **kwargs), XERO_TENANT)


def xero_get(url: str, resource: str, **params: Any) -> list[dict[str, Any]]:
    """Read a resource through the API as any client would."""
    client = xero_client(url)
    try:
        body = client.get(resource, XERO_TENANT, params=params or None) or {}
    finally:
        client.close()
    return list(body.get(resource) or [])


def sage_rows(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    from sandbox.sage100 import odbc

    conn = odbc.connect(db)
    try:
        return [tuple(r) for r in conn.cursor().execute(sql, *params).fetchall()]
    finally:
        conn.close()


@dataclass
class SageEnv:
    """A Sage 100 sandbox company, a warehouse and a Sage 100 target, in one temporary folder."""

    root: Path
    db: Path
    warehouse: Path
    import_dir: Path

    def target(self, **kwargs: Any) -> Any:
        return sage_target(self.db, self.import_dir, **kwargs)

    def settings(self, **overrides: Any) -> WritebackSettings:
        return settings_for(self.warehouse, **overrides)

    def run(self, **kwargs: Any) -> Any:
        from writeback.runner import run_writeback

        kwargs.setdefault("settings", self.settings())
        kwargs.setdefault("targets", {"sage100": self.target()})
        kwargs.setdefault("echo", lambda _line: None)
        return run_writeback(target="sage100", **kwargs)

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return sage_rows(self.db, sql, *params)

    def outbox(self) -> dict[str, tuple[str, str | None]]:
        with duckdb.connect(str(self.warehouse)) as con:
            return {
                k: (s, e)
                for k, s, e in con.execute(
                    "select idempotency_key, state, coalesce(last_error, target_ref) from ops.outbox"
                ).fetchall()
            }


def make_sage_env(root: Path) -> SageEnv:
    root.mkdir(parents=True, exist_ok=True)
    return SageEnv(root, build_sage_company(root), root / "wh.duckdb", root / "vi_import")


def gl_journal(
    pid: str,
    amount: str = "125.50",
    day: str = "2026-03-15",
    debit: str = "6000-00-00",
    credit: str = "1000-00-00",
    target: str = "sage100",
) -> Journal:
    return Journal(
        pid,
        target,
        day,
        [line(debit, debit=amount, description="accrual"), line(credit, credit=amount)],
        description=f"Accrual {pid}",
    )


def approve_all(warehouse: Path, *journals: Journal | str, who: str = "alice") -> None:
    from writeback import approvals

    ids = [j if isinstance(j, str) else j.proposal_id for j in journals]
    if len(ids) == 1:  # the single-proposal API, so its errors surface as raised
        approvals.approve(ids[0], who=who, role="approver", warehouse=warehouse)
        return
    for outcome in approvals.approve_many(ids, who=who, role="approver", warehouse=warehouse):
        if isinstance(outcome, Exception):
            raise outcome


@contextmanager
def company_locked(env: SageEnv) -> Iterator[Any]:
    """Hold a write lock on the company (as a running Sage process would) and yield a Sage 100 target
    that gives up quickly; reads still work, VI imports find the company busy."""
    import sqlite3

    from sandbox.sage100 import odbc
    from sandbox.sage100.vi_import import ViJob
    from writeback.targets.sage100 import Sage100Target

    holder = sqlite3.connect(env.db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        conn = odbc.connection_string(env.db).replace(f"Timeout={odbc.BUSY_TIMEOUT_MS}", "Timeout=50")
        yield Sage100Target(ViJob(conn), env.import_dir, busy_retries=1, busy_wait=0.01)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


NEW_CUSTOMER_ROW = {
    "delta_id": "MD-C1",
    "system": "xero",
    "party_role": "customer",
    "party_code": "newco",
    "party_name": "New Co Ltd",
    "address_line1": "1 Main St",
    "city": "Austin",
    "region": "TX",
    "postal_code": "78701",
    "country": "USA",
    "email": "ap@newco.example",
    "currency_code": "USD",
}
NEW_VENDOR_ROW = {
    "delta_id": "MD-V1",
    "system": "xero",
    "party_role": "vendor",
    "party_code": "0000077",
    "party_name": "Flour Supply Co",
    "city": "Omaha",
    "region": "NE",
    "currency_code": "USD",
}

NEW_XERO_CONTACT_ROW = {
    "delta_id": "MD-X1",
    "system": "sage100",
    "party_role": "customer",
    "party_code": "00-HILLTOP",
    "party_name": "Hilltop Bakery",
    "address_line1": "9 Ridge Rd",
    "city": "Boulder",
    "region": "CO",
    "postal_code": "80302",
    "country": "USA",
    "email": "ap@hilltop.example",
    "phone": "303-555-0100",
    "currency_code": "USD",
}

"""A simulated Sage 100 Visual Integrator job: imports tieout's VI files into the sandbox company.

It does what the configured VI jobs (docs/visual-integrator.md) do in a real company, import *and*
update/post, in one ODBC transaction: a GL journal entry becomes ``GL_DetailPosting`` rows in a new
general-journal register (plus ``GL_PeriodPostingHistory``); a cash-receipts deposit becomes
``AR_CashReceiptsHistory`` and ``AR_TransactionPaymentHistory`` rows, lowers ``AR_OpenInvoice.Balance`` and
the customer's ``CurrentBalance`` and posts cash against receivables in a CR register; new customers and
vendors become ``AR_Customer`` / ``AP_Vendor`` rows. New rows carry today's ``DateCreated``/``DateUpdated``,
and so do the customer and period-history records the posting updates; like Sage's bulk processes, the
open-item update (``AR_OpenInvoice.Balance``) leaves ``DateUpdated`` alone.

It refuses, with VI-like messages and nothing written: a deposit or entry whose distribution is out of
balance, a posting date in a closed or undefined fiscal period, unknown or inactive accounts, customers,
vendors or divisions, invoices that are not open or would go below zero, an entry already posted, values
longer than their column. The ``EntryNo`` lands in ``GL_DetailPosting.DocumentNo`` so a caller can ask
whether an entry is already there (:meth:`ViJob.find_entry`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyodbc

from sandbox.sage100 import odbc
from sandbox.sage100.quirks import converter, decimal_hours
from sandbox.sage100.schema import TABLES
from writeback.targets.vi_layouts import (
    CR_JOB,
    CUSTOMER_JOB,
    GL_JOB,
    LAYOUTS,
    VENDOR_JOB,
    LayoutError,
    parse,
    parse_vi_date,
)

CENT = Decimal("0.01")
VI_USER_KEY = "0000000099"
"""The Sage 100 user the import runs as (UserCreatedKey of what it writes)."""


class ViRejected(Exception):
    """The job refused the import; nothing was written. The message is what VI would log."""


class ViBusy(Exception):
    """The company database was locked by someone else for too long; run the job again."""


@dataclass(frozen=True)
class ViResult:
    job: str
    entry_no: str
    records: int
    register_no: str | None = None
    document: str | None = None  # deposit number, customer or vendor key

    @property
    def reference(self) -> str:
        parts = [f"VI {self.job} entry {self.entry_no}"]
        if self.register_no:
            parts.append(f"register {self.register_no}")
        if self.document:
            parts.append(self.document)
        return ", ".join(parts)


def _money(text: str, what: str) -> Decimal:
    try:
        return Decimal((text or "0").strip() or "0").quantize(CENT, ROUND_HALF_UP)
    except InvalidOperation:
        raise ViRejected(f"{what} {text!r} is not an amount") from None


def _dec(value: Any) -> Decimal:
    return Decimal(str(value).strip() or "0") if value is not None else Decimal(0)


class ViJob:
    """Runs VI import files against one sandbox company (a SQLite file reached through ODBC)."""

    def __init__(
        self,
        db: Path | str,
        *,
        user_key: str = VI_USER_KEY,
        on_step: Callable[[str], None] | None = None,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        text = str(db)
        self.connection_string = text if "driver=" in text.lower() else odbc.connection_string(Path(db))
        if "driver=" not in text.lower() and not Path(db).is_file():
            raise FileNotFoundError(
                f"no Sage 100 sandbox company at {db}: build it with `tieout sandbox sage100 --scenario DIR`"
            )
        self.user_key = user_key
        self.on_step = on_step or (lambda _name: None)
        self.now = now

    # -- connections --------------------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[pyodbc.Cursor]:
        try:
            conn = pyodbc.connect(self.connection_string, autocommit=False)
        except pyodbc.Error as exc:
            raise _classify(exc) from exc
        try:
            cursor = conn.cursor()
            yield cursor
            conn.commit()
        except pyodbc.Error as exc:
            conn.rollback()
            raise _classify(exc) from exc
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()

    @contextmanager
    def _reading(self) -> Iterator[pyodbc.Cursor]:
        try:
            conn = pyodbc.connect(self.connection_string, autocommit=True)
        except pyodbc.Error as exc:
            raise _classify(exc) from exc
        try:
            yield conn.cursor()
        except pyodbc.Error as exc:
            raise _classify(exc) from exc
        finally:
            conn.close()

    # -- questions ------------------------------------------------------------------------------------
    def find_entry(self, entry_no: str) -> str | None:
        """``register <n>`` if an entry with this EntryNo is posted in GL_DetailPosting, else None."""
        with self._reading() as cur:
            row = cur.execute(
                "SELECT SourceJournal, JournalRegisterNo FROM GL_DetailPosting WHERE DocumentNo = ?",
                _key("GL_DetailPosting", "DocumentNo", entry_no),
            ).fetchone()
        return f"{row[0]} register {str(row[1]).strip()}" if row else None

    def find_party(self, table: str, division: str, number: str) -> bool:
        div_col, no_col = (
            ("ARDivisionNo", "CustomerNo") if table == "AR_Customer" else ("APDivisionNo", "VendorNo")
        )
        with self._reading() as cur:
            return _exists(cur, table, {div_col: division, no_col: number})

    def period_problem(self, day: date) -> str | None:
        """None if ``day`` falls in an open fiscal period, else why it cannot be posted to."""
        with self._reading() as cur:
            return _period_problem(cur, day)

    # -- running a job ----------------------------------------------------------------------------------
    def run(self, job: str, path: Path) -> ViResult:
        """Import and post ``path`` with ``job``; raises ViRejected (nothing written) or ViBusy."""
        try:
            rows = parse(job, Path(path).read_text(encoding="utf-8"))
        except LayoutError as exc:
            raise ViRejected(str(exc)) from None
        entries = {r["EntryNo"] for r in rows}
        if len(entries) != 1:
            raise ViRejected(f"one import file holds one entry; this one holds {len(entries)}")
        handler = {
            GL_JOB: self._gl,
            CR_JOB: self._cash_receipts,
            CUSTOMER_JOB: self._customers,
            VENDOR_JOB: self._vendors,
        }[job]
        with self._transaction() as cur:
            return handler(cur, rows)

    # -- helpers ----------------------------------------------------------------------------------------
    def _audit(self) -> dict[str, str]:
        moment = self.now()
        stamp = decimal_hours(moment.hour, moment.minute, moment.second)
        day = moment.date().isoformat()
        return {
            "DateCreated": day,
            "TimeCreated": stamp,
            "UserCreatedKey": self.user_key,
            "DateUpdated": day,
            "TimeUpdated": stamp,
            "UserUpdatedKey": self.user_key,
        }

    def _insert(self, cur: pyodbc.Cursor, table_name: str, values: dict[str, Any]) -> None:
        table = TABLES[table_name]
        values = {**self._audit(), **values}
        unknown = set(values) - set(table.column_names)
        if unknown:
            raise AssertionError(f"{table_name} has no columns {sorted(unknown)}")
        row = []
        for column in table.columns:
            raw = values.get(column.name, "")
            text = f"{raw:.2f}" if isinstance(raw, Decimal) and column.scale == 2 else str(raw)
            try:
                row.append(converter(column)(text))
            except ValueError as exc:
                raise ViRejected(f"{table_name}.{column.name}: {exc}") from None
        names = ", ".join(table.column_names)
        marks = ", ".join("?" for _ in table.columns)
        cur.execute(f"INSERT INTO {table_name} ({names}) VALUES ({marks})", row)
        self.on_step(f"insert {table_name}")

    def _account(self, cur: pyodbc.Cursor, account: str) -> str:
        """The AccountKey of a formatted account (``4000-00-00``) or of an AccountKey."""
        account = account.strip()
        row = None
        if len(account) <= 41:
            row = cur.execute(
                "SELECT AccountKey, Status FROM GL_Account WHERE Account = ?",
                _key("GL_Account", "Account", account),
            ).fetchone()
        if row is None and len(account) <= 9:
            row = cur.execute(
                "SELECT AccountKey, Status FROM GL_Account WHERE AccountKey = ?",
                _key("GL_Account", "AccountKey", account),
            ).fetchone()
        if row is None:
            raise ViRejected(f"Account {account} is not on file (GL_Account)")
        if str(row[1]).strip() != "A":
            raise ViRejected(f"Account {account} is inactive or deleted (status {str(row[1]).strip()})")
        return str(row[0]).strip()

    def _check_new_entry(self, cur: pyodbc.Cursor, entry: str) -> None:
        row = cur.execute(
            "SELECT JournalRegisterNo FROM GL_DetailPosting WHERE DocumentNo = ?",
            _key("GL_DetailPosting", "DocumentNo", entry),
        ).fetchone()
        if row is not None:
            raise ViRejected(f"Entry {entry} is already posted (register {str(row[0]).strip()})")

    def _next_register(self, cur: pyodbc.Cursor, journal: str) -> str:
        row = cur.execute(
            "SELECT MAX(JournalRegisterNo) FROM GL_DetailPosting WHERE SourceJournal = ?", journal
        ).fetchone()
        last = int(str(row[0]).strip()) if row and row[0] is not None and str(row[0]).strip().isdigit() else 0
        return f"{(last + 1) % 1_000_000:06d}"

    def _post_gl(
        self,
        cur: pyodbc.Cursor,
        lines: list[tuple[str, Decimal, str]],
        day: date,
        journal: str,
        entry: str,
        module: str,
        batch: str,
    ) -> str:
        """Post (AccountKey, signed base amount, comment) lines in a new register; returns its number."""
        register = self._next_register(cur, journal)
        for seq, (account_key, amount, comment) in enumerate(lines, start=1):
            debit, credit = (amount, Decimal("0.00")) if amount > 0 else (Decimal("0.00"), -amount)
            self._insert(
                cur,
                "GL_DetailPosting",
                {
                    "AccountKey": account_key,
                    "PostingDate": day.isoformat(),
                    "SourceJournal": journal,
                    "JournalRegisterNo": register,
                    "SequenceNo": f"{seq:06d}",
                    "PostingComment": comment[:30],
                    "DebitAmount": debit,
                    "CreditAmount": credit,
                    "SourceModule": module,
                    "DocumentNo": entry,
                    "DocumentType": journal,
                    "BatchNo": batch,
                },
            )
            self._period_history(cur, account_key, day, debit, credit)
        return register

    def _period_history(
        self, cur: pyodbc.Cursor, account_key: str, day: date, debit: Decimal, credit: Decimal
    ) -> None:
        year, period = _fiscal_period(cur, day)
        key = {"AccountKey": account_key, "FiscalYear": year, "FiscalPeriod": period}
        where = " AND ".join(f"{k} = ?" for k in key)
        params = [_key("GL_PeriodPostingHistory", k, v) for k, v in key.items()]
        row = cur.execute(
            f"SELECT DebitAmount, CreditAmount FROM GL_PeriodPostingHistory WHERE {where}", params
        ).fetchone()
        if row is not None:
            stamp = self._audit()
            cur.execute(
                "UPDATE GL_PeriodPostingHistory SET DebitAmount = ?, CreditAmount = ?, DateUpdated = ?, "
                f"TimeUpdated = ?, UserUpdatedKey = ? WHERE {where}",
                [
                    f"{_dec(row[0]) + debit:.2f}",
                    f"{_dec(row[1]) + credit:.2f}",
                    stamp["DateUpdated"],
                    _key("GL_PeriodPostingHistory", "TimeUpdated", stamp["TimeUpdated"]),
                    self.user_key,
                    *params,
                ],
            )
            return
        prior = cur.execute(
            "SELECT BeginningBalance, DebitAmount, CreditAmount FROM GL_PeriodPostingHistory "
            "WHERE AccountKey = ? AND FiscalYear = ? AND FiscalPeriod < ? ORDER BY FiscalPeriod DESC",
            params,
        ).fetchone()
        beginning = _dec(prior[0]) + _dec(prior[1]) - _dec(prior[2]) if prior else Decimal("0.00")
        self._insert(
            cur,
            "GL_PeriodPostingHistory",
            {
                **key,
                "BeginningBalance": f"{beginning:.2f}",
                "DebitAmount": debit,
                "CreditAmount": credit,
            },
        )

    # -- the jobs --------------------------------------------------------------------------------------------
    def _gl(self, cur: pyodbc.Cursor, rows: list[dict[str, str]]) -> ViResult:
        entry = rows[0]["EntryNo"].strip()
        day = _one_date(rows, "PostingDate")
        journal = (rows[0]["SourceJournal"] or "GJ").strip()
        lines, debits, credits = [], Decimal("0.00"), Decimal("0.00")
        for row in rows:
            debit = _money(row["DebitAmount"], f"line {row['LineNo']} DebitAmount")
            credit = _money(row["CreditAmount"], f"line {row['LineNo']} CreditAmount")
            debits += debit
            credits += credit
            comment = (row["LineComment"] or row["JournalComment"] or "").strip()
            lines.append((row["Account"], debit - credit, comment))
        if debits != credits:
            raise ViRejected(
                f"Entry {entry}: distribution is out of balance (debits {debits:.2f}, credits {credits:.2f})"
            )
        problem = _period_problem(cur, day)
        if problem:
            raise ViRejected(problem)
        self._check_new_entry(cur, entry)
        resolved = [(self._account(cur, account), amount, comment) for account, amount, comment in lines]
        register = self._post_gl(cur, resolved, day, journal, entry, "GL", register_batch(cur, journal))
        return ViResult(GL_JOB, entry, len(rows), f"{journal} {register}")

    def _cash_receipts(self, cur: pyodbc.Cursor, rows: list[dict[str, str]]) -> ViResult:
        first = rows[0]
        entry = first["EntryNo"].strip()
        day = _one_date(rows, "DepositDate")
        bank = (first["BankCode"] or "A").strip()
        deposit_type = (first["DepositType"] or "C").strip()
        deposit_amount = _money(first["DepositAmount"], "DepositAmount")
        applied = sum((_money(r["CashApplied"], f"line {r['LineNo']} CashApplied") for r in rows), Decimal(0))
        if deposit_amount != applied:
            raise ViRejected(
                f"Deposit {entry}: distribution is out of balance (deposit amount {deposit_amount:.2f}, "
                f"cash applied {applied:.2f})"
            )
        problem = _period_problem(cur, day)
        if problem:
            raise ViRejected(problem)
        self._check_new_entry(cur, entry)
        cash_key = self._account(cur, first["CashAccount"])
        deposit_no = _next_deposit(cur, bank, day)
        gl_lines: list[tuple[str, Decimal, str]] = []
        cash_base = Decimal("0.00")
        for seq, row in enumerate(rows, start=1):
            division, customer = row["ARDivisionNo"].strip(), row["CustomerNo"].strip()
            invoice, invoice_type = row["InvoiceNo"].strip(), (row["InvoiceType"] or "IN").strip()
            cash = _money(row["CashApplied"], "CashApplied")
            discount = _money(row["DiscountApplied"], "DiscountApplied")
            who = f"{division}-{customer}"
            if not _exists(cur, "AR_Customer", {"ARDivisionNo": division, "CustomerNo": customer}):
                raise ViRejected(f"Customer {who} is not on file")
            key = {
                "ARDivisionNo": division,
                "CustomerNo": customer,
                "InvoiceNo": invoice,
                "InvoiceType": invoice_type,
            }
            where = " AND ".join(f"{k} = ?" for k in key)
            params = [_key("AR_OpenInvoice", k, v) for k, v in key.items()]
            found = cur.execute(
                f"SELECT Balance, ExchangeRate FROM AR_OpenInvoice WHERE {where}", params
            ).fetchone()
            if found is None:
                raise ViRejected(
                    f"Invoice {invoice} ({invoice_type}) is not an open invoice of customer {who}"
                )
            balance = _dec(found[0])
            if cash + discount > balance:
                raise ViRejected(
                    f"Invoice {invoice}: cash applied {cash + discount:.2f} exceeds its balance {balance:.2f}"
                )
            rate = _dec(found[1]) or Decimal(1)
            base = (cash * rate).quantize(CENT, ROUND_HALF_UP)
            new_balance = balance - cash - discount
            check_no = (row["CheckNo"] or entry).strip()
            self._insert(
                cur,
                "AR_CashReceiptsHistory",
                {
                    "BankCode": bank,
                    "DepositDate": day.isoformat(),
                    "DepositNo": deposit_no,
                    "DepositType": deposit_type,
                    "ARDivisionNo": division,
                    "CustomerNo": customer,
                    "CreditCardEntryNo": "000000",
                    "CheckNo": check_no,
                    "SequenceNo": f"{seq:06d}",
                    "PostingDate": day.isoformat(),
                    "TransactionType": "PY",
                    "InvoiceNo": invoice,
                    "InvoiceType": invoice_type,
                    "AccountKey": cash_key,
                    "BatchNo": deposit_no,
                    "PaymentType": "CHECK",
                    "CashAmountApplied": cash,
                    "DiscountAmountApplied": discount,
                    "InvoiceBalance": new_balance,
                },
            )
            cur.execute(
                f"UPDATE AR_OpenInvoice SET Balance = ? WHERE {where}", [f"{new_balance:.2f}", *params]
            )
            self.on_step("update AR_OpenInvoice")
            self._insert(
                cur,
                "AR_TransactionPaymentHistory",
                {
                    "ARDivisionNo": division,
                    "CustomerNo": customer,
                    "InvoiceNo": invoice,
                    "InvoiceType": invoice_type,
                    "TransactionDate": day.isoformat(),
                    "SequenceNo": _next_tph_seq(cur, division, customer, invoice, invoice_type, day),
                    "InvoiceHistoryHeaderSeqNo": "000000",
                    "PaymentReference": check_no[:14],
                    "CheckNo": check_no,
                    "TransactionType": "P",
                    "PaymentDate": day.isoformat(),
                    "PaymentType": "CHECK",
                    "TransactionAmt": cash,
                },
            )
            party = {"ARDivisionNo": division, "CustomerNo": customer}
            pwhere = " AND ".join(f"{k} = ?" for k in party)
            pparams = [_key("AR_Customer", k, v) for k, v in party.items()]
            current = cur.execute(
                f"SELECT CurrentBalance FROM AR_Customer WHERE {pwhere}", pparams
            ).fetchone()
            stamp = self._audit()
            cur.execute(
                "UPDATE AR_Customer SET CurrentBalance = ?, DateLastPayment = ?, DateUpdated = ?, "
                f"TimeUpdated = ?, UserUpdatedKey = ? WHERE {pwhere}",
                [
                    f"{_dec(current[0]) - cash - discount:.2f}",
                    day.isoformat(),
                    stamp["DateUpdated"],
                    _key("AR_Customer", "TimeUpdated", stamp["TimeUpdated"]),
                    self.user_key,
                    *pparams,
                ],
            )
            ar_key = _division_account(cur, division)
            comment = (row["PostingComment"] or f"CHK {check_no} {who}").strip()
            gl_lines.append((ar_key, -base, comment))
            cash_base += base
        comment = (first["DepositComment"] or f"Deposit {deposit_no}").strip()
        gl_lines.insert(0, (cash_key, cash_base, comment))
        register = self._post_gl(cur, _merge(gl_lines), day, "CR", entry, "AR", deposit_no)
        return ViResult(CR_JOB, entry, len(rows), f"CR {register}", f"deposit {bank}/{deposit_no}")

    def _customers(self, cur: pyodbc.Cursor, rows: list[dict[str, str]]) -> ViResult:
        keys = []
        for row in rows:
            division, number = row["ARDivisionNo"].strip(), row["CustomerNo"].strip()
            if not _exists(cur, "AR_Division", {"ARDivisionNo": division}):
                raise ViRejected(f"AR division {division} is not on file")
            if _exists(cur, "AR_Customer", {"ARDivisionNo": division, "CustomerNo": number}):
                raise ViRejected(f"Customer {division}-{number} already exists")
            fields = {k: (row[k] or "").strip() for k in _record_fields(CUSTOMER_JOB)}
            if not fields["CustomerName"]:
                raise ViRejected(f"Customer {division}-{number}: CustomerName is required")
            self._insert(
                cur,
                "AR_Customer",
                {
                    "ARDivisionNo": division,
                    "CustomerNo": number,
                    **fields,
                    "CustomerType": "",
                    "CreditHold": "N",
                    "CreditLimit": "0",
                    "CurrentBalance": "0",
                    "CustomerStatus": "A",
                },
            )
            keys.append(f"{division}-{number}")
        return ViResult(
            CUSTOMER_JOB, rows[0]["EntryNo"].strip(), len(rows), document=f"customer {', '.join(keys)}"
        )

    def _vendors(self, cur: pyodbc.Cursor, rows: list[dict[str, str]]) -> ViResult:
        keys = []
        for row in rows:
            division, number = row["APDivisionNo"].strip(), row["VendorNo"].strip()
            if not _exists(cur, "AP_Division", {"APDivisionNo": division}):
                raise ViRejected(f"AP division {division} is not on file")
            if _exists(cur, "AP_Vendor", {"APDivisionNo": division, "VendorNo": number}):
                raise ViRejected(f"Vendor {division}-{number} already exists")
            fields = {k: (row[k] or "").strip() for k in _record_fields(VENDOR_JOB)}
            if not fields["VendorName"]:
                raise ViRejected(f"Vendor {division}-{number}: VendorName is required")
            self._insert(
                cur,
                "AP_Vendor",
                {
                    "APDivisionNo": division,
                    "VendorNo": number,
                    **fields,
                    "VendorStatus": "A",
                    "HoldPayment": "N",
                    "AccountKey": "",
                },
            )
            keys.append(f"{division}-{number}")
        return ViResult(
            VENDOR_JOB, rows[0]["EntryNo"].strip(), len(rows), document=f"vendor {', '.join(keys)}"
        )


# -- module helpers --------------------------------------------------------------------------------------

KEY_FIELDS = frozenset({"EntryNo", "ARDivisionNo", "CustomerNo", "APDivisionNo", "VendorNo"})


def _record_fields(job: str) -> tuple[str, ...]:
    """The columns of a customer/vendor import (its layout in writeback.targets.vi_layouts, the one
    declaration of the files) that land as they are in AR_Customer / AP_Vendor: all but the keys."""
    return tuple(c for c in LAYOUTS[job] if c not in KEY_FIELDS)


def _classify(exc: pyodbc.Error) -> Exception:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return ViBusy(f"the Sage 100 company is locked by another process; run the job again ({exc})")
    return exc


def _key(table: str, column: str, value: str) -> str:
    """``value`` stored the way the sandbox stores it (padded), for use in a WHERE."""
    try:
        return converter(TABLES[table].column(column))(value)
    except ValueError as exc:
        raise ViRejected(f"{table}.{column}: {exc}") from None


def _exists(cur: pyodbc.Cursor, table: str, key: dict[str, str]) -> bool:
    where = " AND ".join(f"{k} = ?" for k in key)
    row = cur.execute(
        f"SELECT 1 FROM {table} WHERE {where}", [_key(table, k, v) for k, v in key.items()]
    ).fetchone()
    return row is not None


def _one_date(rows: list[dict[str, str]], column: str) -> date:
    values = {r[column].strip() for r in rows}
    if len(values) != 1:
        raise ViRejected(
            f"all records of one entry need the same {column}; found {', '.join(sorted(values))}"
        )
    try:
        return parse_vi_date(values.pop())
    except LayoutError as exc:
        raise ViRejected(f"{column}: {exc}") from None


def _fiscal_row(cur: pyodbc.Cursor, day: date) -> Any:
    return cur.execute(
        "SELECT FiscalYear, FiscalPeriod, PeriodClosed, PeriodStartingDate, PeriodEndingDate "
        "FROM GL_FiscalYearDetail WHERE PeriodStartingDate <= ? AND PeriodEndingDate >= ?",
        day.isoformat(),
        day.isoformat(),
    ).fetchone()


def _fiscal_period(cur: pyodbc.Cursor, day: date) -> tuple[str, str]:
    row = _fiscal_row(cur, day)
    if row is None:
        return str(day.year), f"{day.month:02d}"
    return str(row[0]).strip(), str(row[1]).strip()


def _period_problem(cur: pyodbc.Cursor, day: date) -> str | None:
    shown = day.strftime("%m/%d/%Y")
    row = _fiscal_row(cur, day)
    if row is None:
        return (
            f"posting date {shown} is not in a fiscal period set up in Sage 100 (GL_FiscalYearDetail); "
            "set up that fiscal year in General Ledger first"
        )
    year, period, closed = str(row[0]).strip(), str(row[1]).strip(), str(row[2]).strip().upper()
    year_row = cur.execute("SELECT YearClosed FROM GL_FiscalYear WHERE FiscalYear = ?", year).fetchone()
    if year_row is not None and str(year_row[0]).strip().upper() == "Y":
        return f"posting date {shown} is in fiscal year {year}, which is closed in Sage 100"
    if closed == "Y":
        return (
            f"posting date {shown} is in Sage 100 fiscal period {year}-{period} ({row[3]:%m/%d/%Y} to "
            f"{row[4]:%m/%d/%Y}), which is closed; post into an open period or reopen it in General Ledger"
        )
    return None


def register_batch(cur: pyodbc.Cursor, journal: str) -> str:
    """A 5-digit batch number for a posting (one more than the last one of the journal)."""
    row = cur.execute("SELECT MAX(BatchNo) FROM GL_DetailPosting WHERE SourceJournal = ?", journal).fetchone()
    last = str(row[0]).strip() if row and row[0] is not None else ""
    return f"{(int(last) + 1) % 100_000:05d}" if last.isdigit() else "00001"


def _next_deposit(cur: pyodbc.Cursor, bank: str, day: date) -> str:
    rows = cur.execute(
        "SELECT DepositNo FROM AR_CashReceiptsHistory WHERE BankCode = ? AND DepositDate = ?",
        _key("AR_CashReceiptsHistory", "BankCode", bank),
        day.isoformat(),
    ).fetchall()
    numbers = [int(str(r[0]).strip()) for r in rows if str(r[0]).strip().isdigit()]
    return f"{(max(numbers) + 1 if numbers else 90_001) % 100_000:05d}"


def _next_tph_seq(
    cur: pyodbc.Cursor, division: str, customer: str, invoice: str, invoice_type: str, day: date
) -> str:
    key = {
        "ARDivisionNo": division,
        "CustomerNo": customer,
        "InvoiceNo": invoice,
        "InvoiceType": invoice_type,
    }
    where = " AND ".join(f"{k} = ?" for k in key)
    row = cur.execute(
        f"SELECT MAX(SequenceNo) FROM AR_TransactionPaymentHistory WHERE {where} AND TransactionDate = ?",
        [*(_key("AR_TransactionPaymentHistory", k, v) for k, v in key.items()), day.isoformat()],
    ).fetchone()
    last = str(row[0]).strip() if row and row[0] is not None else ""
    return f"{int(last) + 1 if last.isdigit() else 1:06d}"


def _division_account(cur: pyodbc.Cursor, division: str) -> str:
    row = cur.execute(
        "SELECT AccountsReceivableAcctKey FROM AR_Division WHERE ARDivisionNo = ?",
        _key("AR_Division", "ARDivisionNo", division),
    ).fetchone()
    if row is None or not str(row[0]).strip():
        raise ViRejected(f"AR division {division} is not on file or has no receivables account")
    return str(row[0]).strip()


def _merge(lines: list[tuple[str, Decimal, str]]) -> list[tuple[str, Decimal, str]]:
    """One line per account (first-seen order), as Sage summarizes a register."""
    merged: dict[str, list[Any]] = {}
    for account, amount, comment in lines:
        if account in merged:
            merged[account][1] += amount
        else:
            merged[account] = [account, amount, comment]
    return [(a, amt, c) for a, amt, c in merged.values() if amt]

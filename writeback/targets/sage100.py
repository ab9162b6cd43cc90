"""Sage 100 as a writeback target: Visual Integrator import files, run by a VI job runner.

For each posting the target writes one import file (``<import_dir>/<EntryNo>_<JOB>.csv``, layouts in
:mod:`writeback.targets.vi_layouts`) and hands it to a runner. The runner here is the sandbox's simulated
VI job (:mod:`sandbox.sage100.vi_import`), which applies the file through ODBC. Against a real company the
runner is a scheduled VI job or a BOI bridge (docs/visual-integrator.md); the interface stays the same.
The company answers the exactly-once question: an entry is posted if its EntryNo is in
``GL_DetailPosting.DocumentNo`` (customers and vendors: if their key exists).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import pyodbc

from writeback import crash
from writeback.money import ZERO, fmt
from writeback.proposals import Proposal
from writeback.settings import SettingsError, config_value
from writeback.targets import vi_layouts as vi
from writeback.targets.base import OutboxItem, PostResult, Target, TargetError, TransientTargetError

DEFAULT_DIVISION = "00"


class ViRunner(Protocol):
    """Runs a VI import file in the company and answers questions about what is posted."""

    def run(self, job: str, path: Path) -> Any: ...
    def find_entry(self, entry_no: str) -> str | None: ...
    def find_party(self, table: str, division: str, number: str) -> bool: ...
    def period_problem(self, day: date) -> str | None: ...


def job_and_rows(proposal: Proposal, division: str = DEFAULT_DIVISION) -> tuple[str, list[dict[str, str]]]:
    """The VI job and import records for ``proposal`` (new parties go to AR/AP ``division``); ValueError if
    it cannot be expressed."""
    entry = vi.entry_no(proposal.key)
    kind = proposal.posting_kind
    party = proposal.party
    if kind in ("customer", "vendor"):
        division, number = vi.split_party(party.get("party_code", ""), division)
        common = {
            "EntryNo": entry,
            "AddressLine1": party.get("address_line1", ""),
            "AddressLine2": party.get("address_line2", ""),
            "AddressLine3": party.get("address_line3", ""),
            "City": party.get("city", ""),
            "State": party.get("state", ""),
            "ZipCode": party.get("zip_code", ""),
            "CountryCode": party.get("country_code", ""),
            "EmailAddress": party.get("email", ""),
            "TelephoneNo": party.get("phone", ""),
            "TermsCode": party.get("terms_code", ""),
            "CurrencyCode": party.get("currency", ""),
        }
        if kind == "customer":
            return vi.CUSTOMER_JOB, [
                {
                    **common,
                    "ARDivisionNo": division,
                    "CustomerNo": number,
                    "CustomerName": party.get("name", ""),
                }
            ]
        return vi.VENDOR_JOB, [
            {
                **common,
                "APDivisionNo": division,
                "VendorNo": number,
                "VendorName": party.get("name", ""),
                "TaxpayerIDSSNo": party.get("tax_id", ""),
            }
        ]
    if proposal.posting_date is None:
        raise ValueError("the proposal has no posting_date")
    day = vi.vi_date(proposal.posting_date)
    comment = (proposal.description or f"tieout {proposal.proposal_id}")[:30]
    if kind == "receipt":
        debits = [ln for ln in proposal.lines if ln.debit]
        credits = [ln for ln in proposal.lines if ln.credit]
        cash_accounts = {ln.account for ln in debits}
        if len(cash_accounts) != 1:
            raise ValueError(
                "a cash receipt needs its debit lines on one cash account; found "
                f"{', '.join(sorted(cash_accounts)) or 'none'}"
            )
        deposit = sum((ln.debit for ln in debits), ZERO)
        rows = []
        for number, line in enumerate(credits, start=1):
            if not line.party or not line.document_number:
                raise ValueError(
                    f"cash receipt line {number} ({line.account}) needs party (ARDivisionNo-CustomerNo) and "
                    "document_number (the invoice it pays)"
                )
            line_division, customer = vi.split_party(line.party, division)
            rows.append(
                {
                    "EntryNo": entry,
                    "BankCode": "A",
                    "DepositDate": day,
                    "DepositType": "C",
                    "DepositAmount": fmt(deposit),
                    "DepositComment": comment,
                    "CashAccount": debits[0].account,
                    "LineNo": str(number),
                    "ARDivisionNo": line_division,
                    "CustomerNo": customer,
                    "InvoiceNo": line.document_number,
                    "InvoiceType": "IN",
                    "CheckNo": line.reference or entry,
                    "CashApplied": fmt(line.credit),
                    "DiscountApplied": "0.00",
                    "PostingComment": (line.description or comment)[:30],
                    "CurrencyCode": line.currency,
                }
            )
        return vi.CR_JOB, rows
    return vi.GL_JOB, [
        {
            "EntryNo": entry,
            "PostingDate": day,
            "SourceJournal": "GJ",
            "JournalComment": comment,
            "LineNo": str(number),
            "Account": line.account,
            # Sage 100's general ledger is in the base currency
            "DebitAmount": fmt(line.in_base()[0]),
            "CreditAmount": fmt(line.in_base()[1]),
            "LineComment": (line.description or comment)[:30],
            "CurrencyCode": line.in_base()[2],
        }
        for number, line in enumerate(proposal.lines, start=1)
    ]


class Sage100Target(Target):
    """Posts to Sage 100 through VI import files; one posting per file and per job run."""

    name = "sage100"
    batch_size = 1

    def __init__(
        self,
        runner: ViRunner,
        import_dir: Path,
        *,
        busy_retries: int = 5,
        busy_wait: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        division: str = DEFAULT_DIVISION,
    ) -> None:
        self.runner = runner
        self.import_dir = Path(import_dir)
        self.division = division
        self.busy_retries = busy_retries
        self.busy_wait = busy_wait
        self.sleep = sleep

    @classmethod
    def from_config(cls, warehouse: Path) -> Sage100Target:
        """The target for ``writeback.sage100.*`` (runner ``sandbox``: the simulated VI job over ODBC)."""
        runner_name = str(config_value("writeback.sage100.runner", "sandbox")).lower()
        if runner_name != "sandbox":
            raise TargetError(
                f"writeback.sage100.runner={runner_name!r}: only the sandbox VI runner runs here; against a "
                "real company schedule the VI jobs of docs/visual-integrator.md on the import folder, or "
                "plug "
                "a BOI bridge in behind the same interface"
            )
        conn = config_value("writeback.sage100.connection_string") or config_value(
            "sources.sage100.connection_string"
        )
        if not conn:
            raise SettingsError(
                "no Sage 100 connection: set writeback.sage100.connection_string (or "
                "sources.sage100.connection_string) in .dlt/secrets.toml or "
                "SOURCES__SAGE100__CONNECTION_STRING; "
                "`tieout sandbox sage100 --scenario DIR` prints the sandbox's"
            )
        import_dir = Path(config_value("writeback.sage100.import_dir", str(warehouse.parent / "vi_import")))
        from sandbox.sage100.vi_import import ViJob

        division = str(config_value("writeback.sage100.division", DEFAULT_DIVISION))
        return cls(ViJob(str(conn), on_step=crash.point), import_dir, division=division)

    # -- the interface ------------------------------------------------
    def period_problem(self, posting_date: date) -> str | None:
        return self._busy_retry(lambda: self.runner.period_problem(posting_date))

    def find_posted(self, item: OutboxItem) -> str | None:
        proposal = item.proposal
        if proposal.posting_kind in ("customer", "vendor"):
            table = "AR_Customer" if proposal.posting_kind == "customer" else "AP_Vendor"
            division, number = vi.split_party(proposal.party.get("party_code", ""), self.division)
            if self._busy_retry(lambda: self.runner.find_party(table, division, number)):
                return f"{table} {division}-{number}"
            return None
        return self._busy_retry(lambda: self.runner.find_entry(vi.entry_no(item.key)))

    def post(self, items: list[OutboxItem]) -> list[PostResult]:
        return [self._post_one(item) for item in items]

    def render(self, proposal: Proposal) -> str:
        job, rows = job_and_rows(proposal, self.division)
        name = self._file_name(proposal.key, job)
        return f"Sage 100 VI job {job}, file {self.import_dir / name}:\n{vi.render(job, rows)}"

    # -- helpers ------------------------------------------------
    @staticmethod
    def _file_name(key: str, job: str) -> str:
        return f"{vi.entry_no(key)}_{job}.csv"

    def _post_one(self, item: OutboxItem) -> PostResult:
        from sandbox.sage100.vi_import import ViRejected

        try:
            job, rows = job_and_rows(item.proposal, self.division)
        except ValueError as exc:
            return PostResult(item.key, False, error=f"cannot build the VI import: {exc}")
        self.import_dir.mkdir(parents=True, exist_ok=True)
        path = self.import_dir / self._file_name(item.key, job)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(vi.render(job, rows), encoding="utf-8")
        os.replace(tmp, path)
        crash.point("sage100 file written")
        try:
            result = self._busy_retry(lambda: self.runner.run(job, path))
        except ViRejected as exc:
            return PostResult(item.key, False, error=f"Visual Integrator rejected {path.name}: {exc}")
        return PostResult(item.key, True, ref=getattr(result, "reference", str(result)))

    def _busy_retry(self, call: Callable[[], Any]) -> Any:
        from sandbox.sage100.vi_import import ViBusy

        wait = self.busy_wait
        for attempt in range(self.busy_retries + 1):
            try:
                return call()
            except ViBusy as exc:
                if attempt == self.busy_retries:
                    raise TransientTargetError(str(exc)) from exc
                self.sleep(wait)
                wait *= 2
            except FileNotFoundError as exc:
                raise TargetError(str(exc)) from exc
            except (OSError, pyodbc.Error) as exc:
                raise TransientTargetError(f"the Sage 100 company cannot be reached: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

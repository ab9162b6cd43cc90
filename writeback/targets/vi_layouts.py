"""The Visual Integrator import files tieout writes for Sage 100 (documented in docs/visual-integrator.md).

Four jobs, one CSV per posting with a header row, dates as ``MM/DD/YYYY`` and amounts with two decimals:

* ``TIEOUT_GL``   general-journal entry (GL_GeneralJournal): one row per line, the entry fields repeated;
* ``TIEOUT_CR``   AR cash receipts (AR_CashReceiptsBatchHeader > AR_CashReceiptsDeposit > AR_CashReceipts):
  one row per invoice paid, the deposit fields repeated; ``DepositAmount`` must equal the sum of
  ``CashApplied`` or the job rejects the deposit ("distribution is out of balance");
* ``TIEOUT_CUST`` new AR customers (AR_Customer);
* ``TIEOUT_VEND`` new AP vendors (AP_Vendor).

Every file carries ``EntryNo``: ten characters derived from the posting's idempotency key
(:func:`entry_no`). The job writes it to ``GL_DetailPosting.DocumentNo`` (and the customer/vendor key is
the proposal's own), so after a crash tieout can ask the company whether the entry is already there, and
the next build can tell tieout's postings from other journals.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping
from datetime import date, datetime

GL_JOB = "TIEOUT_GL"
CR_JOB = "TIEOUT_CR"
CUSTOMER_JOB = "TIEOUT_CUST"
VENDOR_JOB = "TIEOUT_VEND"

LAYOUTS: dict[str, tuple[str, ...]] = {
    GL_JOB: (
        "EntryNo",
        "PostingDate",
        "SourceJournal",
        "JournalComment",
        "LineNo",
        "Account",
        "DebitAmount",
        "CreditAmount",
        "LineComment",
        "CurrencyCode",
    ),
    CR_JOB: (
        "EntryNo",
        "BankCode",
        "DepositDate",
        "DepositType",
        "DepositAmount",
        "DepositComment",
        "CashAccount",
        "LineNo",
        "ARDivisionNo",
        "CustomerNo",
        "InvoiceNo",
        "InvoiceType",
        "CheckNo",
        "CashApplied",
        "DiscountApplied",
        "PostingComment",
        "CurrencyCode",
    ),
    CUSTOMER_JOB: (
        "EntryNo",
        "ARDivisionNo",
        "CustomerNo",
        "CustomerName",
        "AddressLine1",
        "AddressLine2",
        "AddressLine3",
        "City",
        "State",
        "ZipCode",
        "CountryCode",
        "EmailAddress",
        "TelephoneNo",
        "TermsCode",
        "CurrencyCode",
    ),
    VENDOR_JOB: (
        "EntryNo",
        "APDivisionNo",
        "VendorNo",
        "VendorName",
        "AddressLine1",
        "AddressLine2",
        "AddressLine3",
        "City",
        "State",
        "ZipCode",
        "CountryCode",
        "EmailAddress",
        "TelephoneNo",
        "TermsCode",
        "TaxpayerIDSSNo",
        "CurrencyCode",
    ),
}

DATE_FORMAT = "%m/%d/%Y"


class LayoutError(ValueError):
    """An import file that does not follow its job's layout."""


def entry_no(key: str) -> str:
    """Ten characters that identify a posting inside Sage 100: ``T`` + the first 9 hex digits (upper case)
    of sha256(key). In SQL (DuckDB): ``'T' || upper(left(sha256(proposal_id || ':' || content_hash), 9))``."""
    return "T" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:9].upper()


def vi_date(day: date) -> str:
    return day.strftime(DATE_FORMAT)


def parse_vi_date(text: str) -> date:
    try:
        return datetime.strptime(text.strip(), DATE_FORMAT).date()
    except ValueError:
        raise LayoutError(f"{text!r} is not a date in MM/DD/YYYY form") from None


def split_party(code: str, default_division: str = "00") -> tuple[str, str]:
    """``"01-ABF"`` -> ``("01", "ABF")``; without a two-digit division prefix: ``default_division``."""
    code = code.strip()
    head, sep, tail = code.partition("-")
    if sep and len(head) == 2 and head.isdigit() and tail:
        return head, tail
    return default_division, code


def render(job: str, rows: Iterable[Mapping[str, str]]) -> str:
    """The CSV text of an import file for ``job``."""
    columns = LAYOUTS[job]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buffer.getvalue()


def parse(job: str, text: str) -> list[dict[str, str]]:
    """The rows of an import file, checked against ``job``'s layout."""
    if job not in LAYOUTS:
        raise LayoutError(f"unknown Visual Integrator job {job!r}; known: {', '.join(LAYOUTS)}")
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(reader.fieldnames or ())
    if header != LAYOUTS[job]:
        raise LayoutError(
            f"the file's columns {', '.join(header) or '(none)'} do not match job {job}: "
            f"expected {', '.join(LAYOUTS[job])}"
        )
    rows = [dict(row) for row in reader]
    if not rows:
        raise LayoutError(f"the {job} import file has no records")
    return rows

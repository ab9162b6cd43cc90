"""The writes writeback uses, validated like Xero: manual journals, invoice payments, invoice status.

Each submitted item is checked against the organisation as it stands (balanced lines, known active
AccountCode, dates after the Organisation's PeriodLockDate, payments not above AmountDue); the app
turns the messages into Xero's 400 ValidationException or, with ``summarizeErrors=false``, per-item
``ValidationErrors``. Applying a change updates the records, moves their UpdatedDateUTC to the sandbox
clock's now, posts the matching Journals entries and reports webhook events.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sandbox.xero.dates import day_string, format_ms_date, parse_any_date, parse_input_date
from sandbox.xero.store import Record, TenantState

CENT = Decimal("0.01")
DAY_MS = 86_400_000


def money(value: Any) -> Decimal:
    """A 2-dp Decimal (ROUND_HALF_UP) of a number or numeric string; ValueError otherwise."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError(f"{value!r} is not an amount")
    try:
        return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None


def amount_or_zero(value: Any) -> Decimal:
    try:
        return money(value)
    except ValueError:
        return Decimal("0.00")


def as_number(value: Decimal) -> float:
    """The JSON number Xero answers with (exact for 2-dp amounts)."""
    return float(value)


@dataclass(frozen=True)
class Event:
    """A webhook event a change causes."""

    category: str
    event_type: str
    resource_id: str
    resource: str


@dataclass
class Outcome:
    """What applying one item produced: the record to answer with and the events to send."""

    record: Record
    events: list[Event] = field(default_factory=list)


@dataclass
class Checked:
    """One submitted item after validation: its errors, or how to apply it."""

    submitted: Record
    errors: list[str]
    apply: Callable[[int], Outcome] | None = None


def _lock_ms(tenant: TenantState) -> int | None:
    organisation = tenant.organisation
    stamps = [parse_any_date(organisation.get(k)) for k in ("PeriodLockDate", "EndOfYearLockDate")]
    stamps = [s for s in stamps if s is not None]
    return max(stamps) if stamps else None


def _check_lock(tenant: TenantState, date_ms: int, what: str, errors: list[str]) -> None:
    lock = _lock_ms(tenant)
    if lock is not None and date_ms <= lock:
        errors.append(
            f"The {what} date ({day_string(date_ms)}) is on or before the period lock date "
            f"({day_string(lock)}); date it after the lock date or ask an adviser to move the lock."
        )


def _stamp(previous: Any, now_ms: int) -> str:
    """UpdatedDateUTC for a change at ``now_ms``, never earlier than the record's previous stamp."""
    before = parse_any_date(previous)
    return format_ms_date(max(now_ms, before + 1) if before is not None else now_ms)


def _new_id() -> str:
    return str(uuid.uuid4())


# --- Journals --------------------------------------------------------------------------------------


def _journal_line(account: Record, amount: Decimal, description: str = "") -> Record:
    return {
        "JournalLineID": _new_id(),
        "AccountID": account.get("AccountID"),
        "AccountCode": account.get("Code"),
        "AccountType": account.get("Type"),
        "AccountName": account.get("Name"),
        "Description": description,
        "NetAmount": as_number(amount),
        "GrossAmount": as_number(amount),
        "TaxAmount": 0.0,
        "TrackingCategories": [],
    }


def post_journal(
    tenant: TenantState,
    *,
    date_ms: int,
    now_ms: int,
    source_id: str,
    source_type: str,
    lines: list[Record],
    reference: str = "",
) -> Record:
    """Append a Journal (the general-ledger entry Xero writes for every posted change)."""
    journal = {
        "JournalID": _new_id(),
        "JournalDate": format_ms_date(date_ms),
        "JournalNumber": tenant.next_journal_number(),
        "CreatedDateUTC": format_ms_date(now_ms),
        "Reference": reference,
        "SourceID": source_id,
        "SourceType": source_type,
        "JournalLines": lines,
    }
    tenant.tables["journals"].append(journal)
    return journal


def reverse_journals(tenant: TenantState, source_id: str, now_ms: int, date_ms: int | None = None) -> None:
    """Post the reversal of every journal posted for ``source_id`` and not yet reversed."""
    table = tenant.tables["journals"]
    journals = [table.record(pos) for pos in table.by_source.get(source_id.lower(), [])]
    balance: dict[str, tuple[Record, Decimal]] = {}
    for journal in journals:
        for line in journal.get("JournalLines") or []:
            key = str(line.get("AccountID") or line.get("AccountCode"))
            prior = balance.get(key, (line, Decimal("0.00")))[1]
            balance[key] = (line, prior + amount_or_zero(line.get("NetAmount")))
    lines = []
    for line, total in balance.values():
        if total:
            reversed_line = {k: v for k, v in line.items() if k not in ("JournalLineID", "TaxAmount")}
            reversed_line.update(
                JournalLineID=_new_id(),
                NetAmount=as_number(-total),
                GrossAmount=as_number(-total),
                TaxAmount=0.0,
            )
            lines.append(reversed_line)
    if lines and journals:
        last = journals[-1]
        post_journal(
            tenant,
            date_ms=date_ms or parse_any_date(last.get("JournalDate")) or now_ms,
            now_ms=now_ms,
            source_id=source_id,
            source_type=str(last.get("SourceType")),
            lines=lines,
            reference=str(last.get("Reference") or ""),
        )


# --- Manual journals -------------------------------------------------------------------------------

MJ_STATUSES = ("DRAFT", "POSTED", "VOIDED", "DELETED")


def check_manual_journal(tenant: TenantState, item: Any, now_ms: int) -> Checked:
    """Validate one ManualJournal (create, or update when it carries a ManualJournalID)."""
    if not isinstance(item, dict):
        return Checked({"Item": item}, ["Each manual journal must be a JSON object"])
    errors: list[str] = []
    table = tenant.tables["manualjournals"]
    existing_pos = None
    existing: Record = {}
    if item.get("ManualJournalID"):
        existing_pos = table.find(str(item["ManualJournalID"]))
        if existing_pos is None:
            return Checked(item, [f"ManualJournal {item['ManualJournalID']} could not be found"])
        existing = table.record(existing_pos)
    old_status = existing.get("Status")
    status = str(item.get("Status") or old_status or "DRAFT").upper()
    if status not in MJ_STATUSES:
        errors.append(f"Status {status!r} is not one of {', '.join(MJ_STATUSES)}")
    if not existing and status in ("VOIDED", "DELETED"):
        errors.append(f"A new manual journal cannot be created as {status}")
    if old_status in ("VOIDED", "DELETED"):
        errors.append(f"This manual journal is {old_status} and cannot be changed")
    if old_status == "POSTED" and status in ("DRAFT", "DELETED"):
        errors.append(f"A posted manual journal cannot become {status}; void it instead")
    if old_status == "DRAFT" and status == "VOIDED":
        errors.append("A draft manual journal cannot be voided; delete it instead")
    narration = item.get("Narration", existing.get("Narration"))
    if not isinstance(narration, str) or not narration.strip():
        errors.append("Narration is required")
    if "Date" in item:
        try:
            date_ms = parse_input_date(item["Date"])
        except ValueError as exc:
            errors.append(f"Date: {exc}")
            date_ms = now_ms - now_ms % DAY_MS
    else:
        date_ms = parse_any_date(existing.get("Date")) or now_ms - now_ms % DAY_MS
    raw_lines = item.get("JournalLines", existing.get("JournalLines"))
    lines: list[Record] = []
    total_debit = total_credit = Decimal("0.00")
    if not isinstance(raw_lines, list) or len(raw_lines) < 2:
        errors.append("A manual journal needs at least two JournalLines")
        raw_lines = raw_lines if isinstance(raw_lines, list) else []
    for number, line in enumerate(raw_lines, start=1):
        if not isinstance(line, dict):
            errors.append(f"Journal line {number} must be a JSON object")
            continue
        try:
            amount = money(line.get("LineAmount"))
        except ValueError:
            errors.append(f"Journal line {number}: LineAmount {line.get('LineAmount')!r} is not an amount")
            continue
        if amount > 0:
            total_debit += amount
        else:
            total_credit -= amount
        account = tenant.account(line.get("AccountCode"), line.get("AccountID"))
        code = line.get("AccountCode") or line.get("AccountID")
        if account is None:
            errors.append(f"Account code '{code}' is not a valid code for this document.")
            continue
        if str(account.get("Status", "ACTIVE")).upper() != "ACTIVE":
            errors.append(
                f"Account code '{code}' has been archived, or deleted. Each line item must reference a "
                "valid account."
            )
            continue
        lines.append(
            {
                "Description": str(line.get("Description") or ""),
                "TaxType": str(line.get("TaxType") or "NONE"),
                "TaxAmount": 0.0,
                "LineAmount": as_number(amount),
                "AccountCode": account.get("Code"),
                "AccountID": account.get("AccountID"),
                "Tracking": line.get("Tracking") or [],
                "IsBlank": False,
            }
        )
    if total_debit != total_credit:
        errors.append(f"The total debits ({total_debit}) must equal total credits ({total_credit})")
    if status in ("POSTED", "VOIDED") or (existing and old_status == "POSTED"):
        _check_lock(tenant, date_ms, "journal", errors)
    if errors:
        return Checked(item, errors)

    def apply(now: int) -> Outcome:
        journal_id = existing.get("ManualJournalID") or _new_id()
        record: Record = {
            "Date": format_ms_date(date_ms),
            "Status": status,
            "LineAmountTypes": item.get("LineAmountTypes") or existing.get("LineAmountTypes") or "NoTax",
            "Narration": narration,
            "JournalLines": lines,
            "ShowOnCashBasisReports": bool(
                item.get("ShowOnCashBasisReports", existing.get("ShowOnCashBasisReports", True))
            ),
            "HasAttachments": bool(existing.get("HasAttachments", False)),
            "UpdatedDateUTC": _stamp(existing.get("UpdatedDateUTC"), now),
            "ManualJournalID": journal_id,
        }
        if existing_pos is None:
            table.append(record)
        else:
            table.replace(existing_pos, record)
        if old_status == "POSTED" and (
            status == "VOIDED"
            or existing.get("JournalLines") != lines
            or existing.get("Date") != record["Date"]
        ):
            reverse_journals(tenant, journal_id, now, date_ms)
        if status == "POSTED" and (
            old_status != "POSTED"
            or existing.get("JournalLines") != lines
            or existing.get("Date") != record["Date"]
        ):
            journal_lines = []
            for line in lines:
                account = tenant.account(line["AccountCode"], line["AccountID"]) or {}
                journal_lines.append(_journal_line(account, money(line["LineAmount"]), line["Description"]))
            post_journal(
                tenant,
                date_ms=date_ms,
                now_ms=now,
                source_id=journal_id,
                source_type="MANJOURNAL",
                lines=journal_lines,
                reference=narration,
            )
        return Outcome(record)

    return Checked(item, [], apply)


# --- Payments --------------------------------------------------------------------------------------


def check_payment(tenant: TenantState, item: Any, now_ms: int, pending: dict[int, Decimal]) -> Checked:
    """Validate one invoice payment; ``pending`` holds amounts earlier items of the batch will pay."""
    if not isinstance(item, dict):
        return Checked({"Item": item}, ["Each payment must be a JSON object"])
    errors: list[str] = []
    invoices = tenant.tables["invoices"]
    ref = item.get("Invoice") if isinstance(item.get("Invoice"), dict) else {}
    invoice_key = ref.get("InvoiceID") or ref.get("InvoiceNumber") or item.get("InvoiceNumber")
    if item.get("CreditNote") or item.get("Prepayment") or item.get("Overpayment"):
        return Checked(
            item,
            ["The sandbox takes payments against invoices only (Invoice.InvoiceID or Invoice.InvoiceNumber)"],
        )
    if not invoice_key:
        return Checked(item, ["A payment needs an Invoice with an InvoiceID or InvoiceNumber"])
    pos = invoices.find(str(invoice_key))
    if pos is None:
        return Checked(item, [f"Invoice {invoice_key} could not be found"])
    invoice = invoices.record(pos)
    if invoice.get("Status") != "AUTHORISED":
        errors.append(
            f"Invoice not of valid status for modification: {invoice.get('InvoiceNumber') or invoice_key} "
            f"is {invoice.get('Status')}; only AUTHORISED invoices can be paid"
        )
    account_ref = item.get("Account") if isinstance(item.get("Account"), dict) else {}
    account = tenant.account(account_ref.get("Code"), account_ref.get("AccountID"))
    if not account_ref:
        errors.append("A payment needs an Account (AccountID or Code) to pay from or into")
    elif account is None:
        errors.append(f"Account {account_ref.get('Code') or account_ref.get('AccountID')} could not be found")
    elif account.get("Type") != "BANK" and not account.get("EnablePaymentsToAccount"):
        errors.append(f"Account {account.get('Code')} is not a bank account and does not allow payments")
    try:
        amount = money(item.get("Amount"))
        if amount <= 0:
            errors.append("Payment amount must be greater than zero")
    except ValueError:
        errors.append(f"Amount {item.get('Amount')!r} is not an amount")
        amount = Decimal("0.00")
    due = amount_or_zero(invoice.get("AmountDue")) - pending.get(pos, Decimal("0.00"))
    if amount > due:
        errors.append(f"Payment amount ({amount}) exceeds the amount outstanding on this document ({due})")
    try:
        date_ms = parse_input_date(item["Date"]) if item.get("Date") else now_ms - now_ms % DAY_MS
    except ValueError as exc:
        errors.append(f"Date: {exc}")
        date_ms = now_ms - now_ms % DAY_MS
    _check_lock(tenant, date_ms, "payment", errors)
    rate_value = item.get("CurrencyRate") or invoice.get("CurrencyRate") or 1
    try:
        rate = Decimal(str(rate_value))
        if rate <= 0:
            raise InvalidOperation
    except InvalidOperation:
        errors.append(f"CurrencyRate {rate_value!r} must be a positive number")
        rate = Decimal(1)
    if errors:
        return Checked(item, errors)
    pending[pos] = pending.get(pos, Decimal("0.00")) + amount

    def apply(now: int) -> Outcome:
        current = invoices.record(pos)
        payment_id = _new_id()
        is_sale = current.get("Type") == "ACCREC"
        contact = current.get("Contact") or {}
        payment: Record = {
            "PaymentID": payment_id,
            "Date": format_ms_date(date_ms),
            "BankAmount": as_number(amount),
            "Amount": as_number(amount),
            "Reference": str(item.get("Reference") or ""),
            "CurrencyRate": float(rate),
            "PaymentType": "ACCRECPAYMENT" if is_sale else "ACCPAYPAYMENT",
            "Status": "AUTHORISED",
            "UpdatedDateUTC": format_ms_date(now),
            "HasAccount": True,
            "IsReconciled": bool(item.get("IsReconciled", False)),
            "Account": {"AccountID": account["AccountID"], "Code": account.get("Code")},
            "Invoice": {
                "Type": current.get("Type"),
                "InvoiceID": current.get("InvoiceID"),
                "InvoiceNumber": current.get("InvoiceNumber"),
                "Contact": {k: contact[k] for k in ("ContactID", "Name") if k in contact},
                "CurrencyCode": current.get("CurrencyCode"),
            },
            "HasValidationErrors": False,
        }
        tenant.tables["payments"].append(payment)
        due_after = amount_or_zero(current.get("AmountDue")) - amount
        updated = dict(current)
        updated["AmountDue"] = as_number(due_after)
        updated["AmountPaid"] = as_number(amount_or_zero(current.get("AmountPaid")) + amount)
        updated["Payments"] = [
            *(current.get("Payments") or []),
            {
                "PaymentID": payment_id,
                "Date": payment["Date"],
                "Amount": payment["Amount"],
                "Reference": payment["Reference"],
                "CurrencyRate": payment["CurrencyRate"],
                "HasAccount": True,
                "HasValidationErrors": False,
            },
        ]
        if due_after == 0:
            updated["Status"] = "PAID"
            updated["FullyPaidOnDate"] = payment["Date"]
        updated["UpdatedDateUTC"] = _stamp(current.get("UpdatedDateUTC"), now)
        invoices.replace(pos, updated)
        control = tenant.system_account("DEBTORS" if is_sale else "CREDITORS")
        if control is not None:
            base = (amount / rate).quantize(CENT, ROUND_HALF_UP)
            sign = 1 if is_sale else -1
            post_journal(
                tenant,
                date_ms=date_ms,
                now_ms=now,
                source_id=payment_id,
                source_type=payment["PaymentType"],
                reference=payment["Reference"],
                lines=[_journal_line(account, sign * base), _journal_line(control, -sign * base)],
            )
        return Outcome(payment, [Event("INVOICE", "UPDATE", str(current.get("InvoiceID")), "Invoices")])

    return Checked(item, [], apply)


# --- Invoice status --------------------------------------------------------------------------------

TRANSITIONS = {
    "DRAFT": {"SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"DRAFT", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"VOIDED"},
}
EDITABLE = ("Reference", "DueDate", "ExpectedPaymentDate", "PlannedPaymentDate")


def check_invoice_update(tenant: TenantState, item: Any, now_ms: int, ident: str | None = None) -> Checked:
    """Validate an update of an existing invoice: its Status (Xero's transitions) and a few header fields."""
    if not isinstance(item, dict):
        return Checked({"Item": item}, ["Each invoice must be a JSON object"])
    invoices = tenant.tables["invoices"]
    key = ident or item.get("InvoiceID") or item.get("InvoiceNumber")
    if not key:
        return Checked(
            item, ["The sandbox updates existing invoices only: give an InvoiceID or InvoiceNumber"]
        )
    pos = invoices.find(str(key))
    if pos is None:
        return Checked(item, [f"Invoice {key} could not be found"])
    invoice = invoices.record(pos)
    errors: list[str] = []
    old = str(invoice.get("Status"))
    new = str(item.get("Status") or old).upper()
    if new == old and old in ("VOIDED", "DELETED"):  # Xero keeps a voided or deleted invoice as it is
        errors.append(f"Invoice not of valid status for modification: it is {old}")
    if new != old:
        if new not in TRANSITIONS.get(old, set()):
            errors.append(
                f"Invoice not of valid status for modification: it is {old} and cannot become {new}"
            )
        elif new == "VOIDED" and (
            amount_or_zero(invoice.get("AmountPaid")) or amount_or_zero(invoice.get("AmountCredited"))
        ):
            errors.append(
                "This invoice has payments or credit notes allocated to it; remove them before voiding"
            )
        if old == "AUTHORISED" or new == "AUTHORISED":
            _check_lock(tenant, parse_any_date(invoice.get("Date")) or now_ms, "invoice", errors)
    changes: dict[str, Any] = {}
    for name in EDITABLE:
        if name in item:
            if name == "Reference":
                changes[name] = str(item[name] or "")
                continue
            try:
                changes[name] = format_ms_date(parse_input_date(item[name]))
            except ValueError as exc:
                errors.append(f"{name}: {exc}")
    unknown = sorted(set(item) - {"InvoiceID", "InvoiceNumber", "Status", *EDITABLE})
    ignored = [k for k in unknown if item[k] != invoice.get(k)]
    if ignored:
        errors.append(
            f"The sandbox can change Status, {', '.join(EDITABLE)} of an invoice, not {', '.join(ignored)}"
        )
    if errors:
        return Checked(item, errors)

    def apply(now: int) -> Outcome:
        current = invoices.record(pos)
        updated = {
            **current,
            **changes,
            "Status": new,
            "UpdatedDateUTC": _stamp(current.get("UpdatedDateUTC"), now),
        }
        if new in ("VOIDED", "DELETED"):
            updated["AmountDue"] = 0.0
        invoices.replace(pos, updated)
        invoice_id = str(current.get("InvoiceID"))
        if old == "AUTHORISED" and new == "VOIDED":
            reverse_journals(tenant, invoice_id, now)
        if new == "AUTHORISED" and old != "AUTHORISED":
            _post_invoice_journal(tenant, updated, now)
        return Outcome(updated, [Event("INVOICE", "UPDATE", invoice_id, "Invoices")])

    return Checked(item, [], apply)


def _post_invoice_journal(tenant: TenantState, invoice: Record, now_ms: int) -> None:
    """The journal Xero posts when an invoice is approved: control account against line accounts and tax."""
    is_sale = invoice.get("Type") == "ACCREC"
    control = tenant.system_account("DEBTORS" if is_sale else "CREDITORS")
    tax_account = tenant.system_account("GST")
    if control is None:
        return
    rate = Decimal(str(invoice.get("CurrencyRate") or 1))
    sign = -1 if is_sale else 1
    lines, total, tax_total = [], Decimal("0.00"), Decimal("0.00")
    inclusive = invoice.get("LineAmountTypes") == "Inclusive"
    for line in invoice.get("LineItems") or []:
        account = tenant.account(line.get("AccountCode"), line.get("AccountID"))
        if account is None:
            return
        tax = amount_or_zero(line.get("TaxAmount"))
        net = amount_or_zero(line.get("LineAmount")) - (tax if inclusive else 0)
        net_base = (net / rate).quantize(CENT, ROUND_HALF_UP)
        tax_base = (tax / rate).quantize(CENT, ROUND_HALF_UP)
        lines.append(_journal_line(account, sign * net_base, str(line.get("Description") or "")))
        total += net_base + tax_base
        tax_total += tax_base
    if tax_total:
        if tax_account is None:
            return
        lines.append(_journal_line(tax_account, sign * tax_total))
    lines.insert(0, _journal_line(control, -sign * total))
    post_journal(
        tenant,
        date_ms=parse_any_date(invoice.get("Date")) or now_ms,
        now_ms=now_ms,
        source_id=str(invoice.get("InvoiceID")),
        source_type="ACCREC" if is_sale else "ACCPAY",
        lines=lines,
        reference=str(invoice.get("Reference") or ""),
    )


# --- Contacts ---------------------------------------------------------------------------------------

CONTACT_FIELDS = (
    "Name",
    "ContactNumber",
    "AccountNumber",
    "FirstName",
    "LastName",
    "EmailAddress",
    "TaxNumber",
    "DefaultCurrency",
    "Addresses",
    "Phones",
)


def check_contact(tenant: TenantState, item: Any, now_ms: int, pending: set[str]) -> Checked:
    """Validate one new contact: a Name unique among active contacts (and earlier items of the batch);
    ``pending`` holds the lower-cased names earlier items will create."""
    if not isinstance(item, dict):
        return Checked({"Item": item}, ["Each contact must be a JSON object"])
    if item.get("ContactID"):
        return Checked(item, ["The sandbox creates contacts only (PUT Contacts without a ContactID)"])
    name = str(item.get("Name") or "").strip()
    if not name:
        return Checked(item, ["The contact name must be specified."])
    contacts = tenant.tables["contacts"]
    taken = {
        str(c.get("Name") or "").strip().lower()
        for c in contacts.iter_records()
        if c.get("ContactStatus", "ACTIVE") == "ACTIVE"
    }
    if name.lower() in taken or name.lower() in pending:
        return Checked(
            item,
            [
                f"The contact name {name} is already assigned to another contact. The contact name must "
                "be unique across all active contacts."
            ],
        )
    pending.add(name.lower())

    def apply(now: int) -> Outcome:
        record: Record = {
            "ContactID": _new_id(),
            "ContactStatus": "ACTIVE",
            **{k: item[k] for k in CONTACT_FIELDS if item.get(k) not in (None, "")},
            "Name": name,
            "IsSupplier": False,  # Xero sets these from the contact's transactions, not from the request
            "IsCustomer": False,
            "UpdatedDateUTC": format_ms_date(now),
            "HasValidationErrors": False,
        }
        contacts.append(record)
        return Outcome(record, [Event("CONTACT", "CREATE", record["ContactID"], "Contacts")])

    return Checked(item, [], apply)

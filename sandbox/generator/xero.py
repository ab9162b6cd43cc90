"""Writing ``xero/<Resource>.json``: the bodies Xero's Accounting API returns for an unpaged GET.

Field names, enums and ``/Date(ms+0000)/`` values follow ``xero_accounting.yaml``. Amounts are JSON
numbers written from ``Decimal`` text. ``UpdatedDateUTC`` derives from the record's last change inside the
scenario (never the wall clock). Journals are numbered in the order their source events happen.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from .dates import add_months, iso_datetime, month_end, xero_date
from .masterdata import MasterData
from .model import Account, Alloc, BankTxn, Doc, Journal, Line, Party, Payment
from .money import ZERO, q2, to_base
from .rng import uuid4
from .writers import JsonArrayWriter

_CLASS = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "PREPAYMENT": "ASSET",
    "NONCURRENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "EQUITY": "EQUITY",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
    "OTHERINCOME": "REVENUE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "DEPRECIATN": "EXPENSE",
}


def _tax_type(line: Line) -> str:
    return "OUTPUT" if line.tax_rate > 0 else "NONE"


class XeroWriter:
    """Streams the transactional resources and writes master data at the end."""

    name = "xero"

    def __init__(self, out: Path, master: MasterData, start: date, end: date, rng: random.Random) -> None:
        self.dir = out / "xero"
        self.m = master
        self.start = start
        self.end = end
        self.rng = rng
        self.base = master.profile.base_currency
        self.bank_acct = master.by_role["bank"]
        self.ar = master.by_role["ar"]
        self.ap = master.by_role["ap"]
        self.tax = master.by_role["tax"]
        self.fx = master.by_role["fx"]
        self.invoices = JsonArrayWriter(self.dir / "Invoices.json", "Invoices")
        self.credit_notes = JsonArrayWriter(self.dir / "CreditNotes.json", "CreditNotes")
        self.payments = JsonArrayWriter(self.dir / "Payments.json", "Payments")
        self.bank_txns = JsonArrayWriter(self.dir / "BankTransactions.json", "BankTransactions")
        self.manual_journals = JsonArrayWriter(self.dir / "ManualJournals.json", "ManualJournals")
        self.journals = JsonArrayWriter(self.dir / "Journals.json", "Journals")
        self.journal_no = 0
        self.bank_contact = {"ContactID": uuid4(rng), "Name": "First Merchants Bank"}
        self.files: list[JsonArrayWriter] = []

    # ---------------------------------------------------------------- shared pieces
    @staticmethod
    def contact_ref(p: Party) -> dict[str, Any]:
        ref: dict[str, Any] = {"ContactID": p.id}
        if p.contact_number:
            ref["ContactNumber"] = p.contact_number
        ref.update(
            {
                "AccountNumber": p.code,
                "Name": p.name,
                "Addresses": [],
                "Phones": [],
                "ContactGroups": [],
                "ContactPersons": [],
                "HasValidationErrors": False,
            }
        )
        return ref

    @staticmethod
    def line_item(line: Line, with_item: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"LineItemID": line.id}
        if with_item and line.item is not None:
            out["ItemCode"] = line.item.code
            out["Item"] = {"ItemID": line.item.id, "Name": line.item.name, "Code": line.item.code}
        out.update(
            {
                "Description": line.description,
                "UnitAmount": line.unit,
                "TaxType": _tax_type(line),
                "TaxAmount": line.tax,
                "LineAmount": line.amount,
                "AccountCode": line.account.code,
                "AccountID": line.account.id,
                "Tracking": [],
                "Quantity": line.quantity,
            }
        )
        return out

    def _journal(
        self,
        when: date,
        seconds: int,
        source_id: str,
        source_type: str,
        reference: str,
        lines: list[tuple[Account, Decimal, Decimal, str]],
    ) -> None:
        """Append one journal; ``lines`` are (account, net, tax, description) in base currency."""
        self.journal_no += 1
        rows = []
        for acct, net, tax, desc in lines:
            if net == 0 and tax == 0:
                continue
            row = {
                "JournalLineID": uuid4(self.rng),
                "AccountID": acct.id,
                "AccountCode": acct.code,
                "AccountType": acct.source_type,
                "AccountName": acct.name,
                "Description": desc,
                "NetAmount": net,
                "GrossAmount": net + tax,
                "TaxAmount": tax,
                "TrackingCategories": [],
            }
            if tax:
                row["TaxType"] = "OUTPUT" if tax < 0 else "INPUT"
                row["TaxName"] = "Sales Tax"
            rows.append(row)
        self.journals.write(
            {
                "JournalID": uuid4(self.rng),
                "JournalDate": xero_date(when),
                "JournalNumber": self.journal_no,
                "CreatedDateUTC": xero_date(when, seconds),
                "Reference": reference,
                "SourceID": source_id,
                "SourceType": source_type,
                "JournalLines": rows,
            }
        )

    def _doc_journal_lines(self, doc: Doc, sign: int) -> list[tuple[Account, Decimal, Decimal, str]]:
        """Posting of a sales invoice (sign 1), credit note (-1) or bill (sign 1, purchases side)."""
        lines: list[tuple[Account, Decimal, Decimal, str]] = []
        if doc.kind == "bill":
            lines.append((self.ap, -doc.base_gross * sign, ZERO, ""))
            for ln in doc.lines:
                lines.append((ln.account, ln.base_amount * sign, ln.base_tax * sign, ln.description))
            lines.append((self.tax, doc.base_tax * sign, ZERO, ""))
            return lines
        lines.append((self.ar, doc.base_gross * sign, ZERO, ""))
        cogs = ZERO
        for ln in doc.lines:
            lines.append((ln.account, -ln.base_amount * sign, -ln.base_tax * sign, ln.description))
            if ln.item is not None and ln.item.tracked:
                cogs += q2(ln.item.cost * ln.quantity)
        lines.append((self.tax, -doc.base_tax * sign, ZERO, ""))
        if cogs:
            lines.append((self.m.by_role["cogs"], cogs * sign, ZERO, "Cost of goods sold"))
            lines.append((self.m.by_role["inventory"], -cogs * sign, ZERO, "Cost of goods sold"))
        return lines

    @staticmethod
    def _updated(doc: Doc) -> date:
        last = doc.date
        for a in doc.allocs:
            last = max(last, a.date)
        if doc.void_date:
            last = max(last, doc.void_date)
        return last

    def _status(self, doc: Doc) -> str:
        if doc.status in ("VOIDED", "DRAFT"):
            return doc.status
        return "PAID" if doc.amount_due == 0 else "AUTHORISED"

    # ---------------------------------------------------------------- documents
    def doc(self, doc: Doc) -> None:
        if doc.kind == "credit_note":
            self._credit_note(doc)
            return
        status = self._status(doc)
        paid = [a for a in doc.allocs if a.payment is not None]
        credited = [a for a in doc.allocs if a.credit is not None]
        updated = self._updated(doc)
        obj: dict[str, Any] = {
            "Type": "ACCREC" if doc.kind == "invoice" else "ACCPAY",
            "InvoiceID": doc.id,
            "InvoiceNumber": doc.number,
            "Reference": doc.reference,
            "Payments": [
                {
                    "PaymentID": a.id,
                    "Date": xero_date(a.date),
                    "Amount": a.amount,
                    "Reference": a.payment.reference,
                    "CurrencyRate": a.payment.rate,
                    "HasAccount": False,
                    "HasValidationErrors": False,
                }
                for a in paid
            ],
            "CreditNotes": [
                {
                    "CreditNoteID": a.credit.id,
                    "CreditNoteNumber": a.credit.number,
                    "ID": a.credit.id,
                    "AppliedAmount": a.amount,
                    "DateString": iso_datetime(a.date),
                    "Date": xero_date(a.date),
                    "LineItems": [],
                    "Total": a.credit.gross,
                }
                for a in credited
            ],
            "Prepayments": [],
            "Overpayments": [],
            "AmountDue": doc.amount_due,
            "AmountPaid": ZERO if status == "VOIDED" else sum((a.amount for a in paid), ZERO),
            "AmountCredited": sum((a.amount for a in credited), ZERO),
            "CurrencyRate": doc.rate,
            "IsDiscounted": False,
            "HasAttachments": False,
            "HasErrors": False,
            "Contact": self.contact_ref(doc.party),
            "DateString": iso_datetime(doc.date),
            "Date": xero_date(doc.date),
            "DueDateString": iso_datetime(doc.due),
            "DueDate": xero_date(doc.due),
            "Status": status,
            "LineAmountTypes": "Exclusive",
            "LineItems": [self.line_item(ln) for ln in doc.lines],
            "SubTotal": doc.net,
            "TotalTax": doc.tax,
            "Total": doc.gross,
            "UpdatedDateUTC": xero_date(updated, doc.seconds),
            "CurrencyCode": doc.currency,
        }
        if status == "PAID":
            obj["FullyPaidOnDate"] = xero_date(max(a.date for a in doc.allocs))
        if doc.kind == "bill" and doc.reference == "":
            del obj["Reference"]
        self.invoices.write(obj)
        if status == "DRAFT":
            return
        source_type = "ACCREC" if doc.kind == "invoice" else "ACCPAY"
        lines = self._doc_journal_lines(doc, 1)
        self._journal(doc.date, doc.seconds, doc.id, source_type, doc.number, lines)
        if status == "VOIDED" and doc.void_date == doc.date:
            self.void(doc)

    def void(self, doc: Doc) -> None:
        source_type = "ACCREC" if doc.kind == "invoice" else "ACCPAY"
        assert doc.void_date is not None
        lines = self._doc_journal_lines(doc, -1)
        self._journal(doc.void_date, doc.seconds + 600, doc.id, source_type, doc.number, lines)

    def _credit_note(self, cn: Doc) -> None:
        allocated = sum((a.amount for a in cn.allocs), ZERO)
        remaining = cn.gross - allocated
        updated = max([cn.date] + [a.date for a in cn.allocs])
        obj: dict[str, Any] = {
            "Type": "ACCRECCREDIT",
            "CreditNoteID": cn.id,
            "CreditNoteNumber": cn.number,
            "Reference": cn.reference,
            "Contact": self.contact_ref(cn.party),
            "DateString": iso_datetime(cn.date),
            "Date": xero_date(cn.date),
            "Status": "PAID" if remaining == 0 else "AUTHORISED",
            "LineAmountTypes": "Exclusive",
            "LineItems": [self.line_item(ln) for ln in cn.lines],
            "SubTotal": cn.net,
            "TotalTax": cn.tax,
            "Total": cn.gross,
            "UpdatedDateUTC": xero_date(updated, cn.seconds),
            "CurrencyCode": cn.currency,
            "CurrencyRate": cn.rate,
            "RemainingCredit": remaining,
            "Allocations": [
                {
                    "AllocationID": a.id,
                    "Amount": a.amount,
                    "Date": xero_date(a.date),
                    "Invoice": {
                        "InvoiceID": a.doc.id,
                        "InvoiceNumber": a.doc.number,
                        "Payments": [],
                        "CreditNotes": [],
                        "Prepayments": [],
                        "Overpayments": [],
                        "HasErrors": False,
                        "IsDiscounted": False,
                        "LineItems": [],
                    },
                }
                for a in cn.allocs
            ],
            "Payments": [],
            "HasAttachments": False,
            "HasErrors": False,
        }
        if remaining == 0:
            obj["FullyPaidOnDate"] = xero_date(updated)
        self.credit_notes.write(obj)
        self._journal(cn.date, cn.seconds, cn.id, "ACCRECCREDIT", cn.number, self._doc_journal_lines(cn, -1))
        for a in cn.allocs:
            a.doc.relieved_base += to_base(a.amount, a.doc.rate)

    # ---------------------------------------------------------------- payments
    @staticmethod
    def _relief(alloc: Alloc) -> Decimal:
        doc = alloc.doc
        position = next(i for i, a in enumerate(doc.allocs) if a is alloc)
        applied = sum((a.amount for a in doc.allocs[: position + 1]), ZERO)
        relief = (
            doc.base_gross - doc.relieved_base if applied == doc.gross else to_base(alloc.amount, doc.rate)
        )
        doc.relieved_base += relief
        return relief

    def payment(self, pay: Payment) -> None:
        if pay.form in ("bank_receipt", "prepayment"):
            self._bank_payment(pay)
            return
        ar = pay.kind == "ar"
        ptype = "ACCRECPAYMENT" if ar else "ACCPAYPAYMENT"
        reconciled = pay.date <= self.end - timedelta(days=5)
        for alloc in pay.allocs:
            doc = alloc.doc
            bank_amount = to_base(alloc.amount, pay.rate)
            obj: dict[str, Any] = {"PaymentID": alloc.id}
            if pay.form == "batch":
                obj["BatchPaymentID"] = pay.id
                obj["BatchPayment"] = {
                    "Account": {"AccountID": self.bank_acct.id},
                    "BatchPaymentID": pay.id,
                    "Date": xero_date(pay.date),
                    "Type": "RECBATCH" if ar else "PAYBATCH",
                    "Status": "AUTHORISED",
                    "TotalAmount": pay.amount,
                    "UpdatedDateUTC": xero_date(pay.date, pay.seconds),
                    "IsReconciled": reconciled,
                }
            obj.update(
                {
                    "Date": xero_date(pay.date),
                    "BankAmount": bank_amount,
                    "Amount": alloc.amount,
                    "Reference": pay.reference,
                    "CurrencyRate": pay.rate,
                    "PaymentType": ptype,
                    "Status": "AUTHORISED",
                    "UpdatedDateUTC": xero_date(pay.date, pay.seconds),
                    "HasAccount": True,
                    "IsReconciled": reconciled,
                    "Account": {"AccountID": self.bank_acct.id, "Code": self.bank_acct.code},
                    "Invoice": {
                        "Type": "ACCREC" if ar else "ACCPAY",
                        "InvoiceID": doc.id,
                        "InvoiceNumber": doc.number,
                        "Contact": {"ContactID": doc.party.id, "Name": doc.party.name},
                        "CurrencyCode": doc.currency,
                        "Payments": [],
                        "CreditNotes": [],
                        "Prepayments": [],
                        "Overpayments": [],
                        "HasErrors": False,
                        "IsDiscounted": False,
                        "LineItems": [],
                    },
                    "HasValidationErrors": False,
                }
            )
            self.payments.write(obj)
            relief = self._relief(alloc)
            control = self.ar if ar else self.ap
            sign = 1 if ar else -1
            lines = [
                (self.bank_acct, bank_amount * sign, ZERO, pay.reference),
                (control, -relief * sign, ZERO, ""),
                (self.fx, (relief - bank_amount) * sign, ZERO, "Currency gain/loss"),
            ]
            self._journal(pay.date, pay.seconds, alloc.id, ptype, pay.reference, lines)

    def _bank_payment(self, pay: Payment) -> None:
        prepayment = pay.form == "prepayment"
        account = self.ar if prepayment else self.m.by_role["sales_product"]
        line_id = uuid4(self.rng)
        obj = {
            "BankTransactionID": pay.id,
            "Type": "RECEIVE-PREPAYMENT" if prepayment else "RECEIVE",
            "Contact": self.contact_ref(pay.party),
            "LineItems": [
                {
                    "LineItemID": line_id,
                    "Description": pay.reference or "Customer receipt",
                    "UnitAmount": pay.amount,
                    "TaxType": "NONE",
                    "TaxAmount": ZERO,
                    "LineAmount": pay.amount,
                    "AccountCode": account.code,
                    "Tracking": [],
                    "Quantity": 1,
                }
            ],
            "BankAccount": {
                "AccountID": self.bank_acct.id,
                "Code": self.bank_acct.code,
                "Name": self.bank_acct.name,
            },
            "IsReconciled": pay.date <= self.end - timedelta(days=5),
            "Date": xero_date(pay.date),
            "DateString": iso_datetime(pay.date),
            "Reference": pay.reference,
            "CurrencyCode": pay.currency,
            "Status": "AUTHORISED",
            "LineAmountTypes": "NoTax",
            "SubTotal": pay.amount,
            "TotalTax": ZERO,
            "Total": pay.amount,
            "UpdatedDateUTC": xero_date(pay.date, pay.seconds),
            "HasAttachments": False,
        }
        if prepayment:
            obj["PrepaymentID"] = pay.allocs[0].id
        self.bank_txns.write(obj)
        lines = [
            (self.bank_acct, pay.base_amount, ZERO, pay.reference),
            (account, -pay.base_amount, ZERO, pay.reference),
        ]
        self._journal(
            pay.date, pay.seconds, pay.id, "ARPREPAYMENT" if prepayment else "CASHREC", pay.reference, lines
        )

    def bank(self, txn: BankTxn) -> None:
        contact = self.contact_ref(txn.party) if txn.party else dict(self.bank_contact)
        self.bank_txns.write(
            {
                "BankTransactionID": txn.id,
                "Type": txn.type,
                "Contact": contact,
                "LineItems": [
                    {
                        "LineItemID": uuid4(self.rng),
                        "Description": desc,
                        "UnitAmount": amount,
                        "TaxType": "NONE",
                        "TaxAmount": ZERO,
                        "LineAmount": amount,
                        "AccountCode": acct.code,
                        "Tracking": [],
                        "Quantity": 1,
                    }
                    for acct, amount, desc in txn.lines
                ],
                "BankAccount": {"AccountID": txn.bank.id, "Code": txn.bank.code, "Name": txn.bank.name},
                "IsReconciled": txn.date <= self.end - timedelta(days=5),
                "Date": xero_date(txn.date),
                "DateString": iso_datetime(txn.date),
                "Reference": txn.reference,
                "CurrencyCode": self.base,
                "Status": "AUTHORISED",
                "LineAmountTypes": "NoTax",
                "SubTotal": txn.total,
                "TotalTax": ZERO,
                "Total": txn.total,
                "UpdatedDateUTC": xero_date(txn.date, txn.seconds),
                "HasAttachments": False,
            }
        )
        sign = 1 if txn.type == "RECEIVE" else -1
        lines = [(txn.bank, txn.total * sign, ZERO, txn.reference)]
        lines.extend((acct, -amount * sign, ZERO, desc) for acct, amount, desc in txn.lines)
        self._journal(
            txn.date, txn.seconds, txn.id, "CASHREC" if sign == 1 else "CASHPAID", txn.reference, lines
        )

    def journal(self, j: Journal) -> None:
        self.manual_journals.write(
            {
                "ManualJournalID": j.id,
                "Date": xero_date(j.date),
                "Status": "POSTED",
                "Narration": j.narration,
                "JournalLines": [
                    {
                        "LineAmount": amount,
                        "AccountCode": acct.code,
                        "AccountID": acct.id,
                        "Description": desc,
                        "TaxType": "NONE",
                        "TaxAmount": ZERO,
                        "IsBlank": False,
                        "Tracking": [],
                    }
                    for acct, amount, desc in j.lines
                ],
                "LineAmountTypes": "NoTax",
                "ShowOnCashBasisReports": True,
                "HasAttachments": False,
                "UpdatedDateUTC": xero_date(j.date, j.seconds),
            }
        )
        self._journal(
            j.date,
            j.seconds,
            j.id,
            "MANJOURNAL",
            j.narration,
            [(acct, amount, ZERO, desc) for acct, amount, desc in j.lines],
        )

    # ---------------------------------------------------------------- master data
    def _contact(self, p: Party) -> dict[str, Any]:
        vendor = p.kind == "vendor"
        area, _, number = p.phone.partition("-")
        address = {
            "AddressLine1": p.line1,
            "AddressLine2": p.line2,
            "City": p.city,
            "Region": p.region,
            "PostalCode": p.postal,
            "Country": p.country_name,
            "AttentionTo": "",
        }
        obj: dict[str, Any] = {"ContactID": p.id}
        if p.contact_number:
            obj["ContactNumber"] = p.contact_number
        obj.update(
            {
                "AccountNumber": p.code,
                "ContactStatus": "ACTIVE",
                "Name": p.name,
                "FirstName": p.first_name,
                "LastName": p.last_name,
                "EmailAddress": p.email,
                "BankAccountDetails": "",
                "TaxNumber": p.tax_id,
                "Addresses": [{"AddressType": "POBOX", **address}, {"AddressType": "STREET", **address}],
                "Phones": [
                    {
                        "PhoneType": "DEFAULT",
                        "PhoneNumber": number,
                        "PhoneAreaCode": area,
                        "PhoneCountryCode": "1" if p.country_code == "US" else "",
                    },
                    {"PhoneType": "MOBILE", "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""},
                ],
                "UpdatedDateUTC": xero_date(p.created, p.created_seconds),
                "ContactGroups": [],
                "IsSupplier": vendor,
                "IsCustomer": not vendor,
                "DefaultCurrency": p.currency,
                "ContactPersons": [],
                "HasAttachments": False,
                "HasValidationErrors": False,
            }
        )
        if vendor:
            obj["PurchasesDefaultAccountCode"] = self.m.by_role[p.default_role].code
        else:
            obj["SalesDefaultAccountCode"] = self.m.by_role["sales_product"].code
        return obj

    def finalize(self) -> None:
        for w in (
            self.invoices,
            self.credit_notes,
            self.payments,
            self.bank_txns,
            self.manual_journals,
            self.journals,
        ):
            w.close()
            self.files.append(w)
        m = self.m
        contacts = JsonArrayWriter(self.dir / "Contacts.json", "Contacts")
        for p in m.customers + m.vendors:
            contacts.write(self._contact(p))
        contacts.write(
            {
                **self.bank_contact,
                "ContactStatus": "ACTIVE",
                "IsSupplier": True,
                "IsCustomer": False,
                "UpdatedDateUTC": xero_date(self.start - timedelta(days=400), 40_000),
                "Addresses": [],
                "Phones": [],
                "ContactGroups": [],
                "ContactPersons": [],
                "DefaultCurrency": self.base,
                "HasValidationErrors": False,
            }
        )
        contacts.close()
        accounts = JsonArrayWriter(self.dir / "Accounts.json", "Accounts")
        for a in m.accounts:
            if a.code is None:
                continue
            obj: dict[str, Any] = {
                "AccountID": a.id,
                "Code": a.code,
                "Name": a.name,
                "Status": "ACTIVE",
                "Type": a.source_type,
                "TaxType": "NONE",
                "Class": _CLASS[a.source_type],
            }
            if a.system_account:
                obj["SystemAccount"] = a.system_account
            if a.source_type == "BANK":
                obj.update(
                    {
                        "BankAccountNumber": f"0420{a.kf_id:06d}",
                        "BankAccountType": "BANK",
                        "CurrencyCode": self.base,
                    }
                )
            obj.update(
                {
                    "EnablePaymentsToAccount": False,
                    "ShowInExpenseClaims": a.source_type == "OVERHEADS",
                    "ReportingCode": _CLASS[a.source_type][:3],
                    "HasAttachments": False,
                    "UpdatedDateUTC": xero_date(self.start - timedelta(days=800), 30_000 + a.kf_id),
                    "AddToWatchlist": False,
                }
            )
            accounts.write(obj)
        accounts.close()
        items = JsonArrayWriter(self.dir / "Items.json", "Items")
        for it in m.items:
            sales = m.by_role[it.sales_role]
            obj = {
                "ItemID": it.id,
                "Code": it.code,
                "Name": it.name,
                "Description": it.description,
                "PurchaseDescription": it.description,
                "IsSold": True,
                "IsPurchased": it.tracked,
            }
            if it.tracked:
                obj.update(
                    {
                        "PurchaseDetails": {
                            "UnitPrice": it.cost,
                            "COGSAccountCode": m.by_role["cogs"].code,
                            "TaxType": "NONE",
                        },
                        "SalesDetails": {
                            "UnitPrice": it.price,
                            "AccountCode": sales.code,
                            "TaxType": "OUTPUT",
                        },
                        "IsTrackedAsInventory": True,
                        "InventoryAssetAccountCode": m.by_role["inventory"].code,
                        "TotalCostPool": q2(it.src_qty * it.cost),
                        "QuantityOnHand": it.src_qty,
                    }
                )
            else:
                obj.update(
                    {
                        "PurchaseDetails": {},
                        "SalesDetails": {"UnitPrice": it.price, "AccountCode": sales.code, "TaxType": "NONE"},
                        "IsTrackedAsInventory": False,
                    }
                )
            obj["UpdatedDateUTC"] = xero_date(self.end, 70_000 + it.index)
            items.write(obj)
        items.close()
        org = JsonArrayWriter(self.dir / "Organisation.json", "Organisations")
        lock = month_end(self.start)
        org.write(
            {
                "OrganisationID": m.org_id,
                "APIKey": "",
                "Name": m.profile.company_name,
                "LegalName": m.profile.company_name,
                "PaysTax": True,
                "Version": "US",
                "OrganisationType": "COMPANY",
                "BaseCurrency": self.base,
                "CountryCode": "US",
                "IsDemoCompany": False,
                "OrganisationStatus": "ACTIVE",
                "RegistrationNumber": "",
                "EmployerIdentificationNumber": "47-1234567",
                "TaxNumber": "47-1234567",
                "FinancialYearEndDay": 31,
                "FinancialYearEndMonth": 12,
                "SalesTaxBasis": "ACCRUAL",
                "SalesTaxPeriod": "MONTHLY",
                "DefaultSalesTax": "Tax Exclusive",
                "DefaultPurchasesTax": "Tax Inclusive",
                "PeriodLockDate": xero_date(lock),
                "EndOfYearLockDate": xero_date(self.start - timedelta(days=1)),
                "CreatedDateUTC": xero_date(self.start - timedelta(days=1_100), 50_000),
                "Timezone": "EASTERNSTANDARDTIME",
                "OrganisationEntityType": "COMPANY",
                "ShortCode": m.short_code,
                "Class": "PREMIUM",
                "Edition": "BUSINESS",
                "LineOfBusiness": "Industrial supplies wholesale",
                "Addresses": [
                    {
                        "AddressType": "STREET",
                        "AddressLine1": "1200 Commerce Drive",
                        "City": "Columbus",
                        "Region": "OH",
                        "PostalCode": "43215",
                        "Country": "United States",
                    }
                ],
                "Phones": [{"PhoneType": "OFFICE", "PhoneNumber": "555-0142", "PhoneAreaCode": "614"}],
                "ExternalLinks": [],
                "PaymentTerms": {
                    "Bills": {"Day": 30, "Type": "DAYSAFTERBILLDATE"},
                    "Sales": {"Day": 30, "Type": "DAYSAFTERBILLDATE"},
                },
            }
        )
        org.close()
        currencies = JsonArrayWriter(self.dir / "Currencies.json", "Currencies")
        for code in [self.base] + sorted(m.profile.foreign):
            currencies.write({"Code": code, "Description": m.profile.currency_names[code]})
        currencies.close()
        self.files.extend([contacts, accounts, items, org, currencies])
        _ = add_months

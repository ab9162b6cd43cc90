"""Writing ``kashflow/<resource>.json``: lists of objects with KashFlow REST v2 field names.

Dates are ``YYYY-MM-DD HH:MM:SS``. Payments live on the documents (``PaymentLines``); several lines sharing
a ``BulkPaymentNumber`` are one bulk payment. Credit notes are invoices with negative amounts; applying
one shows as a ``PaymentLines`` entry with ``IsPaymentCreditNote: true`` on both documents.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from .dates import kashflow_date
from .masterdata import MasterData
from .model import BankTxn, Doc, Journal, Party, Payment
from .money import ZERO, q2
from .writers import JsonArrayWriter

METHODS = {"CHECK": 2, "ACH": 3, "WIRE": 4, "CC": 5}
"""KashFlow payment Method codes used here: 2 cheque, 3 BACS, 4 CHAPS/wire, 5 card."""
_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
_NOM_TYPE = {
    "Bank": 10,
    "CurrentAssets": 20,
    "FixedAssets": 30,
    "CurrentLiabilities": 40,
    "Capital": 50,
    "Sales": 60,
    "CostOfSales": 70,
    "Expenses": 80,
}


class KashFlowWriter:
    name = "kashflow"

    def __init__(self, out: Path, master: MasterData, start: date, end: date, rng: random.Random) -> None:
        self.dir = out / "kashflow"
        self.m = master
        self.start = start
        self.end = end
        self.rng = rng
        self.base = master.profile.base_currency
        self.bank_acct = master.by_role["bank"]
        self.invoices = JsonArrayWriter(self.dir / "invoices.json")
        self.purchases = JsonArrayWriter(self.dir / "purchases.json")
        self.bank_txns = JsonArrayWriter(self.dir / "banktransactions.json")
        self.journals = JsonArrayWriter(self.dir / "journals.json")
        self.files: list[JsonArrayWriter] = []
        self.bank_balance = ZERO

    def currency(self, code: str, rate: Decimal) -> dict[str, Any]:
        return {
            "Code": code,
            "Name": self.m.profile.currency_names[code],
            "ExchangeRate": rate,
            "Symbol": _SYMBOLS.get(code, ""),
        }

    @staticmethod
    def _vat_level(rate: Decimal) -> int:
        return int(rate * 100)

    def _status(self, doc: Doc) -> str:
        if doc.status == "DRAFT":
            return "Draft"
        if doc.amount_due == 0:
            return "Paid"
        return "Overdue" if doc.due < self.end else "Unpaid"

    def _payment_lines(self, doc: Doc, sign: int) -> list[dict[str, Any]]:
        out = []
        for a in doc.allocs:
            if a.payment is not None:
                pay = a.payment
                out.append(
                    {
                        "Id": a.kf_id,
                        "InvoiceNumber": int(doc.number) if doc.kind != "bill" else doc.seq,
                        "Date": kashflow_date(a.date),
                        "Amount": a.amount,
                        "Method": METHODS[pay.method],
                        "Reference": pay.reference,
                        "Note": pay.check_no,
                        "AccountId": self.bank_acct.kf_id,
                        "BulkPaymentNumber": pay.kf_id if pay.form == "batch" else 0,
                        "PaymentProcessor": 0,
                        "VATReturnId": 0,
                        "IsPaymentCreditNote": False,
                        "BankTransactionId": 0,
                    }
                )
            else:
                assert a.credit is not None
                other = a.credit if sign > 0 else a.doc
                out.append(
                    {
                        "Id": a.kf_id,
                        "InvoiceNumber": int(doc.number),
                        "Date": kashflow_date(a.date),
                        "Amount": a.amount * sign,
                        "Method": 0,
                        "Reference": f"Credit note {a.credit.number}",
                        "Note": f"Applied {'from' if sign > 0 else 'to'} {other.number}",
                        "AccountId": 0,
                        "BulkPaymentNumber": 0,
                        "PaymentProcessor": 0,
                        "VATReturnId": 0,
                        "IsPaymentCreditNote": True,
                        "BankTransactionId": 0,
                    }
                )
        return out

    # ---------------------------------------------------------------- documents
    def doc(self, doc: Doc) -> None:
        p = doc.party
        credit = doc.kind == "credit_note"
        sign = -1 if credit else 1
        paid = sum((a.amount for a in doc.allocs if a.payment is not None), ZERO)
        last_pay = max((a.date for a in doc.allocs if a.payment is not None), default=None)
        line_items = []
        for n, ln in enumerate(doc.lines, 1):
            item: dict[str, Any] = {
                "Id": doc.kf_id * 10 + n,
                "Number": n,
                "NominalCode": int(ln.account.code or 0),
                "NominalId": ln.account.kf_id,
                "Description": ln.description,
                "Quantity": ln.quantity * sign,
                "Rate": ln.unit,
                "VATAmount": ln.tax * sign,
                "VATLevel": self._vat_level(ln.tax_rate),
                "VATRate": ln.tax_rate * 100,
                "ProjectNumber": 0,
            }
            if doc.kind == "bill":
                item["NominalName"] = ln.account.name
            else:
                item["ProductCode"] = ln.item.code if ln.item is not None else ""
            line_items.append(item)
        due_amount = ZERO if doc.status == "DRAFT" else doc.amount_due
        if doc.kind == "bill":
            obj = {
                "Id": doc.kf_id,
                "Number": doc.seq,
                "SupplierId": p.kf_id,
                "SupplierCode": p.code,
                "SupplierName": p.name,
                "SupplierReference": doc.vendor_ref,
                "IssuedDate": kashflow_date(doc.date),
                "DueDate": kashflow_date(doc.due),
                "PaidDate": kashflow_date(last_pay) if due_amount == 0 and last_pay else None,
                "Status": self._status(doc),
                "NetAmount": doc.net,
                "VATAmount": doc.tax,
                "GrossAmount": doc.gross,
                "HomeCurrencyGrossAmount": doc.base_gross,
                "TotalPaidAmount": paid,
                "DueAmount": due_amount,
                "Currency": self.currency(doc.currency, doc.rate),
                "LineItems": line_items,
                "PaymentLines": self._payment_lines(doc, 1),
                "OverdueDays": max(0, (self.end - doc.due).days) if due_amount else 0,
                "FileCount": 0,
                "Permalink": f"https://app.kashflow.com/purchases/{doc.kf_id}",
            }
            self.purchases.write(obj)
            self._party_totals(p, doc, paid, due_amount)
            return
        obj = {
            "Id": doc.kf_id,
            "Number": int(doc.number),
            "CustomerId": p.kf_id,
            "CustomerCode": p.code,
            "CustomerName": p.name,
            "CustomerReference": doc.reference,
            "IssuedDate": kashflow_date(doc.date),
            "DueDate": kashflow_date(doc.due),
            "PaidDate": kashflow_date(last_pay) if due_amount == 0 and last_pay and not credit else None,
            "LastPaymentDate": kashflow_date(last_pay),
            "Status": self._status(doc) if not credit else ("Paid" if doc.amount_due == 0 else "Unpaid"),
            "NetAmount": doc.net * sign,
            "VATAmount": doc.tax * sign,
            "GrossAmount": doc.gross * sign,
            "HomeCurrencyGrossAmount": doc.base_gross * sign,
            "TotalPaidAmount": paid,
            "AmountPaid": paid,
            "DueAmount": due_amount * sign,
            "Currency": self.currency(doc.currency, doc.rate),
            "LineItems": line_items,
            "PaymentLines": self._payment_lines(doc, sign),
            "OverdueDays": max(0, (self.end - doc.due).days) if due_amount and not credit else 0,
            "CreatedDate": kashflow_date(doc.date, doc.seconds),
            "Permalink": f"https://app.kashflow.com/invoices/{doc.kf_id}",
            "EmailCount": 0,
            "FileCount": 0,
        }
        self.invoices.write(obj)
        if doc.status != "DRAFT":
            self._party_totals(p, doc, paid, due_amount * sign)

    def _party_totals(self, p: Party, doc: Doc, paid: Decimal, due: Decimal) -> None:
        sign = -1 if doc.kind == "credit_note" else 1
        p.doc_count += 1
        p.src_invoiced_net += doc.net * sign
        p.src_invoiced_tax += doc.tax * sign
        p.src_paid += paid
        p.src_balance += due
        p.first_doc = min(p.first_doc or doc.date, doc.date)
        p.last_doc = max(p.last_doc or doc.date, doc.date)

    def void(self, doc: Doc) -> None:  # KashFlow has no voids; kept for the engine's interface
        return None

    # ---------------------------------------------------------------- money movements
    def payment(self, pay: Payment) -> None:
        if pay.form in ("bank_receipt", "prepayment"):
            prepayment = pay.form == "prepayment"
            nominal = self.m.by_role["ar" if prepayment else "sales_product"]
            self.bank_txns.write(
                {
                    "Id": pay.kf_id,
                    "AccountId": self.bank_acct.kf_id,
                    "Date": kashflow_date(pay.date),
                    "Type": "Receipt",
                    "Amount": pay.amount,
                    "VATAmount": ZERO,
                    "VATRate": ZERO,
                    "NominalCode": int(nominal.code or 0),
                    "NominalId": nominal.kf_id,
                    "Description": "Payment on account" if prepayment else "Customer receipt",
                    "Reference": pay.reference,
                    "CustomerCode": pay.party.code,
                    "SupplierCode": None,
                    "IsAdvancePayment": prepayment,
                    "Currency": self.currency(pay.currency, pay.rate),
                }
            )
            self.bank_balance += pay.base_amount
            return
        sign = 1 if pay.kind == "ar" else -1
        self.bank_balance += pay.base_amount * sign
        p = pay.party
        p.last_payment = max(p.last_payment or pay.date, pay.date)

    def bank(self, txn: BankTxn) -> None:
        acct, amount, desc = txn.lines[0]
        receipt = txn.type == "RECEIVE"
        self.bank_txns.write(
            {
                "Id": txn.kf_id,
                "AccountId": txn.bank.kf_id,
                "Date": kashflow_date(txn.date),
                "Type": "Receipt" if receipt else "Payment",
                "Amount": amount,
                "VATAmount": ZERO,
                "VATRate": ZERO,
                "NominalCode": int(acct.code or 0),
                "NominalId": acct.kf_id,
                "Description": desc,
                "Reference": txn.reference,
                "CustomerCode": None,
                "SupplierCode": txn.party.code if txn.party and txn.party.kind == "vendor" else None,
                "IsAdvancePayment": False,
                "Currency": self.currency(self.base, Decimal("1")),
            }
        )
        self.bank_balance += amount if receipt else -amount

    def journal(self, j: Journal) -> None:
        self.journals.write(
            {
                "Id": j.kf_id,
                "Number": j.number,
                "Date": kashflow_date(j.date),
                "Narrative": j.narration,
                "Lines": [
                    {
                        "NominalCode": int(acct.code or 0),
                        "NominalId": acct.kf_id,
                        "Description": desc,
                        "Debit": amount if amount > 0 else ZERO,
                        "Credit": -amount if amount < 0 else ZERO,
                    }
                    for acct, amount, desc in j.lines
                ],
            }
        )
        if j.lines and j.lines[0][0].role == "bank":
            self.bank_balance += j.lines[0][1]

    # ---------------------------------------------------------------- master data
    def _party(self, p: Party) -> dict[str, Any]:
        address = {
            "Name": p.name,
            "Line1": p.line1,
            "Line2": p.line2,
            "Line3": p.city,
            "Line4": p.region,
            "PostCode": p.postal,
            "CountryName": p.country_name,
            "CountryCode": p.country_code,
        }
        common = {
            "Id": p.kf_id,
            "Code": p.code,
            "Name": p.name,
            "Note": "",
            "CreatedDate": kashflow_date(p.created, p.created_seconds),
            "LastUpdatedDate": kashflow_date(max(p.created, p.last_doc or p.created), p.created_seconds),
            "OutstandingBalance": p.src_balance,
            "TotalPaidAmount": p.src_paid,
            "DefaultNominalCode": int(self.m.by_role[p.default_role].code or 0),
            "VATNumber": p.tax_id,
            "IsRegisteredInEC": p.currency == "EUR",
            "IsArchived": False,
            "Currency": self.currency(p.currency, self.m.rate(p.currency, self.end)),
            "PaymentTerms": {"Days": p.terms_days, "Type": "DaysAfterInvoice"},
            "Contacts": [
                {
                    "FirstName": p.first_name,
                    "LastName": p.last_name,
                    "Email": p.email,
                    "TelephoneNumber": p.phone,
                    "IsPrimary": True,
                }
            ],
            "Email": p.email,
            "TelephoneNumber": p.phone,
            "MobileNumber": "",
            "Website": "",
        }
        if p.kind == "vendor":
            common.update(
                {
                    "FirstPurchaseDate": kashflow_date(p.first_doc),
                    "LastPurchaseDate": kashflow_date(p.last_doc),
                    "Address": address,
                    "DeliveryAddresses": [],
                }
            )
        else:
            common.update(
                {
                    "DisplayName": p.name,
                    "FirstInvoiceDate": kashflow_date(p.first_doc),
                    "LastInvoiceDate": kashflow_date(p.last_doc),
                    "InvoiceCount": p.doc_count,
                    "InvoicedNetAmount": p.src_invoiced_net,
                    "InvoicedVATAmount": p.src_invoiced_tax,
                    "DiscountRate": ZERO,
                    "IsRegisteredOutsideEC": p.country_code not in ("GB", "IE", "FR", "DE", "NL", "IT"),
                    "Addresses": [address],
                    "DeliveryAddresses": [],
                }
            )
        return common

    def finalize(self) -> None:
        for w in (self.invoices, self.purchases, self.bank_txns, self.journals):
            w.close()
            self.files.append(w)
        m = self.m
        customers = JsonArrayWriter(self.dir / "customers.json")
        for p in m.customers:
            customers.write(self._party(p))
        customers.close()
        suppliers = JsonArrayWriter(self.dir / "suppliers.json")
        for p in m.vendors:
            suppliers.write(self._party(p))
        suppliers.close()
        nominals = JsonArrayWriter(self.dir / "nominals.json")
        control = {"ar": "Debtors", "ap": "Creditors", "tax": "VAT", "bank": "Bank", "savings": "Bank"}
        for a in m.accounts:
            if a.code is None:
                continue
            nominals.write(
                {
                    "Id": a.kf_id,
                    "Code": int(a.code),
                    "Name": a.name,
                    "Type": a.source_type,
                    "NomType": _NOM_TYPE.get(a.source_type, 0),
                    "Archived": False,
                    "ControlAccountClassification": control.get(a.role),
                    "AllowDelete": False,
                    "Disallowed": False,
                    "DigitalService": False,
                    "Description": a.name,
                }
            )
        nominals.close()
        products = JsonArrayWriter(self.dir / "products.json")
        for it in m.items:
            sales = m.by_role[it.sales_role]
            products.write(
                {
                    "Id": it.kf_id,
                    "Code": it.code,
                    "Name": it.name,
                    "Description": it.description,
                    "Price": it.price,
                    "WholeSalePrice": q2(it.price * Decimal("0.85")),
                    "PurchasePrice": it.cost,
                    "VATRate": it.vat_rate * 100,
                    "NominalCode": int(sales.code or 0),
                    "NominalId": sales.kf_id,
                    "ManageStockLevel": it.tracked,
                    "QuantityInStock": it.src_qty if it.tracked else ZERO,
                    "StockWarningQuantity": Decimal(20) if it.tracked else ZERO,
                    "Archived": False,
                }
            )
        products.close()
        banks = JsonArrayWriter(self.dir / "bankaccounts.json")
        for role in ("bank", "savings"):
            a = m.by_role[role]
            banks.write(
                {
                    "Id": a.kf_id,
                    "Code": int(a.code or 0),
                    "Name": a.name,
                    "AccountNumber": f"4{a.kf_id:07d}",
                    "SortCode": "20-45-77",
                    "Balance": self.bank_balance if role == "bank" else ZERO,
                    "CurrencyCode": self.base,
                    "IsDefault": role == "bank",
                    "IBAN": f"GB29NWBK2045774{a.kf_id:07d}",
                    "BIC": "NWBKGB2L",
                }
            )
        banks.close()
        self.files.extend([customers, suppliers, nominals, products, banks])
        _ = timedelta

"""Writing the Sage 100 side: AR/AP history and open items, cash receipts, checks, GL detail and history.

Amounts in AR/AP tables are in the document's currency (``CurrencyCode``/``ExchangeRate``: base units per
document unit); GL tables are in the base currency. Credit memos carry negative amounts. Every module
posting is double entry in ``GL_DetailPosting`` (one row per account per document), registers are per
posting day and source journal, each general-journal entry is its own register.
"""

from __future__ import annotations

import functools
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sandbox.sage100.schema import TABLES

from .dates import add_months, month_end, sage_time
from .masterdata import WAREHOUSES, MasterData
from .model import Account, Party, SageDoc, SageJournal, SageReceipt
from .money import ONE, ZERO, fmt, q2, to_base
from .writers import SageTableWriter

_JOURNAL_OFFSET = {"AR": 100_000, "SO": 200_000, "CR": 300_000, "AP": 400_000, "CK": 500_000}
_GJ_START = 600_000


_AUDIT_NAMES = (
    "DateCreated",
    "TimeCreated",
    "UserCreatedKey",
    "DateUpdated",
    "TimeUpdated",
    "UserUpdatedKey",
)


@functools.lru_cache(maxsize=65_536)
def _audit(d: date, seconds: int, user: str, updated: date) -> tuple[str, ...]:
    """The six audit columns: created at ``d`` + ``seconds``; updated half an hour later on ``updated``."""
    later = seconds if updated == d else min(seconds + 1_800, 86_000)
    return (d.isoformat(), sage_time(seconds), user, updated.isoformat(), sage_time(later), user)


def _date(d: date | None) -> str:
    return d.isoformat() if d is not None else ""


class SageWriter:
    def __init__(
        self, out: Path, master: MasterData, start: date, end: date, rng: random.Random, check: bool = True
    ) -> None:
        self.dir = out / "sage100"
        self.m = master
        self.start = start
        self.end = end
        self.rng = rng
        self.base = master.profile.base_currency
        self.w = {name: SageTableWriter(self.dir, name, check=check) for name in TABLES}
        self.gl_writer = self.w["GL_DetailPosting"]
        assert self.gl_writer.table.column_names[:13] == [
            "AccountKey",
            "PostingDate",
            "SourceJournal",
            "JournalRegisterNo",
            "SequenceNo",
            "PostingComment",
            "DebitAmount",
            "CreditAmount",
            "SourceModule",
            "DocumentNo",
            "DocumentType",
            "BatchNo",
            "CurrencyCode",
        ]
        self.gl_totals: dict[tuple[str, int, int], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        self.reg_seq: dict[tuple[str, str], int] = defaultdict(int)
        self.tph_seq: dict[date, int] = defaultdict(int)
        self.gj_no = _GJ_START
        self.ar_balance: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
        self.ap_balance: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
        self.last_payment: dict[tuple[str, str, str], date] = {}
        self.acct = master.by_role

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def audit(d: date, seconds: int, user: str, updated: date | None = None) -> dict[str, str]:
        return dict(zip(_AUDIT_NAMES, _audit(d, seconds, user, updated or d), strict=True))

    def day_index(self, d: date) -> int:
        return (d - self.start).days + 1

    def register(self, journal: str, d: date) -> str:
        return f"{_JOURNAL_OFFSET[journal] + self.day_index(d):06d}"

    def gl(
        self,
        acct: Account,
        d: date,
        journal: str,
        reg: str,
        amount: Decimal,
        comment: str,
        module: str,
        doc_no: str,
        doc_type: str,
        batch: str,
        user: str,
        seconds: int,
    ) -> None:
        """One GL_DetailPosting row; ``amount`` > 0 debits, < 0 credits, 0 writes nothing."""
        if amount == 0:
            return
        key = (journal, reg)
        seq = self.reg_seq[key] + 1
        self.reg_seq[key] = seq
        debit, credit = (amount, ZERO) if amount > 0 else (ZERO, -amount)
        self.gl_writer.write_row(
            [
                acct.sage_key,
                d.isoformat(),
                journal,
                reg,
                f"{seq:06d}",
                comment[:30],
                fmt(debit),
                fmt(credit),
                module,
                doc_no[:10],
                doc_type,
                batch,
                self.base,
                *_audit(d, seconds, user, d),
            ]
        )
        totals = self.gl_totals[(acct.sage_key, d.year, d.month)]
        totals[0] += debit
        totals[1] += credit

    def post(
        self,
        entries: list[tuple[Account, Decimal]],
        d: date,
        journal: str,
        reg: str,
        comment: str,
        module: str,
        doc_no: str,
        doc_type: str,
        batch: str,
        user: str,
        seconds: int,
    ) -> None:
        """Aggregate signed amounts per account (first-seen order) and post them."""
        agg: dict[str, list] = {}
        for acct, amount in entries:
            if acct.sage_key in agg:
                agg[acct.sage_key][1] += amount
            else:
                agg[acct.sage_key] = [acct, amount]
        for acct, amount in agg.values():
            self.gl(acct, d, journal, reg, amount, comment, module, doc_no, doc_type, batch, user, seconds)

    # ---------------------------------------------------------------- documents
    def doc(self, sd: SageDoc) -> None:
        if sd.module == "AR":
            self._ar_doc(sd)
        else:
            self._ap_doc(sd)

    def _ar_doc(self, sd: SageDoc) -> None:
        journal = "SO" if sd.sales_order_no else "AR"
        reg = self.register(journal, sd.posting_date)
        audit = self.audit(sd.posting_date, sd.seconds, sd.user)
        header = {
            "InvoiceNo": sd.invoice_no,
            "HeaderSeqNo": sd.header_seq,
            "ARDivisionNo": sd.division,
            "CustomerNo": sd.party_no,
            "ModuleCode": "S/O" if sd.sales_order_no else "A/R",
            "InvoiceType": sd.invoice_type,
            "InvoiceDate": _date(sd.invoice_date),
            "TransactionDate": _date(sd.posting_date),
            "SourceJournal": journal,
            "JournalNoGLBatchNo": reg,
            "SalesOrderNo": sd.sales_order_no,
            "CustomerPONo": sd.customer_po,
            "TaxableSalesAmt": fmt(sd.taxable),
            "NonTaxableSalesAmt": fmt(sd.nontaxable),
            "FreightAmt": fmt(sd.freight),
            "SalesTaxAmt": fmt(sd.tax),
            "Comment": sd.comment,
            "CurrencyCode": sd.currency,
            "ExchangeRate": fmt(sd.exchange_rate, 8),
        }
        header.update(audit)
        self.w["AR_InvoiceHistoryHeader"].write_dict(header)
        detail = self.w["AR_InvoiceHistoryDetail"]
        for i, ln in enumerate(sd.lines, 1):
            row = {
                "InvoiceNo": sd.invoice_no,
                "HeaderSeqNo": sd.header_seq,
                "DetailSeqNo": f"{i:06d}",
                "ItemCode": ln.item_code,
                "ItemType": ln.item_type,
                "ItemCodeDesc": ln.description,
                "SalesAcctKey": ln.account.sage_key,
                "WarehouseCode": ln.warehouse,
                "QuantityShipped": fmt(ln.quantity, 6),
                "UnitPrice": fmt(ln.price, 6),
                "ExtensionAmt": fmt(ln.amount),
                "TaxClass": ln.tax_class,
            }
            row.update(audit)
            detail.write_dict(row)
        balance = sd.balance
        if balance != 0:
            row = {
                "ARDivisionNo": sd.division,
                "CustomerNo": sd.party_no,
                "InvoiceNo": sd.invoice_no,
                "InvoiceType": sd.invoice_type,
                "InvoiceDate": _date(sd.invoice_date),
                "InvoiceDueDate": _date(sd.due_date),
                "InvoiceDiscountDate": "",
                "InvoiceHistoryHeaderSeqNo": sd.header_seq,
                "PostingDate": _date(sd.posting_date),
                "CheckNo": "",
                "TaxableAmt": fmt(sd.taxable),
                "NonTaxableAmt": fmt(sd.nontaxable),
                "SalesTaxAmt": fmt(sd.tax),
                "FreightAmt": fmt(sd.freight),
                "DiscountAmt": fmt(ZERO),
                "Balance": fmt(balance),
                "CurrencyCode": sd.currency,
                "ExchangeRate": fmt(sd.exchange_rate, 8),
            }
            row.update(audit)
            self.w["AR_OpenInvoice"].write_dict(row)
            self.ar_balance[(sd.division, sd.party_no)] += balance
        # GL: sales journal
        entries: list[tuple[Account, Decimal]] = [(self.acct["ar"], sd.base_gross)]
        cogs = ZERO
        for ln in sd.lines:
            entries.append((ln.account, -ln.base_amount))
            if ln.tracked:
                cogs += q2(ln.unit_cost * ln.quantity)
        entries.append((self.acct["tax"], -sd.base_tax))
        entries.append((self.acct["other_income"], -sd.base_freight))
        entries.append((self.acct["cogs"], cogs))
        entries.append((self.acct["inventory"], -cogs))
        comment = f"{sd.invoice_no} {sd.party.sage_name}"
        self.post(
            entries,
            sd.posting_date,
            journal,
            reg,
            comment,
            "AR",
            sd.invoice_no,
            sd.invoice_type,
            f"{self.day_index(sd.posting_date):05d}",
            sd.user,
            sd.seconds,
        )
        # credit memo applications (no GL: AR to AR)
        if sd.invoice_type == "CM":
            for target, amount, _discount, when in sd.apps:
                if isinstance(target, SageDoc):
                    self._cm_application(sd, target, -amount, when)

    def _cm_application(self, cm: SageDoc, inv: SageDoc, amount: Decimal, when: date) -> None:
        relief = to_base(amount, inv.rate)
        inv.relieved_base += relief
        inv.paid += amount
        for invoice_no, invoice_type, ref, amt in (
            (inv.invoice_no, "IN", cm.invoice_no, amount),
            (cm.invoice_no, "CM", inv.invoice_no, -amount),
        ):
            self.tph_seq[when] += 1
            row = {
                "ARDivisionNo": inv.division,
                "CustomerNo": inv.party_no,
                "InvoiceNo": invoice_no,
                "InvoiceType": invoice_type,
                "TransactionDate": when.isoformat(),
                "SequenceNo": f"{self.tph_seq[when]:06d}",
                "InvoiceHistoryHeaderSeqNo": "000000",
                "PaymentReference": ref,
                "CheckNo": "",
                "TransactionType": "C",
                "PaymentDate": when.isoformat(),
                "PaymentType": "",
                "TransactionAmt": fmt(amt),
            }
            row.update(self.audit(when, cm.seconds + 60, cm.user))
            self.w["AR_TransactionPaymentHistory"].write_dict(row)

    def _ap_doc(self, sd: SageDoc) -> None:
        reg = self.register("AP", sd.posting_date)
        audit = self.audit(sd.posting_date, sd.seconds, sd.user)
        expense = sd.lines[0].account.sage_key if sd.lines else ""
        header = {
            "APDivisionNo": sd.division,
            "VendorNo": sd.party_no,
            "InvoiceNo": sd.invoice_no,
            "HeaderSeqNo": sd.header_seq,
            "InvoiceDate": _date(sd.invoice_date),
            "PostingDate": _date(sd.posting_date),
            "PurchaseOrderNo": "",
            "TermsCode": sd.terms_code,
            "TaxableAmt": fmt(sd.taxable),
            "NonTaxableAmt": fmt(sd.nontaxable),
            "FreightAmt": fmt(sd.freight),
            "SalesTaxAmt": fmt(sd.tax),
            "InvoiceAmt": fmt(sd.gross),
            "ExpenseAcctKey": expense,
            "Comment": sd.comment,
            "CurrencyCode": sd.currency,
            "ExchangeRate": fmt(sd.exchange_rate, 8),
        }
        header.update(audit)
        self.w["AP_InvoiceHistoryHeader"].write_dict(header)
        balance = sd.balance
        if balance != 0:
            last = next((rc for rc, *_ in reversed(sd.apps) if isinstance(rc, SageReceipt)), None)
            row = {
                "APDivisionNo": sd.division,
                "VendorNo": sd.party_no,
                "InvoiceNo": sd.invoice_no,
                "InvoiceDate": _date(sd.invoice_date),
                "InvoiceDueDate": _date(sd.due_date),
                "InvoiceAmt": fmt(sd.gross),
                "Balance": fmt(balance),
                "CheckNo": last.check_no if last else "",
                "CheckType": ("C" if last.payment_type == "CHECK" else "E") if last else "",
                "CheckDate": _date(last.date) if last else "",
                "Comment": sd.comment,
                "CurrencyCode": sd.currency,
                "ExchangeRate": fmt(sd.exchange_rate, 8),
            }
            row.update(audit)
            self.w["AP_OpenInvoice"].write_dict(row)
            self.ap_balance[(sd.division, sd.party_no)] += balance
        entries: list[tuple[Account, Decimal]] = [(ln.account, ln.base_amount) for ln in sd.lines]
        entries.append((self.acct["tax"], sd.base_tax))
        entries.append((self.acct["freight"], sd.base_freight))
        entries.append((self.acct["ap"], -sd.base_gross))
        self.post(
            entries,
            sd.posting_date,
            "AP",
            reg,
            f"{sd.invoice_no} {sd.party.sage_name}",
            "AP",
            sd.invoice_no,
            "IN",
            f"{self.day_index(sd.posting_date):05d}",
            sd.user,
            sd.seconds,
        )

    # ---------------------------------------------------------------- receipts and checks
    @staticmethod
    def _relief(sd: SageDoc, amount: Decimal, rc: SageReceipt) -> tuple[Decimal, Decimal]:
        """(base relieved, balance after) for applying ``amount``; closing a document relieves the rest."""
        position = next(i for i, entry in enumerate(sd.apps) if entry[0] is rc)
        applied = sum((e[1] + e[2] for e in sd.apps[: position + 1]), ZERO)
        relief = sd.base_gross - sd.relieved_base if applied == sd.gross else to_base(amount, sd.rate)
        sd.relieved_base += relief
        sd.paid += amount
        return relief, sd.gross - applied

    def deposit_no(self, rc: SageReceipt) -> tuple[str, str]:
        """(DepositNo, DepositType): one check/ACH deposit and one card deposit per bank day."""
        if rc.payment_type == "CC":
            return f"{50_000 + self.day_index(rc.date):05d}", "R"
        return f"{self.day_index(rc.date):05d}", "C"

    def receipt(self, rc: SageReceipt) -> None:
        if rc.module == "AR":
            self._ar_receipt(rc)
        else:
            self._ap_check(rc)

    def _ar_receipt(self, rc: SageReceipt) -> None:
        deposit, dtype = self.deposit_no(rc)
        rc.ref = f"{deposit}/{rc.division}-{rc.party_no}/{rc.check_no}"
        reg = self.register("CR", rc.date)
        audit = self.audit(rc.date, rc.seconds, rc.user)
        cash_acct = self.acct["bank"]
        card_entry = f"{1:06d}" if dtype == "R" else "000000"
        entries: list[tuple[Account, Decimal]] = []
        relief_total = ZERO
        discount_base = ZERO
        seq = 0
        for app in rc.apps:
            seq += 1
            if app.doc is not None:
                relief, balance_after = self._relief(app.doc, app.amount + app.discount, rc)
            else:
                relief = to_base(app.amount, rc.rate)
                balance_after = -app.amount
            relief_total += relief
            discount_base += to_base(app.discount, rc.rate)
            row = {
                "BankCode": "A",
                "DepositDate": rc.date.isoformat(),
                "DepositNo": deposit,
                "DepositType": dtype,
                "ARDivisionNo": rc.division,
                "CustomerNo": rc.party_no,
                "CreditCardEntryNo": card_entry,
                "CheckNo": rc.check_no,
                "SequenceNo": f"{seq:06d}",
                "PostingDate": rc.date.isoformat(),
                "TransactionType": "PY",
                "InvoiceNo": app.invoice_no,
                "InvoiceType": app.invoice_type,
                "AccountKey": cash_acct.sage_key,
                "BatchNo": deposit,
                "PaymentType": rc.payment_type,
                "CashAmountApplied": fmt(app.amount),
                "DiscountAmountApplied": fmt(app.discount),
                "InvoiceBalance": fmt(balance_after),
            }
            row.update(audit)
            self.w["AR_CashReceiptsHistory"].write_dict(row)
            self._tph(rc, app.invoice_no, app.invoice_type, app.amount, "P")
            if app.discount:
                self._tph(rc, app.invoice_no, app.invoice_type, app.discount, "D")
        if rc.unapplied:
            seq += 1
            relief = to_base(rc.unapplied, rc.rate)
            relief_total += relief
            row = {
                "BankCode": "A",
                "DepositDate": rc.date.isoformat(),
                "DepositNo": deposit,
                "DepositType": dtype,
                "ARDivisionNo": rc.division,
                "CustomerNo": rc.party_no,
                "CreditCardEntryNo": card_entry,
                "CheckNo": rc.check_no,
                "SequenceNo": f"{seq:06d}",
                "PostingDate": rc.date.isoformat(),
                "TransactionType": "PP",
                "InvoiceNo": rc.pp_no,
                "InvoiceType": "PP",
                "AccountKey": cash_acct.sage_key,
                "BatchNo": deposit,
                "PaymentType": rc.payment_type,
                "CashAmountApplied": fmt(rc.unapplied),
                "DiscountAmountApplied": fmt(ZERO),
                "InvoiceBalance": fmt(-rc.unapplied),
            }
            row.update(audit)
            self.w["AR_CashReceiptsHistory"].write_dict(row)
            open_row = {
                "ARDivisionNo": rc.division,
                "CustomerNo": rc.party_no,
                "InvoiceNo": rc.pp_no,
                "InvoiceType": "PP",
                "InvoiceDate": rc.date.isoformat(),
                "InvoiceDueDate": rc.date.isoformat(),
                "InvoiceDiscountDate": "",
                "InvoiceHistoryHeaderSeqNo": "",
                "PostingDate": rc.date.isoformat(),
                "CheckNo": rc.check_no,
                "TaxableAmt": fmt(ZERO),
                "NonTaxableAmt": fmt(ZERO),
                "SalesTaxAmt": fmt(ZERO),
                "FreightAmt": fmt(ZERO),
                "DiscountAmt": fmt(ZERO),
                "Balance": fmt(-rc.unapplied),
                "CurrencyCode": rc.currency,
                "ExchangeRate": fmt(ONE / rc.rate, 8),
            }
            open_row.update(audit)
            self.w["AR_OpenInvoice"].write_dict(open_row)
            self.ar_balance[(rc.division, rc.party_no)] -= rc.unapplied
        cash_base = to_base(rc.total, rc.rate)
        entries.append((cash_acct, cash_base))
        entries.append((self.acct["discounts"], discount_base))
        entries.append((self.acct["ar"], -relief_total))
        entries.append((self.acct["fx"], relief_total - cash_base - discount_base))
        self.post(
            entries,
            rc.date,
            "CR",
            reg,
            f"CHK {rc.check_no} {rc.party.sage_name}",
            "AR",
            rc.check_no,
            "CR",
            deposit,
            rc.user,
            rc.seconds,
        )
        key = ("AR", rc.division, rc.party_no)
        if key not in self.last_payment or self.last_payment[key] < rc.date:
            self.last_payment[key] = rc.date

    def _tph(self, rc: SageReceipt, invoice_no: str, invoice_type: str, amount: Decimal, ttype: str) -> None:
        self.tph_seq[rc.date] += 1
        row = {
            "ARDivisionNo": rc.division,
            "CustomerNo": rc.party_no,
            "InvoiceNo": invoice_no,
            "InvoiceType": invoice_type,
            "TransactionDate": rc.date.isoformat(),
            "SequenceNo": f"{self.tph_seq[rc.date]:06d}",
            "InvoiceHistoryHeaderSeqNo": "000000",
            "PaymentReference": rc.check_no[:14],
            "CheckNo": rc.check_no,
            "TransactionType": ttype,
            "PaymentDate": rc.date.isoformat(),
            "PaymentType": rc.payment_type,
            "TransactionAmt": fmt(amount),
        }
        row.update(self.audit(rc.date, rc.seconds, rc.user))
        self.w["AR_TransactionPaymentHistory"].write_dict(row)

    def _ap_check(self, rc: SageReceipt) -> None:
        rc.ref = f"A/{rc.check_no}"
        reg = self.register("CK", rc.date)
        audit = self.audit(rc.date, rc.seconds, rc.user)
        cleared = rc.date <= self.end - timedelta(days=7)
        header = {
            "BankCode": "A",
            "CheckNo": rc.check_no,
            "CheckSeqNo": "000000",
            "CheckType": "C" if rc.payment_type == "CHECK" else "E",
            "CheckDate": rc.date.isoformat(),
            "TransactionDate": rc.date.isoformat(),
            "APDivisionNo": rc.division,
            "VendorNo": rc.party_no,
            "VendorName": rc.party.sage_name,
            "CheckAmt": fmt(rc.total),
            "SourceJournal": "CK",
            "SourceJournalBatchNo": reg,
            "ClearedBank": "Y" if cleared else "N",
            "ClearedDate": (rc.date + timedelta(days=4)).isoformat() if cleared else "",
        }
        header.update(audit)
        self.w["AP_CheckHistoryHeader"].write_dict(header)
        relief_total = ZERO
        for app in rc.apps:
            if app.doc is not None:
                relief_total += self._relief(app.doc, app.amount, rc)[0]
            else:
                relief_total += to_base(app.amount, rc.rate)
            row = {
                "BankCode": "A",
                "CheckNo": rc.check_no,
                "CheckSeqNo": "000000",
                "InvoiceNo": app.invoice_no,
                "InvoiceSeqNo": "000000",
                "InvoiceDate": _date(app.doc.invoice_date) if app.doc else "",
                "APDivisionNo": rc.division,
                "VendorNo": rc.party_no,
                "AmountPaid": fmt(app.amount),
            }
            row.update(audit)
            self.w["AP_CheckHistoryDetail"].write_dict(row)
        cash_base = to_base(rc.total, rc.rate)
        entries = [
            (self.acct["ap"], relief_total),
            (self.acct["bank"], -cash_base),
            (self.acct["fx"], cash_base - relief_total),
        ]
        self.post(
            entries,
            rc.date,
            "CK",
            reg,
            f"CHK {rc.check_no} {rc.party.sage_name}",
            "AP",
            rc.check_no,
            "CK",
            f"{self.day_index(rc.date):05d}",
            rc.user,
            rc.seconds,
        )
        key = ("AP", rc.division, rc.party_no)
        if key not in self.last_payment or self.last_payment[key] < rc.date:
            self.last_payment[key] = rc.date

    # ---------------------------------------------------------------- general journal
    def journal(self, sj: SageJournal) -> None:
        self.gj_no += 1
        sj.register_no = f"{self.gj_no:06d}"
        for acct, debit, credit, comment in sj.lines:
            self.gl(
                acct,
                sj.date,
                "GJ",
                sj.register_no,
                debit - credit,
                comment or sj.comment,
                "GL",
                sj.register_no,
                "GJ",
                "",
                sj.user,
                sj.seconds,
            )

    # ---------------------------------------------------------------- master data and history
    def finalize(self, so_seq: int) -> None:
        first = self.start - timedelta(days=900)
        a = self.acct
        self.w["AR_Division"].write_dict(
            {
                "ARDivisionNo": "01",
                "ARDivisionDesc": "Domestic",
                "AccountsReceivableAcctKey": a["ar"].sage_key,
                "CashAcctKey": a["bank"].sage_key,
                "DiscountsAllowedAcctKey": a["discounts"].sage_key,
                "FreightAcctKey": a["other_income"].sage_key,
                "SalesTaxAcctKey": a["tax"].sage_key,
                **self.audit(first, 36_000, "0000000001"),
            }
        )
        self.w["AR_Division"].write_dict(
            {
                "ARDivisionNo": "02",
                "ARDivisionDesc": "International",
                "AccountsReceivableAcctKey": a["ar"].sage_key,
                "CashAcctKey": a["bank"].sage_key,
                "DiscountsAllowedAcctKey": a["discounts"].sage_key,
                "FreightAcctKey": a["other_income"].sage_key,
                "SalesTaxAcctKey": a["tax"].sage_key,
                **self.audit(first, 36_100, "0000000001"),
            }
        )
        self.w["AP_Division"].write_dict(
            {
                "APDivisionNo": "00",
                "APDivisionDesc": "Accounts Payable",
                "AccountsPayableAcctKey": a["ap"].sage_key,
                **self.audit(first, 36_200, "0000000001"),
            }
        )
        self._parties()
        self._gl_accounts(first)
        self._fiscal()
        self._items(so_seq)
        for writer in self.w.values():
            writer.close()

    def _party_rows(self, p: Party, no: str, name: str) -> None:
        vendor = p.kind == "vendor"
        key = ("AP" if vendor else "AR", p.sage_div, no)
        last = self.last_payment.get(key)
        updated = max(p.created, last) if last else p.created
        audit = self.audit(
            p.created, p.created_seconds, "0000000002" if no != p.code else "0000000007", updated
        )
        if vendor:
            self.w["AP_Vendor"].write_dict(
                {
                    "APDivisionNo": p.sage_div,
                    "VendorNo": no,
                    "VendorName": name[:30],
                    "AddressLine1": p.sage_line1[:30],
                    "AddressLine2": p.line2[:30],
                    "AddressLine3": "",
                    "City": p.city[:20],
                    "State": p.region[:2],
                    "ZipCode": p.sage_postal[:10],
                    "CountryCode": p.country_code[:3],
                    "EmailAddress": p.sage_email,
                    "TelephoneNo": p.sage_phone,
                    "TaxpayerIDSSNo": p.sage_tax_id,
                    "TermsCode": self._terms(p),
                    "VendorStatus": "A",
                    "HoldPayment": "N",
                    "AccountKey": self.acct[p.default_role].sage_key,
                    "LastPaymentDate": _date(last),
                    "CurrencyCode": p.currency,
                    **audit,
                }
            )
        else:
            self.w["AR_Customer"].write_dict(
                {
                    "ARDivisionNo": p.sage_div,
                    "CustomerNo": no,
                    "CustomerName": name[:50],
                    "AddressLine1": p.sage_line1[:40],
                    "AddressLine2": p.line2[:40],
                    "AddressLine3": "",
                    "City": p.city[:20],
                    "State": p.region[:2] if p.country_code == "US" else "",
                    "ZipCode": p.sage_postal[:10],
                    "CountryCode": p.country_code[:3],
                    "EmailAddress": p.sage_email,
                    "TelephoneNo": p.sage_phone,
                    "TermsCode": self._terms(p),
                    "CustomerType": "WHSL" if p.index % 3 else "RETL",
                    "CreditHold": "N",
                    "CreditLimit": fmt(Decimal(25_000 if p.index % 4 else 100_000)),
                    "CurrentBalance": fmt(self.ar_balance.get((p.sage_div, no), ZERO)),
                    "DateLastPayment": _date(last),
                    "CustomerStatus": "A",
                    "TaxExemptNo": f"RS-{p.index + 1000:06d}"
                    if p.tax_rate == 0 and p.country_code == "US"
                    else "",
                    "CurrencyCode": p.currency,
                    **audit,
                }
            )

    @staticmethod
    def _terms(p: Party) -> str:
        return {15: "02", 30: "01", 45: "03", 60: "04"}.get(p.terms_days, "01")

    def _parties(self) -> None:
        for p in self.m.customers + self.m.vendors:
            if p.dup_of is not None:
                continue
            self._party_rows(p, p.sage_no, p.sage_name)
            if p.sage_dup_no:
                self._party_rows(p, p.sage_dup_no, p.sage_dup_name or p.sage_name)

    def _gl_accounts(self, first: date) -> None:
        seen: set[str] = set()
        for acct in sorted(self.m.accounts, key=lambda x: x.sage_account):
            if acct.sage_account in seen:
                continue
            seen.add(acct.sage_account)
            main = acct.sage_account.split("-")[0]
            self.w["GL_Account"].write_dict(
                {
                    "AccountKey": acct.sage_key,
                    "Account": acct.sage_account,
                    "AccountDesc": acct.sage_desc,
                    "RawAccount": acct.sage_account.replace("-", ""),
                    "MainAccountCode": main,
                    "Status": "A",
                    "AccountType": acct.sage_type,
                    "AccountGroup": main[0] + "000",
                    "AccountCategory": "BS" if acct.sage_type in ("AS", "LI", "EQ") else "IS",
                    **self.audit(first, 30_000, "0000000001"),
                }
            )

    def _fiscal(self) -> None:
        months = []
        d = self.start.replace(day=1)
        while d <= self.end:
            months.append(d)
            d = add_months(d, 1)
        closed_count = len(months) // 3
        for year in sorted({mo.year for mo in months}):
            self.w["GL_FiscalYear"].write_dict(
                {
                    "FiscalYear": str(year),
                    "NumberOfPeriods": "12",
                    "BeginningDate": date(year, 1, 1).isoformat(),
                    "EndingDate": date(year, 12, 31).isoformat(),
                    "YearClosed": "N",
                    **self.audit(date(year - 1, 12, 1), 40_000, "0000000001"),
                }
            )
            for period in range(1, 13):
                p_start = date(year, period, 1)
                self.w["GL_FiscalYearDetail"].write_dict(
                    {
                        "FiscalYear": str(year),
                        "FiscalPeriod": f"{period:02d}",
                        "PeriodStartingDate": p_start.isoformat(),
                        "PeriodEndingDate": month_end(p_start).isoformat(),
                        "PeriodClosed": "Y" if p_start in months[:closed_count] else "N",
                        **self.audit(date(year - 1, 12, 1), 40_000 + period, "0000000001"),
                    }
                )
        keys = sorted({k[0] for k in self.gl_totals})
        for acct_key in keys:
            running: dict[int, Decimal] = defaultdict(lambda: ZERO)
            for mo in months:
                debit, credit = self.gl_totals.get((acct_key, mo.year, mo.month), (ZERO, ZERO))
                self.w["GL_PeriodPostingHistory"].write_dict(
                    {
                        "AccountKey": acct_key,
                        "FiscalYear": str(mo.year),
                        "FiscalPeriod": f"{mo.month:02d}",
                        "BeginningBalance": fmt(running[mo.year]),
                        "DebitAmount": fmt(debit),
                        "CreditAmount": fmt(credit),
                        **self.audit(month_end(mo), 79_000, "0000000001"),
                    }
                )
                running[mo.year] += debit - credit

    def _items(self, so_seq: int) -> None:
        rng = self.rng
        m = self.m
        tracked = [i for i in m.items if i.tracked]
        customers = [c for c in m.customers if c.dup_of is None and c.currency == self.base]
        count = max(8, len(m.customers) // 4)
        for k in range(count):
            so_seq += 1
            so_no = f"{so_seq:07d}"
            cust = customers[rng.randrange(len(customers))]
            order_date = self.end - timedelta(days=rng.randint(0, 20))
            wh = "000"
            lines = []
            for _ in range(rng.randint(1, 4)):
                item = tracked[rng.randrange(len(tracked))]
                qty = Decimal(rng.choice((1, 2, 5, 10, 20, 50)))
                lines.append((item, qty))
                item.wh_on_so["000"] = item.wh_on_so.get("000", ZERO) + qty
            taxable = sum((q2(i.sage_price * q) for i, q in lines), ZERO)
            audit = self.audit(order_date, 30_000 + k, "0000000003")
            self.w["SO_SalesOrderHeader"].write_dict(
                {
                    "SalesOrderNo": so_no,
                    "OrderDate": order_date.isoformat(),
                    "OrderType": "S",
                    "OrderStatus": rng.choice(("O", "N")),
                    "ARDivisionNo": cust.sage_div,
                    "CustomerNo": cust.sage_no,
                    "CustomerPONo": f"PO-{rng.randint(10_000, 99_999)}",
                    "WarehouseCode": wh,
                    "TaxableAmt": fmt(taxable),
                    "NonTaxableAmt": fmt(ZERO),
                    "SalesTaxAmt": fmt(q2(taxable * cust.tax_rate)),
                    "FreightAmt": fmt(ZERO),
                    "Comment": "",
                    **audit,
                }
            )
            for n, (item, qty) in enumerate(lines, 1):
                self.w["SO_SalesOrderDetail"].write_dict(
                    {
                        "SalesOrderNo": so_no,
                        "LineKey": f"{n:06d}",
                        "LineSeqNo": f"{n:014d}",
                        "ItemCode": item.sage_code,
                        "WarehouseCode": wh,
                        "QuantityOrdered": fmt(qty, 6),
                        "QuantityShipped": fmt(ZERO, 6),
                        "UnitPrice": fmt(item.sage_price, 6),
                        "ExtensionAmt": fmt(q2(item.sage_price * qty)),
                        **audit,
                    }
                )
        first = self.start - timedelta(days=700)
        misc = [("/MISC", "MISCELLANEOUS CHARGE", "other_income")]
        for code, desc, role in misc:
            self.w["CI_Item"].write_dict(
                {
                    "ItemCode": code,
                    "ItemType": "3",
                    "ItemCodeDesc": desc,
                    "ProductLine": "MISC",
                    "Valuation": "",
                    "SalesAcctKey": self.acct[role].sage_key,
                    "InventoryAcctKey": "",
                    "StandardUnitCost": fmt(ZERO, 6),
                    "StandardUnitPrice": fmt(ZERO, 6),
                    "TotalQuantityOnHand": fmt(ZERO, 6),
                    "InactiveItem": "N",
                    **self.audit(first, 30_000, "0000000001"),
                }
            )
        names = dict(WAREHOUSES)
        for item in m.items:
            total = sum(item.wh_qty.values(), ZERO)
            self.w["CI_Item"].write_dict(
                {
                    "ItemCode": item.sage_code,
                    "ItemType": item.sage_type,
                    "ItemCodeDesc": item.sage_desc,
                    "ProductLine": item.product_line,
                    "Valuation": "2" if item.tracked else "",
                    "SalesAcctKey": self.acct[item.sales_role].sage_key,
                    "InventoryAcctKey": self.acct["inventory"].sage_key if item.tracked else "",
                    "StandardUnitCost": fmt(item.cost, 6),
                    "StandardUnitPrice": fmt(item.sage_price, 6),
                    "TotalQuantityOnHand": fmt(total, 6),
                    "InactiveItem": "N",
                    **self.audit(first, 30_000 + item.index, "0000000001", self.end),
                }
            )
            for wh in item.warehouses if item.tracked else ():
                qty = item.wh_qty[wh]
                assert wh in names
                self.w["IM_ItemWarehouse"].write_dict(
                    {
                        "ItemCode": item.sage_code,
                        "WarehouseCode": wh,
                        "QuantityOnHand": fmt(qty, 6),
                        "QuantityOnSalesOrder": fmt(item.wh_on_so.get(wh, ZERO), 6),
                        "QuantityOnPurchaseOrder": fmt(Decimal(rng.choice((0, 0, 0, 24, 48, 100))), 6),
                        "QuantityOnBackOrder": fmt(ZERO, 6),
                        "AverageCost": fmt(item.cost, 6),
                        "TotalWarehouseValue": fmt(q2(qty * item.cost)),
                        **self.audit(first, 30_000 + item.index, "0000000001", self.end),
                    }
                )

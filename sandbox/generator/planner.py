"""Planning documents and payments, and what the integration posted for them in Sage 100.

The planner works in *clusters*: one customer's invoice(s) with every payment, credit note and Sage 100
posting that will ever touch them inside the period, decided at once. That lets every record be written
the moment its date comes (the engine keeps only pending clusters in memory) and keeps injections free
of side effects on unrelated records. Consequences of an injection on the same cluster (a Sage open
balance left by a missing Sage receipt, say) are part of that injection, never a second one.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

from . import noise
from .config import GeneratorConfig
from .dates import add_months, month_end
from .habits import HABITS
from .injections import Injector
from .masterdata import MasterData
from .model import (
    Account,
    Alloc,
    BankTxn,
    Doc,
    Journal,
    Line,
    Party,
    Payment,
    SageApp,
    SageDoc,
    SageJournal,
    SageLine,
    SageReceipt,
)
from .money import ONE, ZERO, cents, q2, qn, to_base
from .rng import Streams, Weighted, uuid4

INTEGRATION_USER = "0000000007"
"""UserCreatedKey of the integration's Sage 100 user; people keying directly are 0000000002/3."""
MANUAL_USERS = ("0000000002", "0000000003")

Event = tuple[date, str, object]

_FREE_LINES = [
    ("Freight charge", "other_income"),
    ("Rush handling fee", "other_income"),
    ("Custom fabrication per quote", "sales_service"),
    ("Restocking fee", "other_income"),
    ("Project labor - see timesheet", "sales_service"),
    ("Equipment rental (weekly)", "other_income"),
]
# What ordinary sales lines are drawn with: tracked items (goods) and untracked items (services, hours).
_TRACKED_QTY = (1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 24, 25, 30, 40, 50, 100)
_SERVICE_QTY = ("1", "1", "1.5", "2", "2.5", "3", "4", "6", "8", "12", "16", "24")
OUTLIER_RANGE_MULTIPLE = 10
"""An injected outlier's keyed quantity is at least this many times the largest ordinary quantity of its
kind of line, so that it leaves the item's normal range: a quantity-1 line keyed x100 (= 100) would be an
ordinary order of a tracked item, not an anomaly anyone could see in the data."""


def normal_max_quantity(line: Line) -> Decimal:
    """The largest quantity an ordinary sales line of this kind carries (free-text lines: 1)."""
    if line.item is None:
        return ONE
    if line.item.tracked:
        return Decimal(max(_TRACKED_QTY))
    return max(_d(q) for q in _SERVICE_QTY)


def outlier_factor(line: Line, factor: Decimal) -> Decimal:
    """The fat-finger factor (x100, x250, x1000 ...), raised by tens until the keyed quantity leaves the
    normal range of the line's kind by ``OUTLIER_RANGE_MULTIPLE``."""
    floor = normal_max_quantity(line) * OUTLIER_RANGE_MULTIPLE
    while line.quantity * factor < floor:
        factor *= 10
    return factor


_BILL_TEXT = {
    "general": "General supplies",
    "office": "Office supplies",
    "advertising": "Online advertising",
    "professional": "Professional services",
    "utilities": "Electricity - monthly",
    "telephone": "Phone and internet - monthly",
    "repairs": "Repairs and maintenance",
    "freight": "Freight - inbound",
    "subscriptions": "Software subscription",
    "travel": "Travel expenses",
    "insurance": "Insurance premium",
    "cogs": "Stock purchases",
    "rent": "Rent",
    "entertainment": "Client entertainment",
}
_VAT_EXEMPT_ROLES = {"insurance", "rent", "wages"}
_LINES_PER_INVOICE = Weighted((1, 2, 3, 4, 5), (35, 30, 18, 10, 7))
_LINES_PER_BILL = Weighted((1, 2, 3), (70, 22, 8))
_LAG = Weighted((0, 1, 2, 3), (50, 30, 12, 8))
_AP_METHOD = Weighted(("CHECK", "ACH"), (60, 40))
_AR_METHOD = Weighted(("CHECK", "ACH", "WIRE", "CC"), (45, 40, 10, 5))
_SALES_CLUSTER = Weighted((1, 2, 3, 4), (85, 9, 4, 2))
_MULTI_FATE = Weighted(("batch", "bank_receipt", "separate"), (70, 10, 20))
_BILL_CLUSTER = Weighted((1, 2, 3), (85, 10, 5))
_BILL_FATE = Weighted(("full", "split", "partial_open", "unpaid"), (80, 4, 3, 13))


def _d(value: str) -> Decimal:
    return Decimal(value)


class Planner:
    def __init__(
        self,
        cfg: GeneratorConfig,
        master: MasterData,
        streams: Streams,
        injector: Injector,
        start: date,
        end: date,
    ) -> None:
        self.cfg = cfg
        self.habits = HABITS[cfg.habits]
        self.ledger = cfg.ledger
        self.m = master
        self.inj = injector
        self.start = start
        self.end = end
        self.rng = streams("documents")
        self.prng = streams("payments")
        self.srng = streams("sage")
        self.irng = streams("injections")
        self.nrng = streams("noise")
        self.idrng = streams("ids")
        self.brng = streams("bank")
        self.jrng = streams("journals")
        self.xero = cfg.ledger == "xero"
        self.invoice_seq = 0
        self.cn_seq = 0
        self.kf_number = 1000
        self.purchase_seq = 0
        self.kf_id = 100_000
        self.bulk_no = 0
        self.sage_only_ar = 0
        self.sage_only_ap = 0
        self.pp_seq = 0
        self.ap_check = 10_000
        self.ach_seq = 0
        self.so_seq = 40_000
        self.journal_no = 0
        self.vendor_refs: dict[int, list] = {}
        self.month_habit: dict[tuple[int, int], str] = {}
        self.noise_rows: list[tuple[str, str, str, str, str]] = []
        self.scale = max(0.05, cfg.invoice_count / 2_000)
        landlords = [v for v in master.vendors if v.dup_of is None]
        self.landlord = landlords[0]
        self.utility = landlords[min(1, len(landlords) - 1)]
        self.payroll_due: list[tuple[date, Decimal]] = []
        self.pending_reversal: list[tuple[date, Decimal]] = []
        self.route_to_dup = False
        """Whether the cluster being planned goes to its party's duplicate Sage record (if it has one)."""
        fates = (
            "full",
            "split",
            "partial_open",
            "unpaid",
            "bank_receipt",
            "credit_pay",
            "credit_open",
            "void_normal",
        )
        self.fates_plain = Weighted(fates, (70, 7, 4, 10, 2, 3, 1, 1 if self.xero else 0))
        self.fates_injected = Weighted(fates, (70, 7, 4, 10, 0, 0, 0, 0))

    # ---------------------------------------------------------------- ids and numbers
    def next_kf(self) -> int:
        self.kf_id += 1
        return self.kf_id

    def uuid(self) -> str:
        return uuid4(self.idrng)

    def invoice_number(self) -> tuple[int, str]:
        if self.xero:
            self.invoice_seq += 1
            return self.invoice_seq, f"INV-{self.invoice_seq:04d}"
        self.kf_number += 1
        return self.kf_number, str(self.kf_number)

    def credit_number(self) -> tuple[int, str]:
        if self.xero:
            self.cn_seq += 1
            return self.cn_seq, f"CN-{self.cn_seq:04d}"
        self.kf_number += 1
        return self.kf_number, str(self.kf_number)

    def habit(self, d: date) -> str:
        key = (d.year, d.month)
        if key not in self.month_habit:
            self.month_habit[key] = self.srng.choice(["zero", "prefix"])
        primary = self.month_habit[key]
        if self.srng.random() < 0.12:
            return "prefix" if primary == "zero" else "zero"
        return primary

    @staticmethod
    def sage_invoice_no(n: int, habit: str, credit: bool) -> str:
        """Sage 100 AR numbers are at most 7 characters: ``0000042``/``IN00042``, ``C000007``/``CM00007``."""
        if credit:
            return f"CM{n:05d}" if habit == "prefix" and n < 100_000 else f"C{n % 1_000_000:06d}"
        return f"IN{n:05d}" if habit == "prefix" and n < 100_000 else f"{n % 10_000_000:07d}"

    def vendor_ref(self, vendor: Party) -> tuple[str, str]:
        """The supplier's invoice number and how the integration keyed it into Sage (<= 10 chars)."""
        state = self.vendor_refs.get(id(vendor))
        if state is None:
            r = self.rng
            pattern = r.choice(["{n}", "INV-{n}", "{p}{n}", "{p}-{n}"])
            prefix = "".join(r.choice("ABCDEFGHKLMNPRSTW") for _ in range(2))
            habit = r.choice(["asis", "digits"])
            state = [pattern, prefix, (vendor.index + 1) * 10_000 + r.randint(100, 4_000), habit]
            self.vendor_refs[id(vendor)] = state
        state[2] += self.rng.randint(1, 4)
        ref = state[0].format(n=state[2], p=state[1])
        return ref, self.sage_ap_no(ref, state[3])

    @staticmethod
    def sage_ap_no(ref: str, habit: str) -> str:
        """Sage 100 AP InvoiceNo (<= 10 chars): the digits, or the letters and digits (keeping the tail)."""
        if habit == "digits":
            return noise.digits(ref)[-10:]
        return "".join(ch for ch in ref.upper() if ch.isalnum())[-10:]

    # ---------------------------------------------------------------- lines and documents
    def _line(self, item, description, qty, unit, account, tax_rate, warehouse, rate) -> Line:
        amount = q2(qty * unit)
        tax = q2(amount * tax_rate)
        return Line(
            id=self.uuid(),
            item=item,
            description=description,
            quantity=qty,
            unit=unit,
            amount=amount,
            account=account,
            tax_rate=tax_rate,
            tax=tax,
            warehouse=warehouse,
            base_amount=to_base(amount, rate),
            base_tax=to_base(tax, rate),
        )

    def sales_lines(self, party: Party, rate: Decimal) -> list[Line]:
        r = self.rng
        n = _LINES_PER_INVOICE.pick(r)
        lines = []
        foreign = party.currency != self.m.profile.base_currency
        for _ in range(n):
            if r.random() < 0.8:
                item = self.m.pick_item(r)
                qty = Decimal(r.choice(_TRACKED_QTY)) if item.tracked else _d(r.choice(_SERVICE_QTY))
                unit = q2(item.price * rate) if foreign else item.price
                account = self.m.by_role[item.sales_role]
                description = item.description
                warehouse = r.choice(item.warehouses) if item.tracked else ""
                if self.xero:
                    tax_rate = party.tax_rate if item.tracked else ZERO
                else:
                    tax_rate = ZERO if foreign else item.vat_rate
            else:
                item = None
                description, role = r.choice(_FREE_LINES)
                qty = ONE
                unit = cents(r, 25, 900)
                account = self.m.by_role[role]
                warehouse = ""
                tax_rate = ZERO if (self.xero or foreign) else Decimal("0.20")
            lines.append(self._line(item, description, qty, unit, account, tax_rate, warehouse, rate))
        return lines

    def bill_lines(self, vendor: Party, rate: Decimal) -> list[Line]:
        r = self.rng
        n = _LINES_PER_BILL.pick(r)
        roles = [vendor.default_role] + [
            r.choice(("general", "office", "freight", "repairs")) for _ in range(n - 1)
        ]
        lines = []
        foreign = vendor.currency != self.m.profile.base_currency
        for role in roles:
            median = 2_500 if role == "cogs" else 450
            amount = Decimal(min(40_000, max(15, round(math.exp(r.gauss(math.log(median), 0.9)), 2))))
            amount = q2(amount * rate) if foreign else q2(amount)
            tax_rate = ZERO if self.xero or foreign or role in _VAT_EXEMPT_ROLES else Decimal("0.20")
            lines.append(
                self._line(
                    None,
                    _BILL_TEXT.get(role, "Purchases"),
                    ONE,
                    amount,
                    self.m.by_role[role],
                    tax_rate,
                    "",
                    rate,
                )
            )
        return lines

    @staticmethod
    def totals(doc: Doc) -> None:
        doc.net = sum((ln.amount for ln in doc.lines), ZERO)
        doc.tax = sum((ln.tax for ln in doc.lines), ZERO)
        doc.gross = doc.net + doc.tax
        doc.base_net = sum((ln.base_amount for ln in doc.lines), ZERO)
        doc.base_tax = to_base(doc.tax, doc.rate)
        doc.base_gross = doc.base_net + doc.base_tax

    def new_invoice(self, party: Party, day: date) -> Doc:
        seq, number = self.invoice_number()
        rate = self.m.rate(party.currency, day)
        reference = ""
        r = self.rng.random()
        if r < 0.45:
            reference = f"PO-{self.rng.randint(10_000, 99_999)}"
        elif r < 0.6:
            reference = f"{party.last_name.upper()} {self.rng.randint(100, 9_999)}"
        doc = Doc(
            kind="invoice",
            seq=seq,
            number=number,
            id=self.uuid(),
            kf_id=self.next_kf(),
            party=party,
            date=day,
            due=day + timedelta(days=party.primary.terms_days),
            currency=party.currency,
            rate=rate,
            lines=self.sales_lines(party, rate),
            reference=reference,
            seconds=self.rng.randint(28_800, 64_800),
        )
        self.totals(doc)
        return doc

    def new_bill(self, vendor: Party, day: date) -> Doc:
        self.purchase_seq += 1
        rate = self.m.rate(vendor.currency, day)
        ref, _ = self.vendor_ref(vendor)
        number = ref if self.xero else str(self.purchase_seq)
        doc = Doc(
            kind="bill",
            seq=self.purchase_seq,
            number=number,
            id=self.uuid(),
            kf_id=self.next_kf(),
            party=vendor,
            date=day,
            due=day + timedelta(days=vendor.primary.terms_days),
            currency=vendor.currency,
            rate=rate,
            lines=self.bill_lines(vendor, rate),
            reference=f"PO {self.rng.randint(4_000, 9_999)}" if self.rng.random() < 0.3 else "",
            vendor_ref=ref,
            seconds=self.rng.randint(28_800, 64_800),
        )
        self.totals(doc)
        return doc

    def new_credit(self, invoice: Doc, day: date) -> Doc:
        seq, number = self.credit_number()
        src = max(invoice.lines, key=lambda ln: ln.amount)
        if src.quantity > 1:
            qty = Decimal(max(1, int(src.quantity) // 2))
            line = self._line(
                src.item,
                src.description,
                qty,
                src.unit,
                src.account,
                src.tax_rate,
                src.warehouse,
                invoice.rate,
            )
        else:
            unit = q2(src.unit * Decimal("0.25"))
            line = self._line(
                src.item,
                f"Credit: {src.description}"[:200],
                ONE,
                unit,
                src.account,
                src.tax_rate,
                src.warehouse,
                invoice.rate,
            )
        doc = Doc(
            kind="credit_note",
            seq=seq,
            number=number,
            id=self.uuid(),
            kf_id=self.next_kf(),
            party=invoice.party,
            date=day,
            due=day,
            currency=invoice.currency,
            rate=invoice.rate,
            lines=[line],
            reference=f"Credit for {invoice.number}",
            credit_for=invoice,
            seconds=self.rng.randint(28_800, 64_800),
        )
        self.totals(doc)
        return doc

    # ---------------------------------------------------------------- Sage 100 postings
    def sage_date(self, d: date, floor: date | None = None) -> date:
        """Integration lag: 0-3 days, never into the next month, never after the period end."""
        lag = _LAG.pick(self.srng)
        out = min(d + timedelta(days=lag), month_end(d), self.end)
        if floor is not None and out < floor:
            out = floor
        return out

    def _comment(self, doc: Doc) -> str:
        r = self.srng.random()
        label = "XERO" if self.xero else "KF"
        if doc.kind == "bill":
            return (f"{label} BILL {doc.vendor_ref}" if r < 0.6 else doc.reference)[:30]
        if r < 0.7:
            return f"{label} {doc.number}"[:30] if self.xero else f"{label} INV {doc.number}"[:30]
        if r < 0.85:
            return doc.reference[:30]
        return ""

    def sage_doc(
        self, doc: Doc, posting: date | None = None, relation: str = "primary", invoice_no: str | None = None
    ) -> SageDoc:
        ar = doc.kind in ("invoice", "credit_note")
        credit = doc.kind == "credit_note"
        party = doc.party.primary
        if invoice_no is None:
            if ar:
                invoice_no = self.sage_invoice_no(doc.seq, self.habit(doc.date), credit)
            else:
                state = self.vendor_refs[id(doc.party)]
                invoice_no = self.sage_ap_no(doc.vendor_ref, state[3])
        sign = Decimal(-1) if credit else ONE
        lines = []
        for ln in doc.lines:
            item = ln.item
            if item is not None:
                code, itype, desc = item.sage_code, item.sage_type, item.sage_desc
            else:
                code, itype, desc = "/MISC", "3", ln.description.upper()[:30]
            lines.append(
                SageLine(
                    item_code=code,
                    item_type=itype,
                    description=desc,
                    account=ln.account,
                    warehouse=ln.warehouse or ("000" if itype == "1" else ""),
                    quantity=ln.quantity * sign,
                    price=ln.unit,
                    amount=ln.amount * sign,
                    tax_class="TX" if ln.tax else "NT",
                    tax_rate=ln.tax_rate,
                    unit_cost=item.cost if item is not None and item.tracked else ZERO,
                    tracked=bool(item is not None and item.tracked),
                    base_amount=ln.base_amount * sign,
                )
            )
        taxable = sum((ln.amount for ln in lines if ln.tax_class == "TX"), ZERO)
        nontaxable = sum((ln.amount for ln in lines if ln.tax_class == "NT"), ZERO)
        party_no = party.sage_no
        if party.sage_dup_no and relation != "sage_only" and self.route_to_dup:
            party_no = party.sage_dup_no  # a duplicate Sage customer/vendor gets some clusters' documents
        sd = SageDoc(
            module="AR" if ar else "AP",
            invoice_no=invoice_no,
            invoice_type="CM" if credit else "IN",
            party=party,
            party_no=party_no,
            division=party.sage_div,
            invoice_date=doc.date,
            posting_date=posting or self.sage_date(doc.date),
            due_date=doc.due,
            currency=doc.currency,
            exchange_rate=qn(ONE / doc.rate, 8),
            rate=doc.rate,
            lines=lines,
            taxable=taxable,
            nontaxable=nontaxable,
            tax=doc.tax * sign,
            gross=doc.gross * sign,
            base_tax=doc.base_tax * sign,
            base_gross=doc.base_gross * sign,
            freight=ZERO,
            base_freight=ZERO,
            comment=self._comment(doc),
            customer_po=doc.reference[:15],
            relation=relation,
            source=doc,
            user=INTEGRATION_USER,
            seconds=self.srng.randint(3_600, 20_000),
            terms_code=self._terms(party),
        )
        if ar and not credit and self.srng.random() < 0.25:
            self.so_seq += 1
            sd.sales_order_no = f"{self.so_seq:07d}"
        return sd

    @staticmethod
    def _terms(party: Party) -> str:
        return {15: "02", 30: "01", 45: "03", 60: "04"}.get(party.terms_days, "01")

    @staticmethod
    def recompute(sd: SageDoc) -> None:
        """Header totals from Sage lines (after an injection changed a line); tax stays as set."""
        sd.taxable = sum((ln.amount for ln in sd.lines if ln.tax_class == "TX"), ZERO)
        sd.nontaxable = sum((ln.amount for ln in sd.lines if ln.tax_class == "NT"), ZERO)
        sd.gross = sd.taxable + sd.nontaxable + sd.tax + sd.freight
        sd.base_tax = to_base(sd.tax, sd.rate)
        sd.base_freight = to_base(sd.freight, sd.rate)
        sd.base_gross = sum((ln.base_amount for ln in sd.lines), ZERO) + sd.base_tax + sd.base_freight

    def apply_cent_noise(self, doc: Doc, sd: SageDoc) -> None:
        if doc.kind != "invoice" or sd.tax <= 0:
            return
        r = self.nrng.random()
        if r < 0.015:
            line = next(ln for ln in sd.lines if ln.tax_class == "TX")
            line.amount -= Decimal("0.01")
            line.base_amount = to_base(line.amount, sd.rate)
            sd.tax += Decimal("0.01")
            self.recompute(sd)
            self.noise_rows.append(
                (
                    "tax_split_cent",
                    self.ledger,
                    doc.number,
                    sd.invoice_no,
                    "Sage 100 TaxableSalesAmt -0.01 and SalesTaxAmt +0.01; totals agree",
                )
            )
        elif r < 0.03:
            sd.tax += Decimal("0.01")
            self.recompute(sd)
            self.noise_rows.append(
                (
                    "total_cent",
                    self.ledger,
                    doc.number,
                    sd.invoice_no,
                    "Sage 100 SalesTaxAmt +0.01 (total differs by 0.01, below tolerance)",
                )
            )

    def sage_receipt(self, pay: Payment, floor: date) -> SageReceipt:
        first = pay.allocs[0].doc.sage if pay.allocs else None
        party = first.party if first else pay.party.primary
        apps = [
            SageApp(a.doc.sage.invoice_no, a.doc.sage.invoice_type, a.doc.sage, a.amount)
            for a in pay.allocs
            if a.doc.sage is not None
        ]
        currency = first.currency if first is not None else pay.currency
        rate = ONE if first is not None and first.rate == ONE else pay.rate
        return SageReceipt(
            module="AR" if pay.kind == "ar" else "AP",
            date=self.sage_date(pay.date, floor),
            check_no=pay.check_no,
            payment_type=pay.method,
            party=party,
            party_no=first.party_no if first else party.sage_no,
            division=first.division if first else party.sage_div,
            apps=apps,
            unapplied=ZERO,
            currency=currency,
            rate=rate,
            source=pay,
            user=INTEGRATION_USER,
            seconds=self.srng.randint(3_600, 20_000),
        )

    @staticmethod
    def link_receipt(rc: SageReceipt) -> None:
        for app in rc.apps:
            if app.doc is not None:
                app.doc.apps.append((rc, app.amount, app.discount, rc.date))

    def settle_cent(self, doc: Doc) -> None:
        """If the source is fully settled but Sage 100 carries a one-cent excess, Sage writes it off."""
        sd = doc.sage
        if sd is None or doc.amount_due != ZERO or sd.balance != Decimal("0.01") or not sd.apps:
            return
        rc, amount, discount, when = sd.apps[-1]
        if not isinstance(rc, SageReceipt):
            return
        for app in rc.apps:
            if app.doc is sd:
                app.discount += Decimal("0.01")
        sd.apps[-1] = (rc, amount, discount + Decimal("0.01"), when)

    # ---------------------------------------------------------------- payments
    def _method(self, kind: str, foreign: bool) -> str:
        r = self.prng
        if kind == "ap":
            return _AP_METHOD.pick(r)
        if foreign:
            return "WIRE"
        return _AR_METHOD.pick(r)

    def _check_no(self, kind: str, method: str, party: Party) -> str:
        if kind == "ap":
            self.ap_check += 1
            return f"{self.ap_check:06d}"
        self.ach_seq += 1
        if method == "CHECK":
            party.primary.check_counter += 1
            return str(party.primary.check_counter)
        prefix = {"ACH": "ACH", "WIRE": "WT", "CC": "CC"}[method]
        return f"{prefix}{self.ach_seq:07d}"

    def _reference(self, kind: str, method: str, check_no: str, docs: list[Doc]) -> str:
        r = self.prng
        x = r.random()
        if kind == "ap":
            if x < 0.5:
                return f"Chk {check_no}" if method == "CHECK" else f"ACH {check_no}"
            if x < 0.85:
                return ", ".join(d.vendor_ref for d in docs)[:255]
            return ""
        if x < 0.35 and len(docs) == 1:
            return noise.invoice_ref(r, docs[0].number, docs[0].seq, self.ledger)
        if x < 0.65:
            return {
                "CHECK": f"Chk {check_no}",
                "ACH": f"ACH {check_no[3:].lstrip('0')}",
                "WIRE": f"Wire {check_no}",
                "CC": "Card payment",
            }[method]
        if x < 0.85:
            return noise.multi_invoice_ref(r, [(d.number, d.seq) for d in docs], self.ledger)
        return ""

    def new_payment(
        self,
        kind: str,
        form: str,
        party: Party,
        day: date,
        spec: list[tuple[Doc, Decimal]],
        recorded: bool = True,
    ) -> Payment:
        currency = spec[0][0].currency
        rate = self.m.rate(currency, day)
        amount = sum((a for _, a in spec), ZERO)
        method = self._method(kind, currency != self.m.profile.base_currency)
        check_no = self._check_no(kind, method, party)
        pay = Payment(
            kind=kind,
            form=form,
            id=self.uuid(),
            kf_id=0,
            party=party,
            date=day,
            currency=currency,
            rate=rate,
            amount=amount,
            base_amount=to_base(amount, rate),
            reference=self._reference(kind, method, check_no, [d for d, _ in spec]),
            method=method,
            allocs=[],
            recorded=recorded,
            check_no=check_no,
            seconds=self.prng.randint(30_000, 70_000),
        )
        for doc, a in spec:
            alloc_id = pay.id if form == "payment" else self.uuid()
            alloc = Alloc(doc=doc, amount=a, date=day, id=alloc_id, kf_id=self.next_kf(), payment=pay)
            pay.allocs.append(alloc)
            if recorded:
                doc.allocs.append(alloc)
        if form == "batch":
            self.bulk_no += 1
            pay.kf_id = self.bulk_no
        else:
            pay.kf_id = pay.allocs[0].kf_id if pay.allocs else self.next_kf()
        return pay

    def pay_date(self, doc_date: date, party: Party, kind: str) -> date:
        days = party.primary.pay_days if kind == "ar" else party.primary.terms_days
        lag = self.habits.payment_lag(self.prng, days)
        return doc_date + timedelta(days=lag)

    def in_period_date(self, low: date) -> date:
        if low >= self.end:
            return self.end
        return low + timedelta(days=self.prng.randint(0, (self.end - low).days))

    # ---------------------------------------------------------------- sales clusters
    def plan_sales(self, day: date, budget: int) -> tuple[list[Event], int]:
        r = self.rng
        party = self.m.pick_customer(r)
        self.route_to_dup = self.srng.random() < 0.3
        dup = self.m.source_dups.get(id(party))
        if dup is not None and r.random() < 0.3:
            party = dup
        size = min(budget, _SALES_CLUSTER.pick(r))
        if size == 1:
            return self._single_sale(day, party, budget)
        return self._multi_sale(day, party, size), size

    def _doc_candidates(self, doc: Doc) -> list[str]:
        day = doc.date
        cands = ["missing_in_sage100", "amount_mismatch", "duplicate_document"]
        if day.month != self.end.month or day.year != self.end.year:
            cands.append("period_mismatch")
        if doc.kind == "invoice":
            if doc.tax >= 1:
                cands.append("tax_mismatch")
            cands.append("customer_mismatch")
            if day <= self.end - timedelta(days=10):
                cands.append("status_mismatch")
            cands.append("outlier_amount")
        if doc.currency != self.m.profile.base_currency:
            cands.insert(0, "currency_mismatch")
        return cands

    def _payment_candidates(self, doc: Doc) -> list[str]:
        if doc.date > self.end - timedelta(days=20) or doc.gross < 5:
            return []
        if doc.kind == "bill":
            return ["payment_missing_in_sage100", "payment_amount_mismatch", "payment_missing_in_source"]
        cands = ["payment_missing_in_sage100", "payment_amount_mismatch", "orphan_reference"]
        if doc.currency == self.m.profile.base_currency:  # money on account sits in the base-currency bank
            cands.append("unapplied_payment")
        cands.append("payment_missing_in_source")
        return cands

    def _single_sale(self, day: date, party: Party, budget: int) -> tuple[list[Event], int]:
        doc = self.new_invoice(party, day)
        events: list[Event] = []
        used = 1
        if self.inj.offer("missing_in_source"):
            events.append(self.sage_only_doc(day, "AR"))
        inj = self.inj.pick(self._doc_candidates(doc))
        if inj is None:
            inj = self.inj.pick(self._payment_candidates(doc))
        if inj == "outlier_amount":
            line = doc.lines[0]
            factor = outlier_factor(line, Decimal(self.irng.choice((100, 100, 250, 1000))))
            line.quantity *= factor
            line.amount = q2(line.quantity * line.unit)
            line.tax = q2(line.amount * line.tax_rate)
            line.base_amount, line.base_tax = to_base(line.amount, doc.rate), to_base(line.tax, doc.rate)
            self.totals(doc)
            doc.injection, doc.injection_detail = inj, f"line 1 quantity x{factor} (keyed {line.quantity})"
        if inj == "duplicate_document" and (budget < 2 or self.irng.random() < 0.5):
            inj = "duplicate_document:sage100"
        elif inj == "duplicate_document":
            inj = "duplicate_document:source"

        if inj == "missing_in_sage100":
            doc.injection, doc.injection_detail = inj, "the integration never posted this document"
            doc.sage = None
            events.append((doc.date, "doc", doc))
            return events, used
        if self.xero and inj is None and day > self.end - timedelta(days=21) and self.rng.random() < 0.04:
            doc.status, doc.posted = "DRAFT", False
            events.append((doc.date, "doc", doc))
            return events, used

        doc.sage = self.sage_doc(doc)
        sd = doc.sage
        if inj is None or inj.startswith("duplicate_document") or inj == "outlier_amount":
            self.apply_cent_noise(doc, sd)
        fate = "normal"
        if inj == "amount_mismatch":
            self._inject_amount(doc, sd)
            fate = "lower" if sd.gross < doc.gross else "normal"
        elif inj == "tax_mismatch":
            self._inject_tax(doc, sd)
            fate = "lower" if sd.gross < doc.gross else "normal"
        elif inj == "customer_mismatch":
            other = self._other_customer(doc.party)
            if other is None:
                inj = None
            else:
                sd.party, sd.party_no, sd.division = other, other.sage_no, other.sage_div
                doc.injection = inj
                doc.injection_detail = (
                    f"posted to Sage customer {other.sage_div}-{other.sage_no} ({other.sage_name}) "
                    f"instead of {doc.party.primary.sage_div}-{doc.party.primary.sage_no}"
                )
        elif inj == "period_mismatch":
            next_start = add_months(doc.date.replace(day=1), 1)
            sd.posting_date = min(next_start + timedelta(days=self.irng.randint(0, 4)), self.end)
            doc.injection = inj
            doc.injection_detail = f"source date {doc.date} posted in Sage 100 on {sd.posting_date}"
        elif inj == "currency_mismatch":
            self._inject_currency(doc, sd)
        elif inj == "status_mismatch":
            fate = "void_late"
        elif inj == "duplicate_document:sage100":
            sd_dup = self.sage_doc(
                doc,
                posting=self.sage_date(doc.date),
                relation="duplicate",
                invoice_no=self._dup_no(sd.invoice_no, doc.seq),
            )
            doc.sage_dup = sd_dup
            doc.injection = "duplicate_document"
            doc.injection_detail = f"posted twice in Sage 100 as {sd.invoice_no} and {sd_dup.invoice_no}"
        elif inj == "duplicate_document:source":
            copy = self._source_duplicate(doc)
            used += 1
            events.append((copy.date, "doc", copy))
        if inj in ("outlier_amount", "unapplied_payment", "payment_missing_in_source"):
            fate = "unpaid"
        if inj in ("payment_missing_in_sage100", "payment_amount_mismatch", "orphan_reference"):
            fate = "full_in_period"
        if self.xero is False and fate == "void_late":
            fate = "draft_late"

        events.append((doc.date, "doc", doc))
        events.extend(self._sale_fate(doc, fate, inj))
        return events, used

    def _dup_no(self, primary: str, seq: int) -> str:
        alt = (
            f"{seq % 10_000_000:07d}"
            if primary.startswith("IN")
            else self.sage_invoice_no(seq, "prefix", False)
        )
        if alt == primary:
            alt = f"D{seq % 1_000_000:06d}"
        return alt

    def _source_duplicate(self, doc: Doc) -> Doc:
        seq, number = self.invoice_number()
        lines = [
            self._line(
                ln.item, ln.description, ln.quantity, ln.unit, ln.account, ln.tax_rate, ln.warehouse, doc.rate
            )
            for ln in doc.lines
        ]
        copy = Doc(
            kind="invoice",
            seq=seq,
            number=number,
            id=self.uuid(),
            kf_id=self.next_kf(),
            party=doc.party,
            date=doc.date,
            due=doc.due,
            currency=doc.currency,
            rate=doc.rate,
            lines=lines,
            reference=doc.reference,
            seconds=min(doc.seconds + self.irng.randint(60, 3_600), 86_000),
            dup_of=doc,
        )
        self.totals(copy)
        copy.sage = self.sage_doc(copy)
        copy.injection = "duplicate_document"
        copy.injection_detail = f"entered twice in the source: duplicate of {doc.number}"
        return copy

    def _other_customer(self, party: Party) -> Party | None:
        for _ in range(20):
            other = self.m.pick_customer(self.irng).primary
            if other is not party.primary and other.currency == party.currency:
                return other
        return None

    def _inject_amount(self, doc: Doc, sd: SageDoc) -> None:
        r = self.irng
        modes = ["qty", "price", "freight"] + (["drop"] if len(sd.lines) > 1 else [])
        mode = r.choice(modes)
        line = r.choice(sd.lines)
        if mode == "drop":
            sd.lines.remove(line)
            detail = f"line '{line.description}' missing in Sage 100"
        elif mode == "qty":
            k = Decimal(r.choice((-2, -1, 1, 2, 3)))
            new_qty = line.quantity + k if line.quantity + k > 0 else line.quantity + abs(k)
            detail = f"quantity {line.quantity} keyed as {new_qty}"
            line.quantity, line.amount = new_qty, q2(new_qty * line.price)
        elif mode == "price":
            new_price = q2(line.price * Decimal(r.choice(("0.8", "0.9", "1.1", "1.25", "1.5"))))
            detail = f"unit price {line.price} keyed as {new_price}"
            line.price, line.amount = new_price, q2(line.quantity * new_price)
        else:
            sd.freight += cents(r, 15, 180)
            detail = f"freight {sd.freight} added in Sage 100"
        line.base_amount = to_base(line.amount, sd.rate)
        sd.tax = sum((q2(sl.amount * sl.tax_rate) for sl in sd.lines), ZERO)
        self.recompute(sd)
        if abs(sd.gross - doc.gross) < 1:
            sd.freight += Decimal("25.00")
            self.recompute(sd)
            detail += f"; freight {sd.freight} added in Sage 100"
        doc.injection, doc.injection_detail = "amount_mismatch", detail

    def _inject_tax(self, doc: Doc, sd: SageDoc) -> None:
        r = self.irng
        if self.xero:
            options = [Decimal("0"), Decimal("0.05"), Decimal("0.0725"), Decimal("0.0825"), Decimal("0.10")]
        else:
            options = [Decimal("0"), Decimal("0.05"), Decimal("0.20"), Decimal("0.175")]
        r.shuffle(options)
        for wrong in options:
            new_tax = sum((q2(ln.amount * wrong) for ln in sd.lines if ln.tax_class == "TX"), ZERO)
            if abs(new_tax - doc.tax) >= 1:
                sd.tax = new_tax
                self.recompute(sd)
                doc.injection = "tax_mismatch"
                doc.injection_detail = f"Sage 100 applied rate {wrong}: tax {new_tax} vs source {doc.tax}"
                return
        sd.tax = ZERO
        self.recompute(sd)
        doc.injection, doc.injection_detail = "tax_mismatch", f"Sage 100 tax 0.00 vs source {doc.tax}"

    def _inject_currency(self, doc: Doc, sd: SageDoc) -> None:
        base = self.m.profile.base_currency
        sd.currency, sd.exchange_rate, sd.rate = base, ONE, ONE
        for ln in sd.lines:
            ln.base_amount = ln.amount
        self.recompute(sd)
        doc.injection = "currency_mismatch"
        doc.injection_detail = (
            f"source {doc.currency} {doc.gross} at rate {doc.rate}; Sage 100 holds {base} "
            f"{sd.gross} (rate ignored)"
        )

    def _sale_fate(self, doc: Doc, fate: str, inj: str | None) -> list[Event]:
        r = self.prng
        events: list[Event] = []
        sd = doc.sage
        assert sd is not None
        party = doc.party
        floor = sd.posting_date
        if fate == "void_late":
            doc.status = "VOIDED"
            doc.void_date = min(doc.date + timedelta(days=r.randint(5, 40)), self.end)
            doc.injection = "status_mismatch"
            doc.injection_detail = f"voided in the source on {doc.void_date}; still open in Sage 100"
            events.append((doc.void_date, "void", doc))
            return events
        if fate == "draft_late":
            doc.status = "DRAFT"
            doc.injection = "status_mismatch"
            doc.injection_detail = (
                "returned to Draft in the source after the integration posted it to Sage 100"
            )
            return events
        if fate == "unpaid":
            if inj == "unapplied_payment":
                day = self.in_period_date(max(doc.date + timedelta(days=3), floor))
                pay = self.new_payment("ar", "prepayment", party, day, [(doc, doc.gross)], recorded=False)
                pay.reference = (
                    noise.invoice_ref(r, doc.number, doc.seq, self.ledger)
                    if r.random() < 0.5
                    else f"Payment on account {party.name[:20]}"
                )
                pay.injection = inj
                pay.injection_detail = (
                    f"received {pay.amount} {pay.currency} on account; {doc.number} left open"
                )
                rc = self.sage_receipt(pay, floor)
                rc.apps = []
                self.pp_seq += 1
                rc.unapplied, rc.pp_no = pay.amount, f"P{self.pp_seq:06d}"
                pay.sage = rc
                events.append((pay.date, "payment", pay))
            elif inj == "payment_missing_in_source":
                day = self.in_period_date(floor + timedelta(days=3))
                amount = (
                    sd.balance
                    if r.random() < 0.6
                    else q2(sd.balance * Decimal(str(round(r.uniform(0.3, 0.8), 2))))
                )
                rc = self._sage_only_receipt("ar", sd, amount, day)
                rc.injection = inj
                rc.injection_detail = (
                    f"Sage 100 receipt {rc.check_no} on {sd.invoice_no} has no source payment"
                )
                events.append((rc.date, "sage_receipt", rc))
            return events
        if fate == "lower":
            if r.random() < 0.6:
                return events
            day = self.pay_date(doc.date, party, "ar")
            amount = q2(sd.gross * Decimal(str(round(r.uniform(0.3, 0.8), 2))))
            if day <= self.end and amount > 0:
                events.extend(self._pay(doc, [(day, amount)], floor))
            return events
        if fate == "full_in_period":
            day = self.pay_date(doc.date, party, "ar")
            if day > self.end:
                day = self.in_period_date(doc.date + timedelta(days=1))
            day = max(day, floor)
            pay = self.new_payment("ar", "payment", party, day, [(doc, doc.gross)])
            events.append((day, "payment", pay))
            if inj == "payment_missing_in_sage100":
                pay.injection = inj
                pay.injection_detail = f"payment of {pay.amount} on {doc.number} never posted to Sage 100"
            else:
                rc = self.sage_receipt(pay, floor)
                pay.sage = rc
                if inj == "payment_amount_mismatch":
                    delta = max(
                        Decimal("1.00"), q2(pay.amount * Decimal(str(round(self.irng.uniform(0.01, 0.2), 2))))
                    )
                    if delta >= pay.amount:
                        delta = q2(pay.amount / 2)
                    rc.apps[0].amount -= delta
                    pay.injection = inj
                    pay.injection_detail = f"Sage 100 receipt {rc.apps[0].amount} vs source {pay.amount}"
                elif inj == "orphan_reference":
                    phantom = (
                        ("1N" + sd.invoice_no[2:])
                        if sd.invoice_no.startswith("IN")
                        else "O" + sd.invoice_no[1:]
                    )
                    rc.apps[0] = SageApp(phantom, "IN", None, rc.apps[0].amount)
                    pay.injection = inj
                    pay.injection_detail = (
                        f"Sage 100 receipt applied to invoice {phantom}, which does not exist; "
                        f"meant {sd.invoice_no}"
                    )
                self.link_receipt(rc)
            self.settle_cent(doc)
            return events

        # normal fates
        choice = (self.fates_injected if inj is not None else self.fates_plain).pick(r)
        if choice == "void_normal":
            doc.status, doc.void_date, doc.posted, doc.sage = "VOIDED", doc.date, False, None
            return events
        if choice == "unpaid":
            return events
        if choice == "bank_receipt" and doc.currency == self.m.profile.base_currency:
            day = self.pay_date(doc.date, party, "ar")
            if day <= self.end:
                events.append(self._bank_receipt([doc], day))
            return events
        plan: list[tuple[date, Decimal]] = []
        remaining = doc.gross
        start = doc.date
        if choice in ("credit_pay", "credit_open"):
            cn_day = doc.date + timedelta(days=r.randint(2, 20))
            if cn_day <= self.end:
                cn = self.new_credit(doc, cn_day)
                cn.sage = self.sage_doc(cn)
                cn.sage.party, cn.sage.party_no, cn.sage.division = sd.party, sd.party_no, sd.division
                events.append((cn.date, "doc", cn))
                if choice == "credit_pay":
                    alloc = Alloc(
                        doc=doc, amount=cn.gross, date=cn_day, id=self.uuid(), kf_id=self.next_kf(), credit=cn
                    )
                    doc.allocs.append(alloc)
                    cn.allocs.append(alloc)
                    when = max(cn.sage.posting_date, sd.posting_date)
                    sd.apps.append((cn.sage, cn.gross, ZERO, when))
                    cn.sage.apps.append((sd, -cn.gross, ZERO, when))
                    remaining -= cn.gross
                    start = cn_day
        if choice == "split":
            parts = r.choice((2, 2, 3))
            shares = sorted(r.uniform(0.2, 0.8) for _ in range(parts - 1))
            amounts, prev = [], ZERO
            for s in shares:
                cut = q2(remaining * Decimal(str(round(s, 4))))
                amounts.append(cut - prev)
                prev = cut
            amounts.append(remaining - prev)
            day = self.pay_date(start, party, "ar")
            for a in amounts:
                if a > 0:
                    plan.append((day, a))
                day += timedelta(days=r.randint(7, 30))
        elif choice == "partial_open":
            plan.append(
                (
                    self.pay_date(start, party, "ar"),
                    q2(remaining * Decimal(str(round(r.uniform(0.2, 0.8), 2)))),
                )
            )
        elif remaining > 0:
            plan.append((self.pay_date(start, party, "ar"), remaining))
        plan = [(max(d, start + timedelta(days=1), floor), a) for d, a in plan if d <= self.end]
        plan = [(d, a) for d, a in plan if d <= self.end]
        events.extend(self._pay(doc, plan, floor))
        self.settle_cent(doc)
        return events

    def _pay(self, doc: Doc, plan: list[tuple[date, Decimal]], floor: date) -> list[Event]:
        events: list[Event] = []
        kind = "ar" if doc.kind == "invoice" else "ap"
        for day, amount in plan:
            pay = self.new_payment(kind, "payment", doc.party, day, [(doc, amount)])
            if doc.sage is not None:
                rc = self.sage_receipt(pay, floor)
                pay.sage = rc
                self.link_receipt(rc)
            events.append((day, "payment", pay))
        return events

    def _bank_receipt(self, docs: list[Doc], day: date) -> Event:
        party = docs[0].party
        pay = self.new_payment("ar", "bank_receipt", party, day, [(d, d.gross) for d in docs], recorded=False)
        pay.reference = noise.multi_invoice_ref(self.prng, [(d.number, d.seq) for d in docs], self.ledger)
        sales = self.m.by_role["sales_product"]
        bank = self.m.by_role["bank"]
        pay.sage_journal = SageJournal(
            date=self.sage_date(day),
            comment=f"BANK DEP {party.primary.sage_name}"[:30],
            lines=[
                (bank, pay.base_amount, ZERO, pay.reference[:30]),
                (sales, ZERO, pay.base_amount, pay.reference[:30]),
            ],
            source_kind="bank_transaction",
            user=INTEGRATION_USER,
            seconds=self.srng.randint(3_600, 20_000),
        )
        return (day, "payment", pay)

    def _sage_only_receipt(self, kind: str, sd: SageDoc, amount: Decimal, day: date) -> SageReceipt:
        method = self._method(kind, sd.currency != self.m.profile.base_currency)
        check_no = self._check_no(kind, method, sd.party)
        rc = SageReceipt(
            module=sd.module,
            date=day,
            check_no=check_no,
            payment_type=method,
            party=sd.party,
            party_no=sd.party_no,
            division=sd.division,
            apps=[SageApp(sd.invoice_no, sd.invoice_type, sd, amount)],
            unapplied=ZERO,
            currency=sd.currency,
            rate=self.m.rate(sd.currency, day) if sd.rate != ONE else ONE,
            source=None,
            user=self.srng.choice(MANUAL_USERS),
            seconds=self.srng.randint(28_000, 60_000),
        )
        self.link_receipt(rc)
        return rc

    def _multi_sale(self, day: date, party: Party, size: int) -> list[Event]:
        r = self.rng
        dates = [day] + sorted(min(day + timedelta(days=r.randint(1, 20)), self.end) for _ in range(size - 1))
        docs = [self.new_invoice(party, d) for d in dates]
        events: list[Event] = []
        for doc in docs:
            if self.inj.offer("missing_in_source"):
                events.append(self.sage_only_doc(doc.date, "AR"))
            doc.sage = self.sage_doc(doc)
            self.apply_cent_noise(doc, doc.sage)
            events.append((doc.date, "doc", doc))
        fate = _MULTI_FATE.pick(self.prng)
        pay_day = self.pay_date(dates[-1], party, "ar")
        floor = max(d.sage.posting_date for d in docs if d.sage)
        if fate == "separate":
            for doc in docs:
                pd = self.pay_date(doc.date, party, "ar")
                if pd <= self.end:
                    events.extend(self._pay(doc, [(pd, doc.gross)], doc.sage.posting_date))
                    self.settle_cent(doc)
            return events
        if pay_day > self.end:
            return events
        if fate == "bank_receipt" and party.currency == self.m.profile.base_currency:
            events.append(self._bank_receipt(docs, pay_day))
            return events
        pay = self.new_payment("ar", "batch", party, pay_day, [(d, d.gross) for d in docs])
        if pay_day <= self.end - timedelta(days=1) and self.inj.offer("payment_missing_in_sage100"):
            pay.injection = "payment_missing_in_sage100"
            pay.injection_detail = (
                f"batch payment of {pay.amount} for {len(docs)} invoices never posted to Sage 100"
            )
        else:
            rc = self.sage_receipt(pay, floor)
            pay.sage = rc
            self.link_receipt(rc)
            for doc in docs:
                self.settle_cent(doc)
        events.append((pay_day, "payment", pay))
        return events

    # ---------------------------------------------------------------- bills
    def plan_bills(self, day: date, budget: int) -> tuple[list[Event], int]:
        r = self.rng
        vendor = self.m.pick_vendor(r)
        self.route_to_dup = self.srng.random() < 0.3
        size = min(budget, _BILL_CLUSTER.pick(r))
        docs = [self.new_bill(vendor, day)]
        for _ in range(size - 1):
            docs.append(self.new_bill(vendor, min(day + timedelta(days=r.randint(1, 12)), self.end)))
        events: list[Event] = []
        for doc in docs:
            if self.inj.offer("missing_in_source"):
                events.append(self.sage_only_doc(doc.date, "AP"))
        if size == 1:
            events.extend(self._single_bill(docs[0]))
            return events, 1
        for doc in docs:
            doc.sage = self.sage_doc(doc)
            events.append((doc.date, "doc", doc))
        pay_day = self.pay_date(docs[-1].date, vendor, "ap")
        if pay_day <= self.end:
            if self.prng.random() < 0.8:
                pay = self.new_payment("ap", "batch", vendor, pay_day, [(d, d.gross) for d in docs])
                rc = self.sage_receipt(pay, max(d.sage.posting_date for d in docs))
                pay.sage = rc
                self.link_receipt(rc)
                events.append((pay_day, "payment", pay))
            else:
                for doc in docs:
                    pd = self.pay_date(doc.date, vendor, "ap")
                    if pd <= self.end:
                        events.extend(self._pay(doc, [(pd, doc.gross)], doc.sage.posting_date))
        return events, size

    def _single_bill(self, doc: Doc) -> list[Event]:
        r = self.prng
        cands = ["missing_in_sage100", "amount_mismatch", "duplicate_document"]
        if doc.date.month != self.end.month or doc.date.year != self.end.year:
            cands.append("period_mismatch")
        if doc.currency != self.m.profile.base_currency:
            cands.insert(0, "currency_mismatch")
        inj = self.inj.pick(cands) or self.inj.pick(self._payment_candidates(doc))
        events: list[Event] = [(doc.date, "doc", doc)]
        if inj == "missing_in_sage100":
            doc.injection, doc.injection_detail = inj, "the integration never posted this bill"
            return events
        doc.sage = self.sage_doc(doc)
        sd = doc.sage
        fate = _BILL_FATE.pick(r)
        if inj == "amount_mismatch":
            self._inject_amount(doc, sd)
            if sd.gross < doc.gross:
                fate = "unpaid"
        elif inj == "duplicate_document":
            state = self.vendor_refs[id(doc.party)]
            other = self.sage_ap_no(doc.vendor_ref, "asis" if state[3] == "digits" else "digits")
            if other == sd.invoice_no:
                other = (sd.invoice_no[:9] + "A") if len(sd.invoice_no) >= 10 else sd.invoice_no + "A"
            doc.sage_dup = self.sage_doc(
                doc, posting=self.sage_date(doc.date), relation="duplicate", invoice_no=other
            )
            doc.injection = inj
            doc.injection_detail = f"posted twice in Sage 100 as {sd.invoice_no} and {other}"
        elif inj == "period_mismatch":
            sd.posting_date = min(
                add_months(doc.date.replace(day=1), 1) + timedelta(days=self.irng.randint(0, 4)), self.end
            )
            doc.injection = inj
            doc.injection_detail = f"source date {doc.date} posted in Sage 100 on {sd.posting_date}"
        elif inj == "currency_mismatch":
            self._inject_currency(doc, sd)
        elif inj == "payment_missing_in_source":
            day = self.in_period_date(sd.posting_date + timedelta(days=3))
            rc = self._sage_only_receipt("ap", sd, sd.balance, day)
            rc.injection = inj
            rc.injection_detail = f"Sage 100 check {rc.check_no} for {sd.invoice_no} has no source payment"
            events.append((rc.date, "sage_receipt", rc))
            return events
        elif inj in ("payment_missing_in_sage100", "payment_amount_mismatch"):
            day = self.pay_date(doc.date, doc.party, "ap")
            if day > self.end:
                day = self.in_period_date(doc.date + timedelta(days=1))
            day = max(day, sd.posting_date)
            pay = self.new_payment("ap", "payment", doc.party, day, [(doc, doc.gross)])
            pay.injection = inj
            if inj == "payment_missing_in_sage100":
                pay.injection_detail = f"bill payment of {pay.amount} never posted to Sage 100"
            else:
                rc = self.sage_receipt(pay, sd.posting_date)
                delta = max(Decimal("1.00"), q2(pay.amount * Decimal("0.05")))
                if delta >= pay.amount:
                    delta = q2(pay.amount / 2)
                rc.apps[0].amount -= delta
                pay.sage = rc
                self.link_receipt(rc)
                pay.injection_detail = f"Sage 100 check {rc.apps[0].amount} vs source {pay.amount}"
            events.append((day, "payment", pay))
            return events
        if fate == "unpaid":
            return events
        plan: list[tuple[date, Decimal]] = []
        day = self.pay_date(doc.date, doc.party, "ap")
        if fate == "split":
            first = q2(doc.gross * Decimal("0.5"))
            plan = [(day, first), (day + timedelta(days=r.randint(10, 30)), doc.gross - first)]
        elif fate == "partial_open":
            plan = [(day, q2(doc.gross * Decimal("0.4")))]
        else:
            plan = [(day, doc.gross)]
        plan = [(max(d, sd.posting_date), a) for d, a in plan if d <= self.end]
        events.extend(self._pay(doc, plan, sd.posting_date))
        return events

    # ---------------------------------------------------------------- Sage-only documents
    def sage_only_doc(self, day: date, module: str) -> Event:
        r = self.irng
        if module == "AR":
            party = self.m.pick_customer(r).primary
            rate = self.m.rate(party.currency, day)
            lines = self.sales_lines(party, rate)
            self.sage_only_ar += 1
            number = f"SA{self.sage_only_ar:05d}"
            kind = "invoice"
        else:
            party = self.m.pick_vendor(r).primary
            rate = self.m.rate(party.currency, day)
            lines = self.bill_lines(party, rate)
            self.sage_only_ap += 1
            number = f"MAN-{self.sage_only_ap:05d}"
            kind = "bill"
        ghost = Doc(
            kind=kind,
            seq=0,
            number=number,
            id="",
            kf_id=0,
            party=party,
            date=day,
            due=day + timedelta(days=party.terms_days),
            currency=party.currency,
            rate=rate,
            lines=lines,
            reference="",
        )
        self.totals(ghost)
        sd = self.sage_doc(ghost, posting=day, relation="sage_only", invoice_no=number)
        sd.source = None
        sd.user = self.srng.choice(MANUAL_USERS)
        sd.comment = self.srng.choice(("MANUAL ENTRY", "PHONE ORDER", "", "ADJ PER CONTROLLER"))
        sd.injection = "missing_in_source"
        sd.injection_detail = f"entered directly in Sage 100 by user {sd.user}; no source document"
        return (day, "sage_doc", sd)

    # ---------------------------------------------------------------- bank lines and journals
    def _bank_txn(
        self,
        day: date,
        kind: str,
        party: Party | None,
        reference: str,
        lines: list[tuple[Account, Decimal, str]],
    ) -> Event:
        bank = self.m.by_role["bank"]
        txn = BankTxn(
            id=self.uuid(),
            kf_id=self.next_kf(),
            type=kind,
            party=party,
            date=day,
            reference=reference,
            lines=lines,
            bank=bank,
            sage=None,
            seconds=self.brng.randint(30_000, 60_000),
        )
        total = txn.total
        jl: list[tuple[Account, Decimal, Decimal, str]] = []
        if kind == "RECEIVE":
            jl.append((bank, total, ZERO, reference[:30]))
            jl.extend((acct, ZERO, amt, desc[:30]) for acct, amt, desc in lines)
        else:
            jl.extend((acct, amt, ZERO, desc[:30]) for acct, amt, desc in lines)
            jl.append((bank, ZERO, total, reference[:30]))
        txn.sage = SageJournal(
            date=self.sage_date(day),
            comment=f"BANK {reference}"[:30],
            lines=jl,
            source_kind="bank_transaction",
            user=INTEGRATION_USER,
            seconds=self.srng.randint(3_600, 20_000),
        )
        return (day, "bank", txn)

    def plan_day_bank(self, day: date, first_bd: bool, last_bd: bool) -> list[Event]:
        r = self.brng
        m = self.m.by_role
        s = Decimal(str(round(self.scale, 4)))
        events: list[Event] = []
        month = day.strftime("%b %Y")
        if first_bd:
            events.append(
                self._bank_txn(
                    day,
                    "SPEND",
                    self.landlord,
                    f"Rent {month}",
                    [(m["rent"], q2(Decimal("8500") * max(s, ONE)), f"Warehouse rent {month}")],
                )
            )
        if day.day == 10:
            events.append(
                self._bank_txn(
                    day,
                    "SPEND",
                    self.utility,
                    f"Utilities autopay {month}",
                    [(m["utilities"], cents(r, 400, 2_200) * max(s, ONE), "Electricity and gas")],
                )
            )
        if last_bd:
            events.append(
                self._bank_txn(
                    day,
                    "SPEND",
                    None,
                    f"Service charge {month}",
                    [(m["bank_fees"], cents(r, 25, 120), "Monthly account fee")],
                )
            )
            events.append(
                self._bank_txn(
                    day,
                    "RECEIVE",
                    None,
                    f"Interest {month}",
                    [(m["interest_income"], cents(r, 5, 80), "Interest earned")],
                )
            )
        while self.payroll_due and self.payroll_due[0][0] <= day:
            due, amount = self.payroll_due.pop(0)
            events.append(
                self._bank_txn(
                    day,
                    "SPEND",
                    None,
                    f"Payroll {due.isoformat()}",
                    [(m["payroll_liab"], amount, "Net pay and withholdings")],
                )
            )
        expected = self.cfg.invoice_count / 60 / max(1, (self.end - self.start).days + 1)
        n = int(expected) + (1 if r.random() < expected - int(expected) else 0)
        for _ in range(n):
            role = r.choice(("travel", "entertainment", "office", "subscriptions", "advertising"))
            vendor = self.m.pick_vendor(r).primary
            events.append(
                self._bank_txn(
                    day,
                    "SPEND",
                    vendor,
                    f"Card {r.randint(1000, 9999)} {vendor.name[:20]}",
                    [(m[role], cents(r, 12, 900), _BILL_TEXT.get(role, "Card purchase"))],
                )
            )
        expected_cash = self.cfg.invoice_count / 150 / max(1, (self.end - self.start).days + 1)
        if r.random() < expected_cash:
            events.append(
                self._bank_txn(
                    day,
                    "RECEIVE",
                    None,
                    "Cash sale counter",
                    [(m["sales_product"], cents(r, 20, 400), "Counter sale")],
                )
            )
        return events

    def _journal(self, day: date, narration: str, lines: list[tuple[Account, Decimal, str]]) -> Event:
        self.journal_no += 1
        jl = [
            (acct, amt if amt > 0 else ZERO, -amt if amt < 0 else ZERO, desc[:30])
            for acct, amt, desc in lines
        ]
        sj = SageJournal(
            date=day,
            comment=narration[:30],
            lines=jl,
            source_kind="manual_journal",
            user=INTEGRATION_USER,
            seconds=self.srng.randint(3_600, 20_000),
        )
        journal = Journal(
            id=self.uuid(),
            kf_id=self.next_kf(),
            number=self.journal_no,
            date=day,
            narration=narration,
            lines=lines,
            sage=sj,
            seconds=self.jrng.randint(30_000, 60_000),
        )
        inj = self.inj.pick(("unbalanced_journal",))
        if inj:
            dropped = sj.lines.pop()
            sj.injection = inj
            sj.injection_detail = (
                f"line {dropped[0].sage_account} {dropped[1] or -dropped[2]} missing in Sage 100; "
                f"source journal {journal.number} is balanced"
            )
        if self.inj.offer("trial_balance_difference"):
            a, b = self.jrng.sample(
                [
                    self.m.by_role[x]
                    for x in ("general", "advertising", "office", "repairs", "suspense", "telephone")
                ],
                2,
            )
            amount = cents(self.jrng, 150, 4_000)
            moved = f"Sage-only journal moves {amount} from {b.sage_account} to {a.sage_account}"
            journal.sage_extra = SageJournal(
                date=day,
                comment="RECLASS PER CONTROLLER",
                lines=[(a, amount, ZERO, "Reclass"), (b, ZERO, amount, "Reclass")],
                source_kind="sage_only",
                user=self.srng.choice(MANUAL_USERS),
                seconds=self.srng.randint(28_000, 60_000),
                injection="trial_balance_difference",
                injection_detail=moved,
            )
        return (day, "journal", journal)

    def plan_day_journals(self, day: date, last_bd: bool) -> list[Event]:
        r = self.jrng
        m = self.m.by_role
        s = Decimal(str(round(self.scale, 4)))
        events: list[Event] = []
        if day == self.start:
            cash, stock = q2(Decimal("250000") * s), q2(Decimal("400000") * s)
            office, computers = q2(Decimal("85000") * s), q2(Decimal("40000") * s)
            events.append(
                self._journal(
                    day,
                    "Opening balances",
                    [
                        (m["bank"], cash, "Opening balance"),
                        (m["inventory"], stock, "Opening balance"),
                        (m["fixed_office"], office, "Opening balance"),
                        (m["fixed_computer"], computers, "Opening balance"),
                        (m["equity"], -(cash + stock + office + computers), "Opening balance"),
                    ],
                )
            )
        if day.day == 15 or last_bd:
            wages = q2(Decimal("48000") * s * Decimal(str(round(r.uniform(0.95, 1.05), 4))))
            events.append(
                self._journal(
                    day,
                    f"Payroll {day.isoformat()}",
                    [(m["wages"], wages, "Gross wages"), (m["payroll_liab"], -wages, "Payroll liabilities")],
                )
            )
            pay_day = day + timedelta(days=1 if day.day == 15 else 3)
            if pay_day <= self.end:
                self.payroll_due.append((pay_day, wages))
        if last_bd:
            dep = q2(Decimal("2500") * s)
            events.append(
                self._journal(
                    day,
                    f"Depreciation {day.strftime('%b %Y')}",
                    [
                        (m["depreciation"], dep, "Monthly depreciation"),
                        (m["accum_dep"], -dep, "Monthly depreciation"),
                    ],
                )
            )
            ins = q2(Decimal("1200") * s)
            events.append(
                self._journal(
                    day,
                    f"Insurance amortisation {day.strftime('%b %Y')}",
                    [(m["insurance"], ins, "Prepaid insurance"), (m["prepaid"], -ins, "Prepaid insurance")],
                )
            )
            acc = cents(r, 800, 6_000) * max(s, ONE)
            acc = q2(acc)
            events.append(
                self._journal(
                    day,
                    f"Accrual {day.strftime('%b %Y')}",
                    [
                        (m["professional"], acc, "Audit fee accrual"),
                        (m["accrued"], -acc, "Audit fee accrual"),
                    ],
                )
            )
            rev_day = month_end(day) + timedelta(days=1)
            if rev_day <= self.end:
                self.pending_reversal.append((rev_day, acc))
        pending = self.pending_reversal
        while pending and pending[0][0] <= day:
            _, acc = pending.pop(0)
            events.append(
                self._journal(
                    day,
                    "Reversal of accrual",
                    [
                        (m["accrued"], acc, "Reverse audit fee accrual"),
                        (m["professional"], -acc, "Reverse audit fee accrual"),
                    ],
                )
            )
        return events

"""In-memory records the planner creates and the writers serialise.

Source-side records (:class:`Doc`, :class:`Payment`, :class:`Journal`, :class:`BankTxn`) carry a link to
what the imperfect integration posted in Sage 100 (:class:`SageDoc`, :class:`SageReceipt`,
:class:`SageJournal`); ``None`` means nothing was posted. Only compact state lives beyond an event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .money import ZERO


@dataclass(slots=True, eq=False)
class Account:
    role: str
    code: str | None
    name: str
    source_type: str
    system_account: str | None
    id: str
    kf_id: int
    sage_key: str
    sage_account: str
    sage_desc: str
    sage_type: str


@dataclass(slots=True, eq=False)
class Party:
    kind: str  # customer | vendor
    index: int
    id: str
    kf_id: int
    code: str
    contact_number: str | None
    name: str
    first_name: str
    last_name: str
    email: str
    phone: str
    line1: str
    line2: str
    city: str
    region: str
    postal: str
    country_code: str
    country_name: str
    tax_id: str
    currency: str
    tax_rate: Decimal
    terms_days: int
    pay_days: int
    default_role: str
    created: date
    created_seconds: int
    sage_div: str = ""
    sage_no: str = ""
    sage_name: str = ""
    sage_email: str = ""
    sage_postal: str = ""
    sage_tax_id: str = ""
    sage_line1: str = ""
    sage_phone: str = ""
    sage_dup_no: str | None = None
    sage_dup_name: str | None = None
    dup_of: Party | None = None
    """Set on a second source contact for the same company (a source-side duplicate)."""
    master_mismatch: str | None = None
    check_counter: int = 0
    # running totals
    src_balance: Decimal = ZERO
    src_paid: Decimal = ZERO
    src_invoiced_net: Decimal = ZERO
    src_invoiced_tax: Decimal = ZERO
    doc_count: int = 0
    first_doc: date | None = None
    last_doc: date | None = None
    last_payment: date | None = None

    @property
    def primary(self) -> Party:
        return self.dup_of or self


@dataclass(slots=True, eq=False)
class Item:
    index: int
    id: str
    kf_id: int
    code: str
    name: str
    description: str
    tracked: bool
    price: Decimal
    cost: Decimal
    sales_role: str
    vat_rate: Decimal
    product_line: str
    sage_code: str
    sage_type: str
    sage_desc: str
    sage_price: Decimal
    warehouses: tuple[str, ...]
    wh_qty: dict[str, Decimal] = field(default_factory=dict)
    wh_on_so: dict[str, Decimal] = field(default_factory=dict)
    src_qty: Decimal = ZERO
    master_mismatch: str | None = None


@dataclass(slots=True, eq=False)
class Line:
    id: str
    item: Item | None
    description: str
    quantity: Decimal
    unit: Decimal
    amount: Decimal
    account: Account
    tax_rate: Decimal
    tax: Decimal
    warehouse: str
    base_amount: Decimal = ZERO
    base_tax: Decimal = ZERO


@dataclass(slots=True, eq=False)
class Alloc:
    """One application of a payment (or credit note) to a document, in the payment's currency."""

    doc: Doc
    amount: Decimal
    date: date
    id: str
    kf_id: int
    payment: Payment | None = None
    credit: Doc | None = None


@dataclass(slots=True, eq=False)
class Doc:
    kind: str  # invoice | bill | credit_note
    seq: int
    number: str
    id: str
    kf_id: int
    party: Party
    date: date
    due: date
    currency: str
    rate: Decimal
    lines: list[Line]
    reference: str
    vendor_ref: str = ""
    """Bills: the supplier's own invoice number (Xero InvoiceNumber, KashFlow SupplierReference)."""
    net: Decimal = ZERO
    tax: Decimal = ZERO
    gross: Decimal = ZERO
    base_net: Decimal = ZERO
    base_tax: Decimal = ZERO
    base_gross: Decimal = ZERO
    status: str = "AUTHORISED"
    void_date: date | None = None
    posted: bool = True
    """Whether the source status is one the integration posts (not DRAFT, not voided before posting)."""
    allocs: list[Alloc] = field(default_factory=list)
    """Recorded allocations (payments and credit notes) in date order, within the period."""
    credit_for: Doc | None = None
    sage: SageDoc | None = None
    sage_dup: SageDoc | None = None
    injection: str | None = None
    injection_detail: str = ""
    dup_of: Doc | None = None
    seconds: int = 0
    updated: date | None = None
    relieved_base: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def allocated(self) -> Decimal:
        return sum((a.amount for a in self.allocs), ZERO)

    @property
    def amount_due(self) -> Decimal:
        if self.status in ("VOIDED", "DRAFT", "DELETED"):
            return ZERO
        return self.gross - self.allocated


@dataclass(slots=True, eq=False)
class Payment:
    kind: str  # ar | ap
    form: str  # payment | batch | bank_receipt | prepayment
    id: str
    kf_id: int
    party: Party
    date: date
    currency: str
    rate: Decimal
    amount: Decimal
    base_amount: Decimal
    reference: str
    method: str
    allocs: list[Alloc]
    recorded: bool
    """False when the source holds the money without allocating it (bank receipt, prepayment)."""
    check_no: str = ""
    sage: SageReceipt | None = None
    sage_journal: SageJournal | None = None
    """Bank receipts: the Sage 100 GL journal the integration posted for the bank line."""
    injection: str | None = None
    injection_detail: str = ""
    seconds: int = 0


@dataclass(slots=True, eq=False)
class SageLine:
    item_code: str
    item_type: str
    description: str
    account: Account
    warehouse: str
    quantity: Decimal
    price: Decimal
    amount: Decimal
    tax_class: str
    tax_rate: Decimal
    unit_cost: Decimal
    tracked: bool
    base_amount: Decimal = ZERO


@dataclass(slots=True, eq=False)
class SageApp:
    invoice_no: str
    invoice_type: str
    doc: SageDoc | None
    amount: Decimal
    discount: Decimal = ZERO


@dataclass(slots=True, eq=False)
class SageDoc:
    module: str  # AR | AP
    invoice_no: str
    invoice_type: str  # IN | CM
    party: Party
    party_no: str
    division: str
    invoice_date: date
    posting_date: date
    due_date: date
    currency: str
    exchange_rate: Decimal
    """Base units per document unit (Sage's convention; 1 for base currency)."""
    rate: Decimal
    """Document units per base unit, used for base-currency GL amounts."""
    lines: list[SageLine]
    taxable: Decimal
    nontaxable: Decimal
    tax: Decimal
    gross: Decimal
    base_tax: Decimal
    base_gross: Decimal
    freight: Decimal
    base_freight: Decimal
    comment: str
    customer_po: str
    relation: str  # primary | duplicate | sage_only
    source: Doc | None
    user: str
    seconds: int
    header_seq: str = "000000"
    sales_order_no: str = ""
    terms_code: str = "01"
    apps: list[tuple[object, Decimal, Decimal, date]] = field(default_factory=list)
    """(receipt/credit memo, amount, discount, date) applied to this document, in date order."""
    injection: str | None = None
    injection_detail: str = ""
    relieved_base: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        return self.gross - sum((a[1] + a[2] for a in self.apps), ZERO)


@dataclass(slots=True, eq=False)
class SageReceipt:
    module: str  # AR | AP
    date: date
    check_no: str
    payment_type: str
    party: Party
    party_no: str
    division: str
    apps: list[SageApp]
    unapplied: Decimal
    currency: str
    rate: Decimal
    source: Payment | None
    user: str
    seconds: int
    pp_no: str = ""
    injection: str | None = None
    injection_detail: str = ""
    ref: str = ""
    """Truth reference, set when the receipt is written (includes the deposit number)."""

    @property
    def total(self) -> Decimal:
        return sum((a.amount for a in self.apps), ZERO) + self.unapplied


@dataclass(slots=True, eq=False)
class SageJournal:
    date: date
    comment: str
    lines: list[tuple[Account, Decimal, Decimal, str]]
    """(account, debit, credit, comment) in base currency."""
    source_kind: str  # manual_journal | bank_transaction | sage_only
    user: str
    seconds: int
    injection: str | None = None
    injection_detail: str = ""
    register_no: str = ""


@dataclass(slots=True, eq=False)
class Journal:
    """A source manual journal (Xero ManualJournal, KashFlow journal)."""

    id: str
    kf_id: int
    number: int
    date: date
    narration: str
    lines: list[tuple[Account, Decimal, str]]
    """(account, signed amount: debit positive, description)."""
    sage: SageJournal | None
    seconds: int
    sage_extra: SageJournal | None = None
    """A Sage-only journal spawned beside this one (trial_balance_difference)."""


@dataclass(slots=True, eq=False)
class BankTxn:
    """A bank line not linked to any document (fees, interest, rent, card spend, cash sales)."""

    id: str
    kf_id: int
    type: str  # RECEIVE | SPEND
    party: Party | None
    date: date
    reference: str
    lines: list[tuple[Account, Decimal, str]]
    """(account, amount, description), base currency, no tax."""
    bank: Account
    sage: SageJournal | None
    seconds: int

    @property
    def total(self) -> Decimal:
        return sum((line[1] for line in self.lines), ZERO)

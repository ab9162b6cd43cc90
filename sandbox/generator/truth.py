"""Writing ``truth/``: every injection, the correct allocation of every payment, and the pairings
between source and Sage 100 records (documents, payments, parties, items, accounts). Never read by the
pipeline; see docs/scenario-format.md for the columns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from .dates import period_of
from .masterdata import MasterData
from .model import BankTxn, Doc, Item, Journal, Party, Payment, SageDoc, SageJournal, SageReceipt
from .money import ZERO, fmt
from .writers import CsvWriter

INJECTIONS = [
    "injection_id",
    "exception_type",
    "system",
    "record_kind",
    "document_number",
    "sage100_document",
    "party",
    "sage100_party",
    "amount",
    "currency",
    "period",
    "details",
]
ALLOCATIONS = [
    "payment_system",
    "payment_kind",
    "payment_ref",
    "party",
    "payment_date",
    "payment_amount",
    "currency",
    "allocation_no",
    "basis",
    "document_kind",
    "document_number",
    "allocated_amount",
]
PAYMENT_PAIRS = [
    "source_system",
    "payment_kind",
    "payment_ref",
    "sage100_payment_ref",
    "party",
    "sage100_party",
    "source_amount",
    "sage100_amount",
    "currency",
]
DOCUMENT_PAIRS = [
    "source_system",
    "document_kind",
    "document_number",
    "native_id",
    "party",
    "sage100_module",
    "sage100_division",
    "sage100_party",
    "sage100_document",
    "sage100_invoice_type",
    "relation",
    "source_amount",
    "sage100_amount",
    "currency",
]
PARTY_PAIRS = [
    "source_system",
    "party_kind",
    "source_code",
    "source_id",
    "source_name",
    "sage100_division",
    "sage100_party",
    "sage100_name",
    "relation",
]
ITEM_PAIRS = ["source_system", "source_code", "source_id", "source_name", "sage100_item_code", "relation"]
ACCOUNT_MAP = [
    "source_system",
    "source_code",
    "source_name",
    "source_type",
    "sage100_account",
    "sage100_account_key",
    "sage100_description",
]
NOISE = ["noise_type", "system", "document_number", "sage100_document", "details"]

_PARTY_KIND = {"invoice": "customer", "credit_note": "customer", "bill": "vendor"}


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""


class TruthWriter:
    def __init__(self, out: Path, ledger: str) -> None:
        self.dir = out / "truth"
        self.ledger = ledger
        self.injections = CsvWriter(self.dir / "injections.csv", INJECTIONS)
        self.allocations = CsvWriter(self.dir / "payment_allocations.csv", ALLOCATIONS)
        self.payment_pairs = CsvWriter(self.dir / "payment_pairs.csv", PAYMENT_PAIRS)
        self.document_pairs = CsvWriter(self.dir / "document_pairs.csv", DOCUMENT_PAIRS)
        self.files: list[CsvWriter] = []
        self._inj = 0

    # ---------------------------------------------------------------- helpers
    def injection(
        self,
        exception_type: str,
        system: str,
        record_kind: str,
        document_number: str,
        sage100_document: str,
        party: str,
        sage100_party: str,
        amount: Decimal | None,
        currency: str,
        period: str,
        details: str,
    ) -> None:
        self._inj += 1
        self.injections.write(
            [
                f"INJ-{self._inj:06d}",
                exception_type,
                system,
                record_kind,
                document_number,
                sage100_document,
                party,
                sage100_party,
                fmt(amount) if amount is not None else "",
                currency,
                period,
                details,
            ]
        )

    def payment_ref(self, pay: Payment) -> str:
        if self.ledger == "xero":
            return pay.id
        if pay.form == "batch":
            return f"bulk:{pay.kf_id}"
        return str(pay.kf_id)

    @staticmethod
    def payment_kind(pay: Payment) -> str:
        if pay.form in ("bank_receipt", "prepayment"):
            return pay.form
        prefix = "receipt" if pay.kind == "ar" else "bill_payment"
        return f"batch_{prefix}" if pay.form == "batch" else prefix

    def _pair(self, doc: Doc, sd: SageDoc, relation: str) -> None:
        self.document_pairs.write(
            [
                self.ledger,
                doc.kind,
                doc.number,
                doc.id if self.ledger == "xero" else str(doc.kf_id),
                doc.party.code,
                sd.module,
                sd.division,
                sd.party_no,
                sd.invoice_no,
                sd.invoice_type,
                relation,
                fmt(doc.gross if doc.kind != "credit_note" else -doc.gross),
                fmt(sd.gross),
                doc.currency,
            ]
        )

    # ---------------------------------------------------------------- documents
    def doc(self, doc: Doc) -> None:
        if doc.sage is not None:
            self._pair(doc, doc.sage, "same")
        if doc.sage_dup is not None:
            self._pair(doc, doc.sage_dup, "duplicate")
        if doc.kind == "credit_note":
            self._credit_allocations(doc)
        if doc.injection is None:
            return
        inj = doc.injection
        sd = doc.sage
        sage_no = sd.invoice_no if sd else ""
        sage_party = f"{sd.division}-{sd.party_no}" if sd else ""
        system = "sage100"
        amount: Decimal | None = doc.gross
        currency = doc.currency
        if inj in ("missing_in_sage100", "outlier_amount"):
            system = self.ledger
        elif inj == "duplicate_document":
            if doc.dup_of is not None:
                system = self.ledger
            elif doc.sage_dup is not None:
                sage_no = doc.sage_dup.invoice_no
        elif inj == "amount_mismatch" and sd:
            amount = sd.gross - doc.gross
        elif inj == "tax_mismatch" and sd:
            amount = sd.tax - doc.tax
        elif inj == "currency_mismatch" and sd:
            currency = doc.currency
        self.injection(
            inj,
            system,
            doc.kind,
            doc.number,
            sage_no,
            doc.party.code,
            sage_party,
            amount,
            currency,
            period_of(doc.date),
            doc.injection_detail,
        )

    def _credit_allocations(self, cn: Doc) -> None:
        ref = cn.id if self.ledger == "xero" else cn.number
        n = 0
        for a in cn.allocs:
            n += 1
            self.allocations.write(
                [
                    self.ledger,
                    "credit_note",
                    ref,
                    cn.party.code,
                    _d(cn.date),
                    fmt(cn.gross),
                    cn.currency,
                    str(n),
                    "recorded",
                    a.doc.kind,
                    a.doc.number,
                    fmt(a.amount),
                ]
            )
        rest = cn.gross - sum((a.amount for a in cn.allocs), ZERO)
        if rest:
            n += 1
            self.allocations.write(
                [
                    self.ledger,
                    "credit_note",
                    ref,
                    cn.party.code,
                    _d(cn.date),
                    fmt(cn.gross),
                    cn.currency,
                    str(n),
                    "on_account",
                    "",
                    "",
                    fmt(rest),
                ]
            )
        sd = cn.sage
        if sd is None:
            return
        total = -sd.gross
        n = 0
        for target, amount, _disc, _when in sd.apps:
            if isinstance(target, SageDoc):
                n += 1
                self.allocations.write(
                    [
                        "sage100",
                        "credit_memo",
                        sd.invoice_no,
                        f"{sd.division}-{sd.party_no}",
                        _d(sd.posting_date),
                        fmt(total),
                        sd.currency,
                        str(n),
                        "recorded",
                        "invoice",
                        target.invoice_no,
                        fmt(-amount),
                    ]
                )
        if sd.balance:
            n += 1
            self.allocations.write(
                [
                    "sage100",
                    "credit_memo",
                    sd.invoice_no,
                    f"{sd.division}-{sd.party_no}",
                    _d(sd.posting_date),
                    fmt(total),
                    sd.currency,
                    str(n),
                    "on_account",
                    "",
                    "",
                    fmt(-sd.balance),
                ]
            )

    def sage_doc(self, sd: SageDoc) -> None:
        self.injection(
            sd.injection or "missing_in_source",
            "sage100",
            "invoice" if sd.module == "AR" else "bill",
            sd.invoice_no,
            sd.invoice_no,
            "",
            f"{sd.division}-{sd.party_no}",
            sd.gross,
            sd.currency,
            period_of(sd.posting_date),
            sd.injection_detail,
        )

    # ---------------------------------------------------------------- payments
    def payment(self, pay: Payment) -> None:
        ref = self.payment_ref(pay)
        kind = self.payment_kind(pay)
        basis = "recorded" if pay.recorded else "intended"
        for n, a in enumerate(pay.allocs, 1):
            self.allocations.write(
                [
                    self.ledger,
                    kind,
                    ref,
                    pay.party.code,
                    _d(pay.date),
                    fmt(pay.amount),
                    pay.currency,
                    str(n),
                    basis,
                    a.doc.kind,
                    a.doc.number,
                    fmt(a.amount),
                ]
            )
        rc = pay.sage
        if rc is not None:
            self.sage_receipt(rc)
            self.payment_pairs.write(
                [
                    self.ledger,
                    kind,
                    ref,
                    rc.ref,
                    pay.party.code,
                    f"{rc.division}-{rc.party_no}",
                    fmt(pay.amount),
                    fmt(rc.total),
                    pay.currency,
                ]
            )
        if pay.sage_journal is not None:
            self.document_pairs.write(
                [
                    self.ledger,
                    "bank_transaction",
                    ref,
                    ref,
                    pay.party.code,
                    "GL",
                    "",
                    "",
                    pay.sage_journal.register_no,
                    "GJ",
                    "same",
                    fmt(pay.amount),
                    fmt(pay.base_amount),
                    pay.currency,
                ]
            )
        if pay.injection:
            system = (
                self.ledger
                if pay.injection in ("unapplied_payment", "payment_missing_in_sage100")
                else "sage100"
            )
            amount = pay.amount
            if pay.injection == "payment_amount_mismatch" and rc is not None:
                amount = rc.total - pay.amount
            self.injection(
                pay.injection,
                system,
                kind,
                ref,
                rc.ref if rc else "",
                pay.party.code,
                f"{rc.division}-{rc.party_no}" if rc else "",
                amount,
                pay.currency,
                period_of(pay.date),
                pay.injection_detail,
            )

    def sage_receipt(self, rc: SageReceipt) -> None:
        kind = "sage_receipt" if rc.module == "AR" else "sage_check"
        party = f"{rc.division}-{rc.party_no}"
        total = rc.total
        n = 0
        for app in rc.apps:
            n += 1
            basis = "recorded" if app.doc is not None else "orphan"
            self.allocations.write(
                [
                    "sage100",
                    kind,
                    rc.ref,
                    party,
                    _d(rc.date),
                    fmt(total),
                    rc.currency,
                    str(n),
                    basis,
                    "invoice" if rc.module == "AR" else "bill",
                    app.invoice_no,
                    fmt(app.amount),
                ]
            )
        if rc.unapplied:
            n += 1
            self.allocations.write(
                [
                    "sage100",
                    kind,
                    rc.ref,
                    party,
                    _d(rc.date),
                    fmt(total),
                    rc.currency,
                    str(n),
                    "on_account",
                    "unapplied_cash",
                    rc.pp_no,
                    fmt(rc.unapplied),
                ]
            )
        if rc.source is None and rc.injection:
            doc = rc.apps[0].doc
            self.injection(
                rc.injection,
                "sage100",
                kind,
                rc.ref,
                rc.ref,
                doc.source.party.code if doc and doc.source else "",
                party,
                total,
                rc.currency,
                period_of(rc.date),
                rc.injection_detail,
            )

    def journal(self, j: Journal, source_ref: str) -> None:
        sj = j.sage
        if sj is not None:
            debit = sum((line[1] for line in sj.lines), ZERO)
            self.document_pairs.write(
                [
                    self.ledger,
                    "manual_journal",
                    source_ref,
                    source_ref,
                    "",
                    "GL",
                    "",
                    "",
                    sj.register_no,
                    "GJ",
                    "same",
                    fmt(sum((a for _, a, _ in j.lines if a > 0), ZERO)),
                    fmt(debit),
                    "",
                ]
            )
            if sj.injection:
                credit = sum((line[2] for line in sj.lines), ZERO)
                self.injection(
                    sj.injection,
                    "sage100",
                    "journal",
                    source_ref,
                    sj.register_no,
                    "",
                    "",
                    debit - credit,
                    "",
                    period_of(sj.date),
                    sj.injection_detail,
                )
        if j.sage_extra is not None:
            self.sage_journal(j.sage_extra)

    def sage_journal(self, sj: SageJournal) -> None:
        amount = sum((line[1] for line in sj.lines), ZERO)
        self.injection(
            sj.injection or "trial_balance_difference",
            "sage100",
            "journal",
            sj.register_no,
            sj.register_no,
            "",
            "",
            amount,
            "",
            period_of(sj.date),
            sj.injection_detail,
        )

    def bank(self, txn: BankTxn, ref: str) -> None:
        if txn.sage is not None:
            self.document_pairs.write(
                [
                    self.ledger,
                    "bank_transaction",
                    ref,
                    ref,
                    txn.party.code if txn.party else "",
                    "GL",
                    "",
                    "",
                    txn.sage.register_no,
                    "GJ",
                    "same",
                    fmt(txn.total),
                    fmt(txn.total),
                    "",
                ]
            )

    # ---------------------------------------------------------------- master data and close
    def finalize(self, master: MasterData, noise_rows: list[tuple[str, str, str, str, str]]) -> None:
        for w in (self.injections, self.allocations, self.payment_pairs, self.document_pairs):
            w.close()
        # reopen injections in append mode for master-data rows
        parties = CsvWriter(self.dir / "party_pairs.csv", PARTY_PAIRS)
        for p in master.customers + master.vendors:
            source_id = p.id if self.ledger == "xero" else str(p.kf_id)
            primary = p.primary
            parties.write(
                [
                    self.ledger,
                    p.kind,
                    p.code,
                    source_id,
                    p.name,
                    primary.sage_div,
                    primary.sage_no,
                    primary.sage_name,
                    "same" if p.dup_of is None else "duplicate",
                ]
            )
            if p.sage_dup_no:
                parties.write(
                    [
                        self.ledger,
                        p.kind,
                        p.code,
                        source_id,
                        p.name,
                        p.sage_div,
                        p.sage_dup_no,
                        p.sage_dup_name or "",
                        "duplicate",
                    ]
                )
        parties.close()
        items = CsvWriter(self.dir / "item_pairs.csv", ITEM_PAIRS)
        for it in master.items:
            items.write(
                [
                    self.ledger,
                    it.code,
                    it.id if self.ledger == "xero" else str(it.kf_id),
                    it.name,
                    it.sage_code,
                    "same" if it.sage_code == it.code else "rekeyed",
                ]
            )
        items.close()
        accounts = CsvWriter(self.dir / "account_map.csv", ACCOUNT_MAP)
        for a in master.accounts:
            if a.code is None:
                continue
            accounts.write(
                [self.ledger, a.code, a.name, a.source_type, a.sage_account, a.sage_key, a.sage_desc]
            )
        accounts.close()
        noise = CsvWriter(self.dir / "noise.csv", NOISE)
        for row in noise_rows:
            noise.write(list(row))
        noise.close()
        self.files = [
            self.injections,
            self.allocations,
            self.payment_pairs,
            self.document_pairs,
            parties,
            items,
            accounts,
            noise,
        ]

    def master_injections(self, master: MasterData) -> None:
        """Party, item and inventory injections (written before the injection file closes)."""
        for kind, obj, detail in master.injected_parties:
            if isinstance(obj, Item):
                total = sum(obj.wh_qty.values(), ZERO)
                amount = obj.src_qty - total if kind == "inventory_quantity_mismatch" else None
                self.injection(
                    kind,
                    "sage100",
                    "item",
                    obj.code,
                    obj.sage_code,
                    "",
                    "",
                    -amount if amount is not None else None,
                    "",
                    "",
                    detail,
                )
                continue
            assert isinstance(obj, Party)
            p = obj
            if kind == "duplicate_party":
                if detail == "sage100":
                    self.injection(
                        kind,
                        "sage100",
                        p.kind,
                        p.code,
                        p.sage_dup_no or "",
                        p.code,
                        f"{p.sage_div}-{p.sage_dup_no}",
                        None,
                        "",
                        "",
                        f"Sage 100 holds {p.sage_div}-{p.sage_no} and {p.sage_div}-{p.sage_dup_no} "
                        f"({p.sage_dup_name}) for {p.name}",
                    )
                else:
                    primary = p.primary
                    self.injection(
                        kind,
                        self.ledger,
                        p.kind,
                        p.code,
                        primary.sage_no,
                        primary.code,
                        f"{primary.sage_div}-{primary.sage_no}",
                        None,
                        "",
                        "",
                        f"source contact {p.code} '{p.name}' duplicates {primary.code} '{primary.name}'",
                    )
            else:
                self.injection(
                    kind,
                    "sage100",
                    p.kind,
                    p.code,
                    p.sage_no,
                    p.code,
                    f"{p.sage_div}-{p.sage_no}",
                    None,
                    "",
                    "",
                    detail,
                )

"""Proposals as writeback sees them: journals from ``journals.proposals`` / ``journals.proposal_lines``
and master-data deltas from ``recon.master_data_deltas`` (see docs/writeback.md for the columns read).

A :class:`Proposal` is immutable; its ``key`` (``proposal_id:content_hash``) is the idempotency key of its
posting. ``to_payload`` / ``from_payload`` turn it into the JSON snapshot kept in the outbox, so what
posts is exactly what was approved even if the marts are rebuilt meanwhile.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from writeback.money import ZERO, cents
from writeback.warehouse import columns_of, table_exists

TARGETS = ("sage100", "xero")
RECEIPT_KINDS = frozenset({"cash_receipt", "payment", "customer_payment", "receipt"})
CUSTOMER_KINDS = frozenset({"new_customer", "customer"})
VENDOR_KINDS = frozenset({"new_vendor", "vendor", "supplier", "new_supplier"})


class ProposalError(ValueError):
    """A proposal (or the table it comes from) is not usable; the message says which and why."""


@dataclass(frozen=True)
class Line:
    """One journal line: a debit or a credit on ``account`` in ``currency``."""

    account: str
    debit: Decimal
    credit: Decimal
    currency: str
    description: str = ""
    party: str | None = None  # Sage 100: ``ARDivisionNo-CustomerNo``; Xero: contact name or id
    document_number: str | None = None  # the invoice a receipt line pays
    reference: str | None = None  # check number / payment reference
    base_debit: Decimal | None = None  # the line in the base currency (None: debit/credit already are)
    base_credit: Decimal | None = None
    base_currency: str | None = None

    @property
    def signed(self) -> Decimal:
        """Debit positive, credit negative."""
        return self.debit - self.credit

    @property
    def has_base(self) -> bool:
        return self.base_debit is not None and self.base_credit is not None and bool(self.base_currency)

    def in_base(self) -> tuple[Decimal, Decimal, str]:
        """(debit, credit, currency) in the base currency: the base amounts when the line carries them,
        else its own amounts (a line without base amounts is taken to be in base currency)."""
        if self.has_base:
            return self.base_debit, self.base_credit, self.base_currency  # type: ignore[return-value]
        return self.debit, self.credit, self.currency

    @property
    def signed_base(self) -> Decimal:
        debit, credit, _ = self.in_base()
        return debit - credit


@dataclass(frozen=True)
class Proposal:
    """A journal (or master-data record) to post to one target."""

    proposal_id: str
    content_hash: str
    target: str
    kind: str
    period: str | None = None
    posting_date: date | None = None
    description: str = ""
    lines: tuple[Line, ...] = ()
    party: dict[str, str] = field(default_factory=dict)  # master data: name, address, ...
    amount_base: Decimal | None = None
    flagged: bool = False  # the marts flagged it above the approval threshold
    prepared_by: str | None = None

    @property
    def key(self) -> str:
        """The idempotency key of this version's posting: ``proposal_id:content_hash``."""
        return f"{self.proposal_id}:{self.content_hash}"

    @property
    def posting_kind(self) -> str:
        """How it posts: ``journal``, ``receipt``, ``customer`` or ``vendor``."""
        kind = self.kind.lower()
        if kind in CUSTOMER_KINDS:
            return "customer"
        if kind in VENDOR_KINDS:
            return "vendor"
        if kind in RECEIPT_KINDS:
            return "receipt"
        return "journal"

    @property
    def is_master_data(self) -> bool:
        return self.posting_kind in ("customer", "vendor")

    def totals(self) -> dict[str, tuple[Decimal, Decimal]]:
        """(debits, credits) per currency."""
        out: dict[str, tuple[Decimal, Decimal]] = {}
        for line in self.lines:
            debit, credit = out.get(line.currency, (ZERO, ZERO))
            out[line.currency] = (debit + line.debit, credit + line.credit)
        return out

    def base_totals(self) -> dict[str, tuple[Decimal, Decimal]]:
        """(debits, credits) per base currency, of the lines that carry base amounts."""
        out: dict[str, tuple[Decimal, Decimal]] = {}
        for line in self.lines:
            if line.has_base:
                debit, credit, currency = line.in_base()
                before = out.get(currency, (ZERO, ZERO))
                out[currency] = (before[0] + debit, before[1] + credit)
        return out

    @property
    def amount(self) -> Decimal:
        """The size used against the approval threshold: ``amount_base`` if given, else total debits in
        base currency."""
        if self.amount_base is not None:
            return self.amount_base
        return sum((line.in_base()[0] for line in self.lines), ZERO)

    @property
    def currency(self) -> str:
        currencies = sorted({line.currency for line in self.lines})
        return currencies[0] if len(currencies) == 1 else (self.party.get("currency") or "")

    def to_payload(self) -> dict[str, Any]:
        return {
            "proposal_id": self.proposal_id,
            "content_hash": self.content_hash,
            "target": self.target,
            "kind": self.kind,
            "period": self.period,
            "posting_date": self.posting_date.isoformat() if self.posting_date else None,
            "description": self.description,
            "lines": [
                {
                    "account": ln.account,
                    "debit": f"{ln.debit:.2f}",
                    "credit": f"{ln.credit:.2f}",
                    "currency": ln.currency,
                    "description": ln.description,
                    "party": ln.party,
                    "document_number": ln.document_number,
                    "reference": ln.reference,
                    **(
                        {
                            "base_debit": f"{ln.base_debit:.2f}",
                            "base_credit": f"{ln.base_credit:.2f}",
                            "base_currency": ln.base_currency,
                        }
                        if ln.has_base
                        else {}
                    ),
                }
                for ln in self.lines
            ],
            "party": dict(self.party),
            "amount_base": f"{self.amount_base:.2f}" if self.amount_base is not None else None,
            "flagged": self.flagged,
            "prepared_by": self.prepared_by,
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any] | str) -> Proposal:
        if isinstance(data, str):
            data = json.loads(data)
        return cls(
            proposal_id=data["proposal_id"],
            content_hash=data["content_hash"],
            target=data["target"],
            kind=data["kind"],
            period=data.get("period"),
            posting_date=date.fromisoformat(data["posting_date"]) if data.get("posting_date") else None,
            description=data.get("description") or "",
            lines=tuple(
                Line(
                    account=ln["account"],
                    debit=cents(ln["debit"]),
                    credit=cents(ln["credit"]),
                    currency=ln["currency"],
                    description=ln.get("description") or "",
                    party=ln.get("party"),
                    document_number=ln.get("document_number"),
                    reference=ln.get("reference"),
                    base_debit=cents(ln["base_debit"]) if ln.get("base_debit") is not None else None,
                    base_credit=cents(ln["base_credit"]) if ln.get("base_credit") is not None else None,
                    base_currency=ln.get("base_currency"),
                )
                for ln in data.get("lines") or []
            ),
            party=dict(data.get("party") or {}),
            amount_base=cents(data["amount_base"]) if data.get("amount_base") is not None else None,
            flagged=bool(data.get("flagged")),
            prepared_by=data.get("prepared_by"),
        )


# -- reading the marts ------------------------------------------------------------------------------


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _opt(value: Any) -> str | None:
    text = _text(value)
    return text or None


def _as_date(value: Any, where: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ProposalError(f"{where}: posting_date {value!r} is not a date (YYYY-MM-DD)") from None


def _first(row: dict[str, Any], *names: str) -> Any:
    for name in names:
        if name in row and row[name] is not None:
            return row[name]
    return None


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "t", "yes", "y", "1")
    return bool(value)


def _check_target(target: str, where: str) -> str:
    target = target.lower()
    if target not in TARGETS:
        raise ProposalError(f"{where}: target must be sage100 or xero, not {target!r}")
    return target


def load_journal_proposals(con: duckdb.DuckDBPyConnection) -> list[Proposal]:
    """Every proposal of ``journals.proposals`` with its lines (none if the mart is not built yet)."""
    if not table_exists(con, "journals", "proposals"):
        return []
    if not table_exists(con, "journals", "proposal_lines"):
        raise ProposalError(
            "journals.proposals exists but journals.proposal_lines does not; run `tieout build`"
        )
    line_columns = columns_of(con, "journals", "proposal_lines")
    order = next((c for c in ("line_number", "line_no", "line_id") if c in line_columns), None)
    lines: dict[str, list[Line]] = {}
    for row in _rows(
        con, "select * from journals.proposal_lines order by proposal_id" + (f", {order}" if order else "")
    ):
        pid = _text(row["proposal_id"])
        where = f"journals.proposal_lines of {pid}"
        try:
            debit, credit = cents(row.get("debit")), cents(row.get("credit"))
            base_debit = cents(row["base_debit"]) if row.get("base_debit") is not None else None
            base_credit = cents(row["base_credit"]) if row.get("base_credit") is not None else None
        except ValueError as exc:
            raise ProposalError(f"{where}: {exc}") from None
        lines.setdefault(pid, []).append(
            Line(
                account=_text(row.get("account")),
                debit=debit,
                credit=credit,
                currency=_text(row.get("currency")).upper(),
                description=_text(row.get("description")),
                party=_opt(_first(row, "party", "party_code", "customer_no")),
                document_number=_opt(_first(row, "document_number", "invoice_no")),
                reference=_opt(_first(row, "reference", "check_no")),
                base_debit=base_debit,
                base_credit=base_credit,
                base_currency=_opt(row.get("base_currency")),
            )
        )
    out = []
    for row in _rows(con, "select * from journals.proposals order by proposal_id"):
        pid = _text(row["proposal_id"])
        where = f"journals.proposals {pid}"
        amount = _first(row, "amount_base", "total_debit", "amount")
        out.append(
            Proposal(
                proposal_id=pid,
                content_hash=_text(row["content_hash"]),
                target=_check_target(_text(row["target"]), where),
                kind=_text(row.get("kind")) or "journal",
                period=_opt(row.get("period")),
                posting_date=_as_date(row.get("posting_date"), where),
                description=_text(_first(row, "description", "narration", "memo")),
                lines=tuple(lines.get(pid, [])),
                amount_base=cents(amount) if amount is not None else None,
                flagged=_bool(_first(row, "requires_second_approval", "needs_second_approval", "flagged")),
                prepared_by=_opt(row.get("prepared_by")),
            )
        )
    return out


def master_data_hash(fields: dict[str, Any]) -> str:
    """Content hash of a master-data proposal: changes whenever a field that would post changes."""
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


PARTY_FIELDS = {
    "party_name": "name",
    "address_line1": "address_line1",
    "address_line2": "address_line2",
    "city": "city",
    "region": "state",
    "postal_code": "zip_code",
    "country": "country_code",
    "email": "email",
    "phone": "phone",
    "currency_code": "currency",
    "tax_id": "tax_id",
}
"""core.parties column -> master-data field of a proposal."""

CODE_LENGTH = {"customer": 20, "vendor": 7}
"""Sage 100's CustomerNo and VendorNo lengths."""

DELTA_COLUMNS = ("delta_id", "system", "entity", "source_code", "delta_type", "source_value")


def _plain(text: str) -> str:
    """Upper-case letters and digits only, accents dropped (``Bäckerei Öz`` -> ``BACKEREIOZ``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Z0-9]", "", ascii_text.upper())


def sage_party_code(entity: str, source_code: str | None, name: str, seed: str) -> str:
    """The Sage 100 customer/vendor number for a ledger party: its own code (upper case, letters and digits)
    when that fits, else one derived from the name (customers) or a hash (vendors, zero-filled digits)."""
    limit = CODE_LENGTH[entity]
    code = _plain(source_code or "")
    if code and len(code) <= limit:
        return code
    digits = f"{int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 10**6:06d}"
    if entity == "vendor":
        return "9" + digits
    letters = _plain(name)[: limit - len(digits)]
    return (letters or "C") + digits


def load_master_data_deltas(con: duckdb.DuckDBPyConnection) -> list[Proposal]:
    """Parties one side lacks, as proposals to create them there (``recon.master_data_deltas``, with the
    details of the ``core.parties`` row):

    * ledger customers and vendors missing in Sage 100 (``missing_in_sage100``) -> new ``AR_Customer`` /
      ``AP_Vendor`` in Sage 100;
    * Sage 100 customers and vendors missing in the ledger (``missing_in_source``) -> new Xero contacts,
      when the ledger is Xero (KashFlow has no writeback target).

    A party that is one side of a ``duplicate`` delta is left out: people merge or tell the two apart
    first. Other deltas (field differences, items) are for people to fix."""
    if not table_exists(con, "recon", "master_data_deltas"):
        return []
    delta_columns = set(columns_of(con, "recon", "master_data_deltas"))
    missing = [c for c in DELTA_COLUMNS if c not in delta_columns]
    if missing:
        raise ProposalError(
            f"recon.master_data_deltas lacks {', '.join(missing)}; rebuild it (`tieout build`) or see "
            "docs/writeback.md for the columns writeback reads"
        )
    sage_code = "d.sage100_code" if "sage100_code" in delta_columns else "null"
    x_sage = "x.sage100_code" if "sage100_code" in delta_columns else "null"
    x_other = "x.other_code" if "other_code" in delta_columns else "null"
    xero_ledger = False
    if table_exists(con, "core", "parties"):
        party_columns = set(columns_of(con, "core", "parties"))
        detail_columns = ", ".join(f"p.{c}" if c in party_columns else f"null as {c}" for c in PARTY_FIELDS)
        sage_key = "native_id" if "native_id" in party_columns else "party_code"
        join = (
            "left join (select * from core.parties qualify row_number() over "
            f"(partition by system, party_role, party_code, {sage_key} order by party_name) = 1) p "
            "on p.system = d.system and p.party_role = d.entity and case when d.system = 'sage100' "
            f"then p.{sage_key} = {sage_code} else p.party_code = d.source_code end"
        )
        duplicate_code = "p.party_code"
        found = con.execute("select count(*) from core.parties where system = 'xero'").fetchone()
        xero_ledger = bool(found and found[0])
    else:
        detail_columns = ", ".join(f"null as {c}" for c in PARTY_FIELDS)
        join = ""
        duplicate_code = "coalesce(d.source_code, " + sage_code + ")"
    directions = ["(d.delta_type = 'missing_in_sage100' and d.system <> 'sage100')"]
    if xero_ledger:
        directions.append("(d.delta_type = 'missing_in_source' and d.system = 'sage100')")
    rows = _rows(
        con,
        f"select d.delta_id, d.system, d.entity, d.source_code, {sage_code} as sage100_code, d.source_value, "
        f"{detail_columns} from recon.master_data_deltas d {join} "
        f"where ({' or '.join(directions)}) and d.entity in ('customer', 'vendor') "
        "and not exists (select 1 from recon.master_data_deltas x where x.delta_type = 'duplicate' "
        f"and x.system = d.system and x.entity = d.entity and {duplicate_code} is not null "
        f"and {duplicate_code} in (coalesce(x.source_code, {x_sage}), {x_other})) "
        "order by d.delta_id",
    )
    out = []
    for row in rows:
        entity = str(row["entity"])
        party = {field: _text(row.get(column)) for column, field in PARTY_FIELDS.items()}
        party["name"] = party["name"] or _text(row.get("source_value"))
        party["source_system"] = _text(row["system"])
        if row["system"] == "sage100":
            target = "xero"
            # the contact carries the Sage 100 key (ARDivisionNo-CustomerNo) as its ContactNumber
            party["party_code"] = _text(row.get("sage100_code"))
            party["source_code"] = party["party_code"]
        else:
            target = "sage100"
            seed = f"{row['system']}|{entity}|{_text(row.get('source_code')) or party['name']}"
            party["party_code"] = sage_party_code(entity, _opt(row.get("source_code")), party["name"], seed)
            party["source_code"] = _text(row.get("source_code"))
        party = {k: v for k, v in party.items() if v}
        kind = "new_customer" if entity == "customer" else "new_vendor"
        out.append(
            Proposal(
                proposal_id=_text(row["delta_id"]),
                content_hash=master_data_hash({"target": target, "kind": kind, **party}),
                target=target,
                kind=kind,
                description=f"new {entity} {party.get('name', party['party_code'])} "
                f"from {party['source_system']}",
                party=party,
            )
        )
    return out


def load_proposals(con: duckdb.DuckDBPyConnection, target: str | None = None) -> dict[str, Proposal]:
    """All current proposals (journals and master data) by proposal_id, optionally for one target."""
    found: dict[str, Proposal] = {}
    for proposal in [*load_journal_proposals(con), *load_master_data_deltas(con)]:
        if proposal.proposal_id in found:
            raise ProposalError(
                f"proposal_id {proposal.proposal_id} appears twice; proposal ids must be unique "
                "across journals.proposals and recon.master_data_deltas"
            )
        if target is None or proposal.target == target:
            found[proposal.proposal_id] = proposal
    return found

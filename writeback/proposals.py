"""Proposals as writeback sees them: journals from ``journals.proposals`` / ``journals.proposal_lines``
and master-data deltas from ``recon.master_data_deltas`` (see docs/writeback.md for the columns read).

A :class:`Proposal` is immutable; its ``key`` (``proposal_id:content_hash``) is the idempotency key of its
posting. ``to_payload`` / ``from_payload`` turn it into the JSON snapshot kept in the outbox, so what
posts is exactly what was approved even if the marts are rebuilt meanwhile.
"""

from __future__ import annotations

import hashlib
import json
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
MASTER_FIELDS = (
    "party_code",
    "name",
    "address_line1",
    "address_line2",
    "address_line3",
    "city",
    "state",
    "zip_code",
    "country_code",
    "email",
    "phone",
    "currency",
    "terms_code",
    "tax_id",
    "source_system",
    "source_native_id",
)


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

    @property
    def signed(self) -> Decimal:
        """Debit positive, credit negative."""
        return self.debit - self.credit


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

    @property
    def amount(self) -> Decimal:
        """The size used against the approval threshold: ``amount_base`` if given, else total debits."""
        if self.amount_base is not None:
            return self.amount_base
        return sum((line.debit for line in self.lines), ZERO)

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
            )
        )
    out = []
    for row in _rows(con, "select * from journals.proposals order by proposal_id"):
        pid = _text(row["proposal_id"])
        where = f"journals.proposals {pid}"
        amount = _first(row, "amount_base", "amount")
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
                flagged=_bool(_first(row, "needs_second_approval", "above_threshold", "flagged")),
                prepared_by=_opt(row.get("prepared_by")),
            )
        )
    return out


def master_data_hash(fields: dict[str, Any]) -> str:
    """Content hash of a master-data delta when the mart does not provide one."""
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def load_master_data_deltas(con: duckdb.DuckDBPyConnection) -> list[Proposal]:
    """Customers and vendors missing in a target (``recon.master_data_deltas``), as proposals."""
    if not table_exists(con, "recon", "master_data_deltas"):
        return []
    out = []
    for row in _rows(con, "select * from recon.master_data_deltas"):
        pid = _text(_first(row, "proposal_id", "delta_id"))
        if not pid:
            raise ProposalError("recon.master_data_deltas: a row has no proposal_id (or delta_id)")
        where = f"recon.master_data_deltas {pid}"
        kind = _text(_first(row, "kind", "party_type")).lower()
        if kind in ("customer", "vendor", "supplier"):
            kind = "new_vendor" if kind in ("vendor", "supplier") else "new_customer"
        if kind not in CUSTOMER_KINDS | VENDOR_KINDS:
            raise ProposalError(f"{where}: kind/party_type must be customer or vendor, not {kind!r}")
        party = {name: _text(row.get(name)) for name in MASTER_FIELDS if _text(row.get(name))}
        if "party_code" not in party or "name" not in party:
            raise ProposalError(f"{where}: party_code and name are required")
        target = _check_target(_text(row.get("target")), where)
        content_hash = _text(row.get("content_hash")) or master_data_hash(
            {"target": target, "kind": kind, **party}
        )
        out.append(
            Proposal(
                proposal_id=pid,
                content_hash=content_hash,
                target=target,
                kind=kind,
                description=f"new {'customer' if kind in CUSTOMER_KINDS else 'vendor'} {party['name']}",
                party=party,
                prepared_by=_opt(row.get("prepared_by")),
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

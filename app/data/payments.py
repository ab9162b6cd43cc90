"""The Payment matching page's data: auto allocations with rule and evidence, suggestions waiting for a
person (with the decisions already taken on them), and the queue of payments nothing was matched to."""

from __future__ import annotations

from typing import Any

import pandas as pd

from app.data.warehouse import Reader

MATCH_COLUMNS = (
    "match_id",
    "payment_system",
    "payment_ref",
    "payment_date",
    "party",
    "payment_amount",
    "open_item_system",
    "document_number",
    "allocated_amount",
    "currency",
    "rule",
    "confidence",
    "evidence",
    "writeoff_amount",
)
UNMATCHED_TYPES = (
    "unapplied_payment",
    "payment_missing_in_sage100",
    "payment_missing_in_source",
    "orphan_reference",
    "payment_amount_mismatch",
)
"""Exception types a payment can have; a warehouse built before recon.exceptions had its ``subject``
column lists these (two of them are also raised for documents there)."""


def available(reader: Reader) -> bool:
    return "recon.payment_matches" in reader.tables()


def _columns(reader: Reader) -> str:
    present = set(reader.columns("recon.payment_matches"))
    return ", ".join(f"m.{c}" for c in MATCH_COLUMNS if c in present)


def _decisions_join(reader: Reader) -> tuple[str, str]:
    if "ops.match_decisions" not in reader.tables():
        return "", "null::varchar as decided, null::varchar as decided_by"
    join = (
        "left join (select payment_system, payment_ref, document_number, decision, who "
        "from ops.match_decisions "
        "qualify row_number() over (partition by payment_system, payment_ref, document_number "
        'order by "when" desc, decision_id desc) = 1) d '
        "on d.payment_system = m.payment_system and d.payment_ref = m.payment_ref "
        "and d.document_number is not distinct from m.document_number"
    )
    return join, "d.decision as decided, d.who as decided_by"


def summary(reader: Reader) -> pd.DataFrame:
    """Allocations and amounts per decision and rule."""
    return reader.df(
        "select decision, rule, count(*) as allocations, sum(allocated_amount) as amount, "
        "round(avg(confidence), 3) as avg_confidence from recon.payment_matches group by all "
        "order by decision, allocations desc"
    )


def matches(
    reader: Reader,
    decision: str,
    search: str,
    rules: tuple[str, ...],
    page_no: int,
    page_size: int,
    pending_only: bool = False,
) -> tuple[pd.DataFrame, int]:
    """A page of ``auto`` or ``suggested`` allocations (with any decision a person took on them)."""
    join, decided = _decisions_join(reader)
    clauses, params = ["m.decision = ?"], [decision]
    if search.strip():
        clauses.append(
            "(m.payment_ref ilike ? or m.document_number ilike ? or m.party ilike ? or m.evidence ilike ?)"
        )
        params += [f"%{search.strip()}%"] * 4
    if rules:
        clauses.append(f"m.rule in ({', '.join('?' for _ in rules)})")
        params += list(rules)
    sql = (
        f"select {_columns(reader)}, {decided} from recon.payment_matches m {join} "
        f"where {' and '.join(clauses)}"
    )
    if pending_only:
        sql = f"select * from ({sql}) where decided is null"
    total = reader.scalar(f"select count(*) from ({sql})", params) or 0
    frame = reader.df(
        f"select * from ({sql}) order by confidence desc, payment_date desc, payment_ref, document_number "
        "limit ? offset ?",
        [*params, page_size, max(page_no, 0) * page_size],
    )
    return frame, int(total)


def rules(reader: Reader) -> list[str]:
    return [r[0] for r in reader.rows("select distinct rule from recon.payment_matches order by 1")]


def get_match(reader: Reader, match_id: str) -> dict[str, Any] | None:
    frame = reader.df(
        f"select {_columns(reader)} from recon.payment_matches m where m.match_id = ?", [match_id]
    )
    return frame.iloc[0].to_dict() if len(frame) else None


def unmatched(reader: Reader, page_no: int, page_size: int) -> tuple[pd.DataFrame, int]:
    """Payments with nothing (or not everything) matched: the payment exceptions, largest first."""
    if "recon.exceptions" not in reader.tables():
        return pd.DataFrame(), 0
    if "subject" in reader.columns("recon.exceptions"):
        where, params = "subject = 'payment'", []
    else:
        params = list(UNMATCHED_TYPES)
        where = f"exception_type in ({', '.join('?' for _ in params)})"
    sql = (
        "select exception_id, exception_type, system, document_number as payment_ref, "
        "related_document_number, "
        f"party, amount, currency, period, details from recon.exceptions where {where}"
    )
    total = reader.scalar(f"select count(*) from ({sql})", params) or 0
    frame = reader.df(
        f"{sql} order by abs(coalesce(amount, 0)) desc, exception_id limit ? offset ?",
        [*params, page_size, max(page_no, 0) * page_size],
    )
    return frame, int(total)

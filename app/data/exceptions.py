"""The Exceptions page's data: filtered, paged lists of ``recon.exceptions`` with their review state, and
one exception's source record beside its Sage 100 record with the fields that differ."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from app.data.overview import area_case
from app.data.warehouse import Reader

SEVERITIES = ("high", "medium", "low")
REVIEW_STATES = ("unexplained", "explained", "reconciling item")


@dataclass(frozen=True)
class ExceptionFilter:
    """What the list shows; every field narrows it (empty: no narrowing)."""

    period: str | None = None
    types: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    min_amount: float | None = None
    max_amount: float | None = None
    party: str = ""
    min_age_days: int | None = None
    review: tuple[str, ...] = ()
    search: str = ""


def _ops(reader: Reader) -> set[str]:
    return {t for t in reader.tables() if t.startswith("ops.")}


def base_sql(reader: Reader) -> str:
    """``recon.exceptions`` with ``area``, ``age_days``, ``notes``, ``last_note`` and ``review`` columns."""
    ops = _ops(reader)
    tables = reader.tables()
    as_of = (
        "(select max(as_of_date) from recon.open_items)" if "recon.open_items" in tables else "current_date"
    )
    notes = (
        'left join (select exception_id, count(*) as notes, arg_max(note, "when") as last_note '
        "from ops.exception_notes group by 1) n using (exception_id)"
        if "ops.exception_notes" in ops
        else "left join (select null::varchar as exception_id, 0 as notes, null::varchar as last_note) n "
        "using (exception_id)"
    )
    items = (
        "left join (select exception_id, action = 'mark' as is_item, explanation as item_explanation, "
        "period as item_period, who as item_by from ops.reconciling_items "
        'qualify row_number() over (partition by exception_id order by "when" desc, event_id desc) = 1'
        ") r using (exception_id)"
        if "ops.reconciling_items" in ops
        else "left join (select null::varchar as exception_id, false as is_item, null::varchar as "
        "item_explanation, null::varchar as item_period, null::varchar as item_by) r using (exception_id)"
    )
    return f"""
        select e.*, {area_case("e.exception_type")} as area,
            case when e.period is null then null
                 else greatest(date_diff('day', last_day(cast(e.period || '-01' as date)), {as_of}), 0)
            end as age_days,
            coalesce(n.notes, 0) as notes, n.last_note,
            coalesce(r.is_item, false) as is_reconciling_item, r.item_explanation, r.item_period, r.item_by,
            case when coalesce(r.is_item, false) then 'reconciling item'
                 when coalesce(n.notes, 0) > 0 then 'explained' else 'unexplained' end as review
        from recon.exceptions e {notes} {items}
    """


def _where(f: ExceptionFilter) -> tuple[str, list[Any]]:
    clauses, params = ["true"], []
    if f.period:
        # a reconciling item carries forward: it shows in every later period until it clears
        clauses.append(
            "(period = ? or (is_reconciling_item and item_period is not null and item_period <= ?))"
        )
        params += [f.period, f.period]
    if f.types:
        clauses.append(f"exception_type in ({', '.join('?' for _ in f.types)})")
        params += list(f.types)
    if f.severities:
        clauses.append(f"severity in ({', '.join('?' for _ in f.severities)})")
        params += list(f.severities)
    if f.min_amount is not None:
        clauses.append("abs(coalesce(amount, 0)) >= ?")
        params.append(f.min_amount)
    if f.max_amount is not None:
        clauses.append("abs(coalesce(amount, 0)) <= ?")
        params.append(f.max_amount)
    if f.party.strip():
        clauses.append("party ilike ?")
        params.append(f"%{f.party.strip()}%")
    if f.min_age_days is not None:
        clauses.append("age_days >= ?")
        params.append(f.min_age_days)
    if f.review:
        clauses.append(f"review in ({', '.join('?' for _ in f.review)})")
        params += list(f.review)
    if f.search.strip():
        clauses.append("(document_number ilike ? or details ilike ? or related_document_number ilike ?)")
        params += [f"%{f.search.strip()}%"] * 3
    return " and ".join(clauses), params


LIST_COLUMNS = (
    "exception_type, severity, document_number, related_document_number, party, amount, currency, period, "
    "age_days, review, system, details, exception_id"
)


def available(reader: Reader) -> bool:
    return "recon.exceptions" in reader.tables()


def options(reader: Reader) -> dict[str, list[str]]:
    """Values the filters offer."""
    types = [r[0] for r in reader.rows("select distinct exception_type from recon.exceptions order by 1")]
    return {"types": types, "severities": list(SEVERITIES), "review": list(REVIEW_STATES)}


def page(reader: Reader, f: ExceptionFilter, page_no: int, page_size: int) -> tuple[pd.DataFrame, int]:
    """One page of the filtered list (largest amounts first) and the total number of matching rows."""
    where, params = _where(f)
    sql = f"select * from ({base_sql(reader)}) where {where}"
    total = reader.scalar(f"select count(*) from ({sql})", params) or 0
    frame = reader.df(
        f"select {LIST_COLUMNS} from ({sql}) order by abs(coalesce(amount, 0)) desc, exception_id "
        "limit ? offset ?",
        [*params, page_size, max(page_no, 0) * page_size],
    )
    return frame, int(total)


def export_frame(reader: Reader, f: ExceptionFilter, limit: int = 200_000) -> pd.DataFrame:
    """Every row of the filtered list (up to ``limit``) for CSV / Excel."""
    where, params = _where(f)
    return reader.df(
        f"select {LIST_COLUMNS}, last_note, item_explanation from ({base_sql(reader)}) where {where} "
        "order by abs(coalesce(amount, 0)) desc, exception_id limit ?",
        [*params, limit],
    )


def get(reader: Reader, exception_id: str) -> dict[str, Any] | None:
    frame = reader.df(f"select * from ({base_sql(reader)}) where exception_id = ?", [exception_id])
    return clean(frame.iloc[0].to_dict()) if len(frame) else None


def clean(row: dict[str, Any]) -> dict[str, Any]:
    """A DataFrame row with pandas' missing values (NaN, NaT, NA) as None."""
    return {k: (None if _missing(v) else v) for k, v in row.items()}


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value)) if not isinstance(value, list | tuple | dict) else False
    except (TypeError, ValueError):
        return False


def notes(reader: Reader, exception_id: str) -> pd.DataFrame:
    if "ops.exception_notes" not in _ops(reader):
        return pd.DataFrame(columns=["when", "who", "role", "note"])
    return reader.df(
        'select "when", who, role, note from ops.exception_notes where exception_id = ? order by "when"',
        [exception_id],
    )


# -- side by side -------------------------------------------------------------------------------------

DOCUMENT_FIELDS = (
    "system",
    "document_type",
    "document_number",
    "reference",
    "party_name",
    "issue_date",
    "due_date",
    "posting_date",
    "period",
    "status_normalized",
    "currency_code",
    "subtotal_amount",
    "tax_amount",
    "total_amount",
    "amount_due",
)
PAYMENT_FIELDS = (
    "system",
    "payment_type",
    "native_id",
    "payment_reference",
    "reference",
    "payment_date",
    "period",
    "document_number",
    "amount",
    "currency_code",
    "base_amount",
    "status_normalized",
)
PARTY_FIELDS = (
    "system",
    "party_role",
    "party_code",
    "party_name",
    "email",
    "phone",
    "address_line1",
    "city",
    "region",
    "postal_code",
    "country",
    "tax_id",
    "currency_code",
    "status_normalized",
)
ITEM_FIELDS = (
    "system",
    "item_code",
    "item_name",
    "item_type",
    "unit_price",
    "unit_cost",
    "quantity_on_hand",
    "is_active",
)


@dataclass
class SideBySide:
    """The records behind an exception: ``left`` (the ledger, or the first) and ``right`` (Sage 100)."""

    kind: str  # document | payment | party | item | none
    left: dict[str, Any] | None = None
    right: dict[str, Any] | None = None
    left_label: str = "source"
    right_label: str = "Sage 100"
    comparison: pd.DataFrame = field(default_factory=pd.DataFrame)
    extra: pd.DataFrame | None = None  # journal lines / trial balance rows when records do not apply

    @property
    def differing(self) -> list[str]:
        if self.comparison.empty:
            return []
        return list(self.comparison.loc[self.comparison["differs"], "field"])


def _records(
    reader: Reader, table: str, fields: tuple[str, ...], where: str, params: list[Any]
) -> list[dict[str, Any]]:
    present = set(reader.columns(table))
    cols = ", ".join(c for c in fields if c in present)
    frame = reader.df(f"select {cols} from {table} where {where} limit 4", params)
    return [clean(row.to_dict()) for _, row in frame.iterrows()]


def _pair(records: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    ledger = [r for r in records if r.get("system") != "sage100"]
    sage = [r for r in records if r.get("system") == "sage100"]
    if ledger and sage:
        return ledger[0], sage[0]
    same = ledger or sage
    return (same[0] if same else None), (same[1] if len(same) > 1 else None)


def _compare(
    left: dict[str, Any] | None, right: dict[str, Any] | None, fields: tuple[str, ...]
) -> pd.DataFrame:
    rows = []
    for name in fields:
        if (left is None or name not in left) and (right is None or name not in right):
            continue
        a = None if left is None else left.get(name)
        b = None if right is None else right.get(name)
        differs = name != "system" and left is not None and right is not None and _norm(a) != _norm(b)
        rows.append({"field": name, "left": _show(a), "right": _show(b), "differs": differs})
    return pd.DataFrame(rows, columns=["field", "left", "right", "differs"])


def _norm(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip().lower()


def _show(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def side_by_side(reader: Reader, exc: dict[str, Any]) -> SideBySide:
    """Find the records an exception is about and compare them field by field."""
    tables = reader.tables()
    parts = [p for p in str(exc.get("natural_key") or "").split("|") if p]
    numbers = [n for n in (exc.get("document_number"), exc.get("related_document_number")) if n]
    etype = str(exc.get("exception_type"))
    found: list[dict[str, Any]] = []
    kind, fields = "none", DOCUMENT_FIELDS
    if parts and "core.documents" in tables:
        found = _records(
            reader,
            "core.documents",
            DOCUMENT_FIELDS + ("document_key",),
            f"document_key in ({', '.join('?' for _ in parts)})",
            parts,
        )
        found.sort(key=lambda r: parts.index(r["document_key"]) if r.get("document_key") in parts else 9)
        kind = "document" if found else kind
    if (
        not found
        and etype in ("master_data_mismatch", "duplicate_party", "inventory_quantity_mismatch")
        and ("recon.master_data_deltas" in tables)
    ):
        delta = reader.df(
            "select * from recon.master_data_deltas where delta_id = ?", [exc.get("natural_key")]
        )
        if len(delta):
            d = clean(delta.iloc[0].to_dict())
            codes = [c for c in (d.get("source_code"), d.get("sage100_code")) if c]
            if d.get("entity") == "item":
                kind, fields = "item", ITEM_FIELDS
                found = _records(
                    reader,
                    "core.items",
                    ITEM_FIELDS,
                    f"item_code in ({', '.join('?' for _ in codes)})",
                    codes,
                )
            else:
                kind, fields = "party", PARTY_FIELDS
                found = _records(
                    reader,
                    "core.parties",
                    PARTY_FIELDS,
                    f"(party_code in ({', '.join('?' for _ in codes)}) or native_id in "
                    f"({', '.join('?' for _ in codes)}) or division_no || '-' || party_code in "
                    f"({', '.join('?' for _ in codes)}))",
                    codes * 3,
                )
                if d.get("delta_type") != "duplicate":
                    found = [r for r in found if r.get("system") == "sage100" or r.get("party_code") in codes]
    if (
        not found
        and numbers
        and "core.payments" in tables
        and (etype.startswith("payment") or etype in ("unapplied_payment", "orphan_reference"))
    ):
        kind, fields = "payment", PAYMENT_FIELDS
        marks = ", ".join("?" for _ in numbers)
        found = _records(
            reader,
            "core.payments",
            PAYMENT_FIELDS,
            f"(native_id in ({marks}) or payment_reference in ({marks}) or payment_group_ref in ({marks}))",
            numbers * 3,
        )
    if not found and numbers and "core.documents" in tables and kind == "none":
        marks = ", ".join("?" for _ in numbers)
        found = _records(reader, "core.documents", DOCUMENT_FIELDS, f"document_number in ({marks})", numbers)
        kind = "document" if found else kind
    left, right = _pair(found)
    result = SideBySide(kind if found else "none", left, right)
    if left is not None:
        result.left_label = (
            f"{left.get('system')} {left.get('document_number') or left.get('native_id') or ''}"
        )
    if right is not None:
        result.right_label = (
            f"{right.get('system')} {right.get('document_number') or right.get('native_id') or ''}"
        )
    result.comparison = _compare(left, right, fields)
    if etype in ("unbalanced_journal", "trial_balance_difference"):
        result.extra = _gl_context(reader, exc)
    return result


def _gl_context(reader: Reader, exc: dict[str, Any]) -> pd.DataFrame | None:
    tables = reader.tables()
    if exc.get("exception_type") == "trial_balance_difference" and "recon.trial_balance_comparison" in tables:
        return reader.df(
            "select * from recon.trial_balance_comparison where period = ? and account = ?",
            [exc.get("period"), exc.get("document_number")],
        )
    if "core.gl_entries" in tables:
        numbers = [n for n in (exc.get("document_number"), exc.get("related_document_number")) if n]
        if not numbers:
            return None
        marks = ", ".join("?" for _ in numbers)
        return reader.df(
            "select system, posting_date, account_code, description, debit, credit, currency_code, "
            "sage100_journal_register_no, document_number from core.gl_entries "
            f"where sage100_journal_register_no in ({marks}) or document_number in ({marks}) "
            f"or source_native_id in ({marks}) order by posting_date, account_code limit 200",
            numbers * 3,
        )
    return None

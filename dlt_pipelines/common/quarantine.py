"""Quarantine of records that cannot be parsed: they go to ``_quarantine`` with the reason, never dropped.

Each source validates its records against the numeric and date fields it knows (recursively, so line
items are checked too). A record that fails is yielded to the ``_quarantine`` table of the same dataset
instead of its own table, with the reason and the raw payload; the load goes on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import dlt

from dlt_pipelines.common.values import ValueProblem, parse_any_date, parse_integer, parse_number

QUARANTINE_TABLE = "_quarantine"


@dataclass(frozen=True)
class FieldRules:
    """Field names that must hold numbers or dates wherever they appear in a record (nested included)."""

    numeric: frozenset[str]  # amounts, rates, quantities: always loaded as Decimal (ints too)
    dates: frozenset[str]
    integers: frozenset[str] = frozenset()  # whole numbers (document and journal numbers)


class RecordProblem(ValueError):
    """A record that cannot be loaded; ``reason`` says which field and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def checked(record: dict[str, Any], rules: FieldRules) -> dict[str, Any]:
    """The record with numeric strings read as ``Decimal``; ``RecordProblem`` if a field is bad."""
    problems: list[str] = []
    clean = _check(record, rules, "", problems)
    if problems:
        raise RecordProblem("; ".join(problems))
    return clean


def _check(value: Any, rules: FieldRules, path: str, problems: list[str]) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if item is not None and not isinstance(item, dict | list):
                try:
                    if key in rules.numeric:
                        # one type per column: an amount first seen as 1 and later as 1.5 must not split
                        item = Decimal(parse_number(item))
                    elif key in rules.integers:
                        item = parse_integer(item)
                    elif key in rules.dates:
                        parse_any_date(item)
                except ValueProblem as exc:
                    kind = (
                        "date"
                        if key in rules.dates
                        else "whole number"
                        if key in rules.integers
                        else "number"
                    )
                    problems.append(f"{where}: {exc} (expected a {kind})")
                    continue
            out[key] = _check(item, rules, where, problems)
        return out
    if isinstance(value, list):
        return [_check(item, rules, f"{path}[{i}]", problems) for i, item in enumerate(value)]
    return value


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal | datetime):
        return str(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def quarantine_row(
    *,
    source: str,
    resource: str,
    record: Any,
    reason: str,
    record_key: str | None,
    tenant_id: str | None = None,
) -> dict[str, Any]:
    """Build the ``_quarantine`` row for a record: reason, raw payload (JSON text) and a stable id."""
    payload = json.dumps(record, default=_json_default, sort_keys=True)
    digest = hashlib.sha256(f"{source}|{tenant_id}|{resource}|{payload}".encode()).hexdigest()[:32]
    return {
        "quarantine_id": digest,
        "source": source,
        "tenant_id": tenant_id,
        "resource": resource,
        "record_key": record_key,
        "reason": reason,
        "raw_payload": payload,
        "quarantined_at": datetime.now(UTC),
    }


QUARANTINE_HINTS = dlt.mark.make_hints(
    table_name=QUARANTINE_TABLE,
    write_disposition="merge",
    primary_key="quarantine_id",
    columns=[
        {"name": "record_key", "data_type": "text", "nullable": True},
        {"name": "tenant_id", "data_type": "text", "nullable": True},
        {"name": "raw_payload", "data_type": "text", "nullable": False},
        {"name": "quarantined_at", "data_type": "timestamp", "nullable": False},
    ],
)


def to_quarantine(row: dict[str, Any]) -> Any:
    """Mark a quarantine row so dlt writes it to ``_quarantine`` (merge on ``quarantine_id``)."""
    return dlt.mark.with_hints([row], QUARANTINE_HINTS, create_table_variant=True)


def split_valid(
    records: Iterable[dict[str, Any]],
    rules: FieldRules,
    *,
    source: str,
    resource: str,
    key_field: str | None,
    tenant_id: str | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Split records into clean ones and quarantine rows."""
    good: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    for record in records:
        try:
            good.append(checked(record, rules))
        except RecordProblem as exc:
            key = record.get(key_field) if key_field and isinstance(record, dict) else None
            bad.append(
                quarantine_row(
                    source=source,
                    resource=resource,
                    record=record,
                    reason=exc.reason,
                    record_key=None if key is None else str(key),
                    tenant_id=tenant_id,
                )
            )
    return good, bad

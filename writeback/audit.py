"""The append-only, tamper-evident audit log ``ops.audit_log``.

Each entry is ``(seq, at, actor, action, object, payload, prev_hash, hash)`` with
``hash = sha256(prev_hash + canonical JSON of {seq, at, actor, action, object, payload})`` and the first
``prev_hash`` = 64 zeros. Editing, inserting or deleting any entry breaks the chain from there on;
:func:`verify` recomputes it and names the first bad ``seq``. (A cut-off tail is caught by comparing the
head hash with one recorded elsewhere, e.g. in a period sign-off.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import duckdb

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} into the audit log")


def canonical(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, Decimals and dates as strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def utc_stamp(moment: datetime | None = None) -> str:
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, seq: int, at: str, actor: str, action: str, obj: str, payload: Any) -> str:
    body = canonical(
        {"seq": seq, "at": at, "actor": actor, "action": action, "object": obj, "payload": payload}
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    object: str
    payload: Any
    prev_hash: str
    hash: str


def head(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    """(last seq, last hash); (0, GENESIS) for an empty log."""
    row = con.execute("select seq, hash from ops.audit_log order by seq desc limit 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def append(
    con: duckdb.DuckDBPyConnection, actor: str, action: str, obj: str, payload: Any = None
) -> AuditEntry:
    """Append one entry. Call it inside the transaction that makes the change it records."""
    seq, prev = head(con)
    seq += 1
    at = utc_stamp()
    payload = json.loads(canonical(payload if payload is not None else {}))
    digest = entry_hash(prev, seq, at, actor, action, obj, payload)
    con.execute(
        "insert into ops.audit_log values (?, ?, ?, ?, ?, ?, ?, ?)",
        [seq, at, actor, action, obj, canonical(payload), prev, digest],
    )
    return AuditEntry(seq, at, actor, action, obj, payload, prev, digest)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str = ""

    def render(self) -> str:
        if self.ok:
            return f"audit log intact: {self.entries} entries, head hash {self.head_hash}"
        return f"audit log BROKEN at seq {self.first_bad_seq}: {self.reason}"


def verify(con: duckdb.DuckDBPyConnection) -> VerifyResult:
    """Recompute the chain; report the first entry whose link or hash does not hold."""
    rows = con.execute(
        'select seq, "at", actor, action, object, payload, prev_hash, hash from ops.audit_log order by seq'
    ).fetchall()
    prev = GENESIS
    expected_seq = 1
    for seq, at, actor, action, obj, payload_text, prev_hash, digest in rows:
        if seq != expected_seq:
            return VerifyResult(
                False, len(rows), prev, expected_seq, f"entry {expected_seq} is missing (next is {seq})"
            )
        if prev_hash != prev:
            return VerifyResult(
                False, len(rows), prev, seq, "prev_hash does not match the hash of the entry before"
            )
        try:
            payload = json.loads(payload_text)
        except ValueError:
            return VerifyResult(False, len(rows), prev, seq, "payload is not valid JSON")
        if entry_hash(prev, seq, at, actor, action, obj, payload) != digest:
            return VerifyResult(False, len(rows), prev, seq, "contents do not match the entry's hash")
        prev = digest
        expected_seq += 1
    return VerifyResult(True, len(rows), prev)


def entries(con: duckdb.DuckDBPyConnection, obj: str | None = None) -> list[AuditEntry]:
    """Entries, oldest first (optionally only those about ``obj``)."""
    sql = 'select seq, "at", actor, action, object, payload, prev_hash, hash from ops.audit_log'
    params: list[Any] = []
    if obj is not None:
        sql += " where object = ?"
        params.append(obj)
    rows = con.execute(sql + " order by seq", params).fetchall()
    return [AuditEntry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7]) for r in rows]

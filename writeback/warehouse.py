"""Short-lived DuckDB connections to the warehouse and the ``ops`` schema they write.

DuckDB lets one process write a database file at a time, and the app, dbt and writeback share the
warehouse: every ``ops`` operation opens a connection, does its work in one transaction and closes it.
A file locked by another process is retried for ``lock_timeout`` seconds before giving up with a message.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

OPS_DDL = """
create schema if not exists ops;
create table if not exists ops.approvals (
    approval_id varchar primary key,
    proposal_id varchar not null,
    content_hash varchar not null,
    decision varchar not null,          -- prepared | approved | rejected
    who varchar not null,
    role varchar not null,              -- preparer | approver | admin
    "when" timestamp not null,          -- UTC
    comment varchar
);
create table if not exists ops.outbox (
    idempotency_key varchar primary key, -- proposal_id:content_hash
    proposal_id varchar not null,
    content_hash varchar not null,
    target varchar not null,             -- sage100 | xero
    kind varchar not null,
    state varchar not null,              -- pending | sending | posted | failed | dead-letter
    attempts integer not null default 0,
    payload json not null,               -- the proposal exactly as approved
    target_ref varchar,                  -- VI entry / ManualJournalID / PaymentIDs once posted
    last_error varchar,
    enqueued_by varchar,
    created_at timestamp not null,
    updated_at timestamp not null,
    next_attempt_at timestamp,
    posted_at timestamp
);
create table if not exists ops.audit_log (
    seq bigint primary key,
    "at" varchar not null,               -- UTC, ISO 8601 with microseconds
    actor varchar not null,
    action varchar not null,
    object varchar not null,
    payload json not null,
    prev_hash varchar not null,
    hash varchar not null                -- sha256(prev_hash + canonical JSON of the entry)
);
create table if not exists ops.exception_notes (
    note_id varchar primary key,
    exception_id varchar not null,
    note varchar not null,
    who varchar not null,
    role varchar not null,
    "when" timestamp not null
);
create table if not exists ops.period_signoffs (
    signoff_id varchar primary key,
    period varchar not null,             -- YYYY-MM
    who varchar not null,
    role varchar not null,
    "when" timestamp not null,
    comment varchar,
    audit_head_hash varchar not null     -- the audit log's last hash when the period was signed off
);
create table if not exists ops.period_reopenings (
    reopening_id varchar primary key,
    period varchar not null,
    who varchar not null,
    role varchar not null,
    "when" timestamp not null,
    reason varchar not null
);
create table if not exists ops.reconciling_items (
    event_id varchar primary key,
    exception_id varchar not null,
    action varchar not null,             -- mark | clear
    explanation varchar not null,        -- why it is a reconciling item / why it was cleared
    period varchar,                      -- the period it was explained in (carried forward from there)
    who varchar not null,
    role varchar not null,
    "when" timestamp not null
);
create table if not exists ops.match_decisions (
    decision_id varchar primary key,
    payment_system varchar not null,
    payment_ref varchar not null,
    open_item_system varchar,
    document_number varchar,
    allocated_amount decimal(18, 2),
    decision varchar not null,           -- accepted | rejected
    who varchar not null,
    role varchar not null,
    "when" timestamp not null,
    comment varchar
);
create table if not exists ops.mapping_decisions (
    decision_id varchar primary key,
    system varchar not null,
    source_account_code varchar not null,
    sage100_account varchar not null,
    suggested_account varchar,
    who varchar not null,
    role varchar not null,
    "when" timestamp not null,
    note varchar
);
"""


class WarehouseBusy(RuntimeError):
    """Another process kept the warehouse locked for longer than we were willing to wait."""


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


@contextmanager
def connect(
    warehouse: Path, *, read_only: bool = False, lock_timeout: float = 30.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to ``warehouse`` with the ``ops`` schema in place, closed when the block ends."""
    path = Path(warehouse)
    if read_only and not path.exists():
        raise FileNotFoundError(
            f"no warehouse at {path}: run `tieout run` first (or set TIEOUT_WAREHOUSE to the right file)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_timeout
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                if _is_lock_error(exc):
                    raise WarehouseBusy(
                        f"the warehouse {path} stayed locked by another process for {lock_timeout:.0f}s "
                        "(a dbt build or load?); try again when it has finished"
                    ) from exc
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    try:
        if not read_only:
            _ensure_ops(con, path)
        yield con
    finally:
        con.close()


_READY: set[tuple[int, int]] = set()
"""(device, inode) of warehouse files whose ``ops`` schema this process has seen complete."""


def _ensure_ops(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Create the ops tables if missing; remembered per file (the DDL costs a checkpoint on close)."""
    stat = path.stat()
    identity = (stat.st_dev, stat.st_ino)
    if identity in _READY:
        return
    if not _ops_ready(con):
        con.execute(OPS_DDL)
    _READY.add(identity)


OPS_TABLES = (
    "approvals",
    "outbox",
    "audit_log",
    "exception_notes",
    "period_signoffs",
    "period_reopenings",
    "reconciling_items",
    "match_decisions",
    "mapping_decisions",
)


def _ops_ready(con: duckdb.DuckDBPyConnection) -> bool:
    """True if every ops table exists (checked first: the DDL itself costs a checkpoint on close)."""
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'ops' and table_name in "
        f"({', '.join('?' for _ in OPS_TABLES)})",
        list(OPS_TABLES),
    ).fetchone()
    return bool(row and row[0] == len(OPS_TABLES))


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one transaction: committed at the end, rolled back on any error."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def columns_of(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]

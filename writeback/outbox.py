"""The outbox ``ops.outbox``: one row per posting, keyed by its idempotency key, moving
``pending -> sending -> posted | failed | dead-letter`` (``failed`` goes back to ``sending`` on a later
run). Every move is committed together with its audit-log entry before anything else happens, so a
crash leaves at worst a row in ``sending``, which the next run settles by asking the target."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from writeback import audit
from writeback.proposals import Proposal
from writeback.targets.base import OutboxItem
from writeback.warehouse import transaction

STATES = ("pending", "sending", "posted", "failed", "dead-letter")
OPEN_STATES = ("pending", "sending", "failed")


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class OutboxRow:
    key: str
    proposal_id: str
    content_hash: str
    target: str
    kind: str
    state: str
    attempts: int
    payload: dict[str, Any]
    target_ref: str | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime | None
    posted_at: datetime | None

    def item(self) -> OutboxItem:
        return OutboxItem(self.key, Proposal.from_payload(self.payload), self.state, self.attempts)


_COLUMNS = (
    "idempotency_key, proposal_id, content_hash, target, kind, state, attempts, payload, target_ref, "
    "last_error, created_at, updated_at, next_attempt_at, posted_at"
)


def _row(values: tuple[Any, ...]) -> OutboxRow:
    values = list(values)
    values[7] = json.loads(values[7]) if isinstance(values[7], str) else values[7]
    return OutboxRow(*values)


def rows(
    con: duckdb.DuckDBPyConnection, *, target: str | None = None, states: tuple[str, ...] | None = None
) -> list[OutboxRow]:
    sql = f"select {_COLUMNS} from ops.outbox where true"
    params: list[Any] = []
    if target:
        sql += " and target = ?"
        params.append(target)
    if states:
        sql += f" and state in ({', '.join('?' for _ in states)})"
        params.extend(states)
    return [_row(r) for r in con.execute(sql + " order by created_at, idempotency_key", params).fetchall()]


def get(con: duckdb.DuckDBPyConnection, key: str) -> OutboxRow | None:
    found = con.execute(f"select {_COLUMNS} from ops.outbox where idempotency_key = ?", [key]).fetchone()
    return _row(found) if found else None


def posted_versions(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """content hashes already posted (or on their way) per proposal_id."""
    out: dict[str, set[str]] = {}
    for pid, content_hash in con.execute(
        "select proposal_id, content_hash from ops.outbox "
        "where state in ('posted', 'sending', 'pending', 'failed')"
    ).fetchall():
        out.setdefault(pid, set()).add(content_hash)
    return out


def enqueue(con: duckdb.DuckDBPyConnection, proposal: Proposal, actor: str, approvers: list[str]) -> bool:
    """Add a pending posting for ``proposal``; False if its key is already in the outbox."""
    with transaction(con):
        if con.execute("select 1 from ops.outbox where idempotency_key = ?", [proposal.key]).fetchone():
            return False
        stamp = now()
        con.execute(
            "insert into ops.outbox (idempotency_key, proposal_id, content_hash, target, kind, state, "
            "attempts, "
            "payload, enqueued_by, created_at, updated_at) values (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)",
            [
                proposal.key,
                proposal.proposal_id,
                proposal.content_hash,
                proposal.target,
                proposal.kind,
                audit.canonical(proposal.to_payload()),
                actor,
                stamp,
                stamp,
            ],
        )
        audit.append(
            con,
            actor,
            "enqueue",
            f"outbox:{proposal.key}",
            {
                "target": proposal.target,
                "kind": proposal.kind,
                "approvers": approvers,
                "amount": proposal.amount,
            },
        )
    return True


def mark_sending(con: duckdb.DuckDBPyConnection, keys: list[str], actor: str) -> None:
    """pending/failed/sending -> sending, one attempt more each, in one transaction."""
    stamp = now()
    with transaction(con):
        for key in keys:
            row = get(con, key)
            if row is None or row.state not in OPEN_STATES:
                raise RuntimeError(f"outbox row {key} is {row.state if row else 'missing'}, not open")
            con.execute(
                "update ops.outbox set state = 'sending', attempts = attempts + 1, updated_at = ? "
                "where idempotency_key = ?",
                [stamp, key],
            )
            audit.append(
                con,
                actor,
                "send",
                f"outbox:{key}",
                {"from_state": row.state, "attempt": row.attempts + 1, "target": row.target},
            )


def mark_posted(
    con: duckdb.DuckDBPyConnection, key: str, ref: str, actor: str, *, recovered: bool = False
) -> None:
    stamp = now()
    with transaction(con):
        con.execute(
            "update ops.outbox set state = 'posted', target_ref = ?, last_error = null, updated_at = ?, "
            "posted_at = ?, next_attempt_at = null where idempotency_key = ?",
            [ref, stamp, stamp, key],
        )
        audit.append(con, actor, "recovered" if recovered else "posted", f"outbox:{key}", {"target_ref": ref})


def mark_failed(
    con: duckdb.DuckDBPyConnection, key: str, error: str, actor: str, *, retry_in: timedelta
) -> None:
    stamp = now()
    with transaction(con):
        con.execute(
            "update ops.outbox set state = 'failed', last_error = ?, updated_at = ?, next_attempt_at = ? "
            "where idempotency_key = ?",
            [error, stamp, stamp + retry_in, key],
        )
        audit.append(
            con,
            actor,
            "failed",
            f"outbox:{key}",
            {"error": error, "retry_after_seconds": retry_in.total_seconds()},
        )


def mark_dead(con: duckdb.DuckDBPyConnection, key: str, error: str, actor: str) -> None:
    stamp = now()
    with transaction(con):
        con.execute(
            "update ops.outbox set state = 'dead-letter', last_error = ?, updated_at = ?, "
            "next_attempt_at = null "
            "where idempotency_key = ?",
            [error, stamp, key],
        )
        audit.append(con, actor, "dead-letter", f"outbox:{key}", {"error": error})


def requeue(con: duckdb.DuckDBPyConnection, key: str, actor: str, reason: str) -> None:
    """dead-letter -> failed, due now: the next run asks the target first, then sends again."""
    row = get(con, key)
    if row is None:
        raise KeyError(key)
    if row.state != "dead-letter":
        raise ValueError(f"{key} is {row.state}, not dead-letter; only dead letters can be sent again")
    stamp = now()
    with transaction(con):
        con.execute(
            "update ops.outbox set state = 'failed', next_attempt_at = ?, updated_at = ? "
            "where idempotency_key = ?",
            [stamp, stamp, key],
        )
        audit.append(con, actor, "requeue", f"outbox:{key}", {"reason": reason, "last_error": row.last_error})

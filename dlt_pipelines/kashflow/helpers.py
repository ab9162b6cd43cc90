"""Resource building for the KashFlow source: list pages, then bounded-concurrency detail fetches."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import dlt

from dlt_pipelines.common.quarantine import quarantine_row, split_valid, to_quarantine
from dlt_pipelines.common.stats import LoadStats
from dlt_pipelines.kashflow.client import KashflowClient, KashflowError
from dlt_pipelines.kashflow.settings import DELETED_AT, FIELD_RULES, RESOURCES, Resource

DETAIL_FIELDS = ("LineItems", "PaymentLines")


class WrongDocument(ValueError):
    """KashFlow answered a different document than the one asked for."""


def with_details(
    client: KashflowClient, resource: Resource, items: list[dict[str, Any]], pool: ThreadPoolExecutor
) -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], str]]]:
    """Fill in ``LineItems`` / ``PaymentLines`` that the list left out, fetching documents concurrently.

    Returns the completed documents and ``(summary, reason)`` for those whose document cannot be used:
    a document fetch that answers another document (its ``Number`` differs from the one asked for) must
    not lend that document's lines, or overwrite the summary's identity (the merge on ``Number`` would
    then fold the two into one row and lose this one).
    """

    def complete(item: dict[str, Any]) -> dict[str, Any]:
        if all(item.get(name) is not None for name in DETAIL_FIELDS):
            return item
        number = item.get(resource.key)
        if number is None:
            return item  # cannot be fetched; validation quarantines it
        doc = dict(item)
        base = f"{resource.path}/{quote(str(number), safe='')}"
        if doc.get("LineItems") is None:
            detail = client.get(base, resource=resource.path) or {}
            answered = detail.get(resource.key) if isinstance(detail, dict) else None
            if not isinstance(detail, dict) or (answered is not None and str(answered) != str(number)):
                raise WrongDocument(
                    f"GET /{base} answered {resource.key} {answered!r} instead of {number!r}, so this "
                    f"document's lines and payment lines could not be read; check {resource.path} "
                    f"{number} in KashFlow (the summary from the list is kept here)"
                )
            doc.update({k: v for k, v in detail.items() if v is not None or k not in doc})
        if doc.get("PaymentLines") is None:
            try:
                payments = client.get(f"{base}/payments", resource=resource.path)
            except KashflowError as exc:
                if exc.status != 404:
                    raise
                payments = []  # the document has no payment list: it has no payments
            if isinstance(payments, dict):
                payments = payments.get("PaymentLines", payments.get("Data", payments.get("Payment")))
            doc["PaymentLines"] = list(payments or [])
        return doc

    def attempt(item: dict[str, Any]) -> dict[str, Any] | tuple[dict[str, Any], str]:
        try:
            return complete(item)
        except WrongDocument as exc:
            return item, str(exc)

    done: list[dict[str, Any]] = []
    failed: list[tuple[dict[str, Any], str]] = []
    for outcome in pool.map(attempt, items):
        if isinstance(outcome, tuple):
            failed.append(outcome)
        else:
            done.append(outcome)
    return done, failed


def content_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()[:16]


def changed_only(records: list[dict[str, Any]], key: str, hashes: dict[str, str]) -> list[dict[str, Any]]:
    """Records new or different since the last load (``hashes`` maps key -> content hash, kept in state)."""
    changed = []
    for record in records:
        ident, digest = str(record.get(key)), content_hash(record)
        if hashes.get(ident) != digest:
            hashes[ident] = digest
            changed.append(record)
    return changed


def make_resource(
    client: KashflowClient, resource: Resource, stats: LoadStats, per_page: int, detail_workers: int
):
    """The dlt resource for one KashFlow list (merge on its key)."""

    @dlt.resource(
        name=resource.path,
        table_name=resource.path,
        primary_key=resource.key,
        write_disposition="merge",
        parallelized=True,
        columns={DELETED_AT: {"data_type": "timestamp", "nullable": True}},
    )
    def fetch() -> Iterator[Any]:
        # KashFlow has no modified-since filter: everything is read, only what changed is loaded
        state = dlt.current.resource_state()
        hashes: dict[str, str] = state.setdefault("content_hashes", {})
        deleted: dict[str, str] = state.setdefault("deleted", {})
        seen: set[str] = set()
        pages = client.iter_pages(resource.path, per_page=per_page, resource=resource.path)
        with ThreadPoolExecutor(max_workers=detail_workers, thread_name_prefix=f"kf-{resource.path}") as pool:
            try:
                first = next(pages, None)
            except KashflowError as exc:
                if resource.optional and exc.status == 404:
                    stats.finish(resource.path)
                    return  # this account has no such list
                raise
            for page in itertools.chain([first] if first is not None else [], pages):
                items, unreadable = (
                    with_details(client, resource, page, pool) if resource.details else (page, [])
                )
                good, bad = split_valid(
                    items, FIELD_RULES, source="kashflow", resource=resource.path, key_field=resource.key
                )
                bad += [
                    quarantine_row(
                        source="kashflow",
                        resource=resource.path,
                        record=summary,
                        reason=reason,
                        record_key=str(summary.get(resource.key)),
                    )
                    for summary, reason in unreadable
                ]
                stats.page(resource.path, len(page))
                seen.update(str(item.get(resource.key)) for item in page)
                good = changed_only(good, resource.key, hashes)
                if bad:
                    stats.quarantine(resource.path, len(bad))
                    for row in bad:
                        yield to_quarantine(row)
                if good:
                    yield good
        # the whole list was read: what was loaded before and is no longer listed was deleted
        gone = reconcile_keys(hashes, deleted, seen, _utc_now())
        if gone:
            stats.found_deleted(resource.path, len(gone))
        stats.finish(resource.path)

    return fetch


def _utc_now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def reconcile_keys(hashes: dict[str, str], deleted: dict[str, str], seen: set[str], now: str) -> list[str]:
    """Key reconciliation after a complete read of a list (kept in the resource's state).

    Keys loaded before (``hashes``) but not ``seen`` now were deleted in KashFlow: they move to
    ``deleted`` (key -> when it was noticed, UTC) and leave ``hashes``, so a document that comes back is
    loaded again (and its merged row has no deletion mark). Returns the newly deleted keys.
    """
    for key in seen & deleted.keys():
        del deleted[key]  # back in KashFlow: the merge of its reloaded row clears the mark
    gone = sorted(hashes.keys() - seen)
    for key in gone:
        del hashes[key]
        deleted[key] = now
    return gone


def mark_deleted(pipeline: Any, load_id: str | None = None) -> int:
    """Set ``_deleted_at`` on the raw rows of documents KashFlow no longer lists (from the state).

    Idempotent (only unmarked rows change), so it runs after every load; returns the rows marked. A
    marked row also takes ``load_id`` (this load's id; a new one in dlt's format when the load had no
    package) as its ``_dlt_load_id``, so incremental builds, which follow load ids, see the change. A
    table that lacks the column yet (loaded before the column existed, nothing changed since) keeps its
    marks pending in the state until a load adds it.
    """
    from dlt.destinations.exceptions import DatabaseTerminalException, DatabaseUndefinedRelation

    resources = pipeline.state.get("sources", {}).get("kashflow", {}).get("resources", {})
    if not any(r.get("deleted") for r in resources.values()):
        return 0
    naming = pipeline.default_schema.naming
    load_id = load_id or f"{datetime.now(UTC).timestamp():.6f}"
    marked = 0
    with pipeline.sql_client() as client:
        for name, resource_state in resources.items():
            pending: dict[str, str] = resource_state.get("deleted") or {}
            resource = RESOURCES.get(name)
            if not pending or resource is None:
                continue
            table = client.make_qualified_table_name(naming.normalize_table_identifier(resource.path))
            key = client.escape_column_name(naming.normalize_identifier(resource.key))
            column = client.escape_column_name(naming.normalize_identifier(DELETED_AT))
            load_column = client.escape_column_name(naming.normalize_identifier("_dlt_load_id"))
            by_time: dict[str, list[str]] = {}
            for ident, when in pending.items():
                by_time.setdefault(when, []).append(ident)
            for when, idents in sorted(by_time.items()):
                for start in range(0, len(idents), 500):
                    keys = ", ".join(_sql_text(i) for i in idents[start : start + 500])
                    where = f"WHERE {column} IS NULL AND CAST({key} AS VARCHAR) IN ({keys})"
                    try:
                        count = client.execute_sql(f"SELECT COUNT(*) FROM {table} {where}")
                        client.execute_sql(
                            f"UPDATE {table} SET {column} = CAST({_sql_text(when)} AS TIMESTAMP), "
                            f"{load_column} = {_sql_text(load_id)} {where}"
                        )
                    except (DatabaseUndefinedRelation, DatabaseTerminalException):
                        break  # the table or its column does not exist yet: stays pending
                    marked += int(count[0][0]) if count else 0
    return marked


def _sql_text(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"

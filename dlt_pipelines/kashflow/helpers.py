"""Resource building for the KashFlow source: list pages, then bounded-concurrency detail fetches."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import dlt

from dlt_pipelines.common.quarantine import quarantine_row, split_valid, to_quarantine
from dlt_pipelines.common.stats import LoadStats
from dlt_pipelines.kashflow.client import KashflowClient, KashflowError
from dlt_pipelines.kashflow.settings import FIELD_RULES, Resource

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
    )
    def fetch() -> Iterator[Any]:
        # KashFlow has no modified-since filter: everything is read, only what changed is loaded
        hashes: dict[str, str] = dlt.current.resource_state().setdefault("content_hashes", {})
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
                good = changed_only(good, resource.key, hashes)
                if bad:
                    stats.quarantine(resource.path, len(bad))
                    for row in bad:
                        yield to_quarantine(row)
                if good:
                    yield good
        stats.finish(resource.path)

    return fetch

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

from dlt_pipelines.common.quarantine import split_valid, to_quarantine
from dlt_pipelines.common.stats import LoadStats
from dlt_pipelines.kashflow.client import KashflowClient, KashflowError
from dlt_pipelines.kashflow.settings import FIELD_RULES, Resource

DETAIL_FIELDS = ("LineItems", "PaymentLines")


def with_details(
    client: KashflowClient, resource: Resource, items: list[dict[str, Any]], pool: ThreadPoolExecutor
) -> list[dict[str, Any]]:
    """Fill in ``LineItems`` / ``PaymentLines`` that the list left out, fetching documents concurrently."""

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

    return list(pool.map(complete, items))


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
                items = with_details(client, resource, page, pool) if resource.details else page
                good, bad = split_valid(
                    items, FIELD_RULES, source="kashflow", resource=resource.path, key_field=resource.key
                )
                stats.page(resource.path, len(good))
                good = changed_only(good, resource.key, hashes)
                if bad:
                    stats.quarantine(resource.path, len(bad))
                    for row in bad:
                        yield to_quarantine(row)
                if good:
                    yield good
        stats.finish(resource.path)

    return fetch

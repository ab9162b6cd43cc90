"""Row shaping and resource building for the Xero source."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dlt

from dlt_pipelines.common.quarantine import split_valid, to_quarantine
from dlt_pipelines.common.ratelimit import DailyLimitReached
from dlt_pipelines.common.stats import LoadStats
from dlt_pipelines.common.values import parse_any_date
from dlt_pipelines.xero.client import XeroClient
from dlt_pipelines.xero.settings import CURSOR_FIELD, FIELD_RULES, PARSED_CURSOR, TENANT_COLUMN, Endpoint


def resource_name(table: str, tenant_id: str) -> str:
    """Resource (and incremental-state) name of one table for one tenant, e.g. ``invoices@1f2e3d4c``."""
    short = re.sub(r"[^0-9a-zA-Z]", "", tenant_id)[:8] or hashlib.sha1(tenant_id.encode()).hexdigest()[:8]
    return f"{table}@{short}"


def shape(record: dict[str, Any], tenant_id: str) -> dict[str, Any]:
    """Tag a record with its tenant and add the parsed cursor beside the raw ``/Date()/`` string."""
    row = dict(record)
    row[TENANT_COLUMN] = tenant_id
    raw = record.get(CURSOR_FIELD)
    if isinstance(raw, str):
        row[PARSED_CURSOR] = utc_moment(raw)
    return row


def utc_moment(value: str) -> datetime:
    """A Xero timestamp (``/Date(ms+0000)/`` or ISO, naive meaning UTC) as an aware UTC datetime."""
    moment = parse_any_date(value)
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _split(
    items: list[dict[str, Any]], endpoint: Endpoint, tenant_id: str, name: str, stats: LoadStats
) -> Iterator[Any]:
    good, bad = split_valid(
        items,
        FIELD_RULES,
        source="xero",
        resource=endpoint.table,
        key_field=endpoint.key,
        tenant_id=tenant_id,
    )
    rows = [shape(record, tenant_id) for record in good]
    stats.page(name, len(rows))
    if bad:
        stats.quarantine(name, len(bad))
        for row in bad:
            yield to_quarantine(row)
    if rows:
        yield rows


def _stopped(stats: LoadStats, name: str, exc: DailyLimitReached) -> None:
    stats.stop(str(exc), exc.resume_at.isoformat(timespec="seconds") if exc.resume_at else None)


def make_resource(
    client: XeroClient,
    endpoint: Endpoint,
    tenant_id: str,
    stats: LoadStats,
    initial_modified_since: datetime | None = None,
) -> Any:
    """The dlt resource loading ``endpoint`` for ``tenant_id`` (merge on tenant + key, cursor in state)."""
    name = resource_name(endpoint.table, tenant_id)
    hints: dict[str, Any] = {
        "name": name,
        "table_name": endpoint.table,
        "primary_key": [TENANT_COLUMN, endpoint.key],
        "write_disposition": "merge",
        "parallelized": True,
        "columns": {TENANT_COLUMN: {"data_type": "text", "nullable": False}},
    }
    base_params = dict(endpoint.params)

    if endpoint.paging == "offset":
        journal_cursor = dlt.sources.incremental(
            "JournalNumber", initial_value=0, on_cursor_value_missing="include"
        )

        @dlt.resource(**hints)
        def journals(number: dlt.sources.incremental[int] = journal_cursor) -> Iterator[Any]:
            try:
                for items in client.iter_journals(
                    tenant_id, offset=int(number.last_value or 0), resource=name
                ):
                    yield from _split(items, endpoint, tenant_id, name, stats)
            except DailyLimitReached as exc:
                _stopped(stats, name, exc)
                return
            stats.finish(name)

        return journals

    if endpoint.modified_since:
        updated_cursor = dlt.sources.incremental(
            PARSED_CURSOR, initial_value=initial_modified_since, on_cursor_value_missing="include"
        )

        @dlt.resource(**hints)
        def modified(updated: dlt.sources.incremental[datetime] = updated_cursor) -> Iterator[Any]:
            since = updated.last_value
            try:
                if endpoint.paging == "page":
                    params = {**base_params, "order": f"{CURSOR_FIELD} ASC"}
                    pages = client.iter_pages(
                        endpoint.path,
                        endpoint.body_key,
                        tenant_id,
                        params=params,
                        modified_since=since,
                        resource=name,
                    )
                    for items in pages:
                        yield from _split(items, endpoint, tenant_id, name, stats)
                else:
                    items = client.get_all(
                        endpoint.path,
                        endpoint.body_key,
                        tenant_id,
                        params=base_params,
                        modified_since=since,
                        resource=name,
                    )
                    yield from _split(items, endpoint, tenant_id, name, stats)
            except DailyLimitReached as exc:
                _stopped(stats, name, exc)
                return
            stats.finish(name)

        return modified

    @dlt.resource(**hints)
    def snapshot() -> Iterator[Any]:
        try:
            items = client.get_all(
                endpoint.path, endpoint.body_key, tenant_id, params=base_params, resource=name
            )
        except DailyLimitReached as exc:
            _stopped(stats, name, exc)
            return
        # unchanged snapshots (Organisation, Currencies) are not loaded again
        digest = hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()
        state = dlt.current.resource_state()
        if state.get("content_hash") == digest:
            stats.page(name, 0)
        else:
            yield from _split(items, endpoint, tenant_id, name, stats)
            state["content_hash"] = digest
        stats.finish(name)

    return snapshot

"""Sage 100 source: every company table over ODBC (pyodbc), one table at a time, into ``raw_sage100``.

Each table is a resource merged on its Sage 100 key. A table is read in full on its first load and then
incrementally on ``DateCreated/TimeCreated`` + ``DateUpdated/TimeUpdated`` (ODBC date escapes, no
joins). Open-item tables (``AR_OpenInvoice``, ``AP_OpenInvoice``, ``IM_ItemWarehouse``) are changed by
Sage 100's bulk processes without touching those columns, so they also get a scheduled full read that is
compared row by row (hash) with what the warehouse holds: changed rows are loaded, and rows that vanished
(paid off, purged) are kept and marked ``_is_open = false`` with ``_closed_at``. Rows that cannot be
parsed go to ``_quarantine`` with the reason and the raw payload; the load goes on.

Configuration (dlt): ``sources.sage100.connection_string`` in ``.dlt/secrets.toml`` or the environment
variable ``SOURCES__SAGE100__CONNECTION_STRING``; the sandbox prints one (``tieout sandbox sage100``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.compute as pc
from dlt.extract.resource import DltResource

from dlt_pipelines.common.quarantine import QUARANTINE_HINTS, QUARANTINE_TABLE, quarantine_row
from dlt_pipelines.sage100 import helpers
from dlt_pipelines.sage100.settings import (
    BATCH_SIZE,
    CLOSED_AT,
    IS_OPEN,
    OPEN_ITEM_REFRESH_HOURS,
    ROW_HASH,
    SOURCE_NAME,
    UPDATED_AT,
    selected_tables,
)
from sandbox.sage100.schema import Table

MAX_BOUNDARY_HASHES = 10_000
"""Rows remembered at the cursor's exact timestamp so the next run skips them; beyond this they are
simply merged again (harmless)."""


@dlt.source(name=SOURCE_NAME, max_table_nesting=0)
def sage100_source(
    connection_string: str = dlt.secrets.value,
    tables: list[str] | None = None,
    batch_size: int = BATCH_SIZE,
    refresh_open_items: bool | None = None,
    open_item_refresh_hours: float = OPEN_ITEM_REFRESH_HOURS,
    full_refresh: bool = False,
) -> list[DltResource]:
    """One merge resource per Sage 100 table.

    ``refresh_open_items``: True forces the hash-compared full read of open-item tables, False skips it,
    None (default) runs it when ``open_item_refresh_hours`` have passed since the last one.
    ``full_refresh``: read every table in full (open-item tables still hash-compared).
    """
    resources = []
    for table in selected_tables(tables):
        resource = dlt.resource(
            _extract_table,
            name=table.name,
            primary_key=list(table.key),
            write_disposition="merge",
            columns=helpers.column_hints(table),
        )(connection_string, table, batch_size, refresh_open_items, open_item_refresh_hours, full_refresh)
        # the _quarantine rows this resource yields must not inherit the table's columns and key
        resource.apply_hints(table_name=QUARANTINE_TABLE, columns={}, create_table_variant=True)
        resources.append(resource)
    return resources


def _now() -> datetime:
    """UTC wall clock without tz (``_closed_at`` and the refresh schedule are in UTC)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _mode(
    table: Table,
    state: dict[str, Any],
    now: datetime,
    refresh_open_items: bool | None,
    refresh_hours: float,
    full_refresh: bool,
) -> str:
    """``full`` (everything), ``refresh`` (everything, hash-compared, vanished rows closed) or
    ``incremental`` (rows created/updated since the cursor)."""
    if full_refresh or not state.get("loaded"):
        return "refresh" if table.open_items else "full"
    if table.open_items and refresh_open_items is not False:
        last = state.get("last_refresh")
        due = last is None or now - datetime.fromisoformat(last) >= timedelta(hours=refresh_hours)
        if refresh_open_items or due:
            return "refresh"
    return "incremental"


class _CursorTracker:
    """Latest ``_updated_at`` seen, and the hashes of the rows carrying exactly that timestamp."""

    def __init__(self, value: datetime | None = None, boundary: set[str] | None = None) -> None:
        self.value = value
        self.boundary = set(boundary or ())

    def update(self, good: pa.Table) -> None:
        latest = pc.max(good[UPDATED_AT]).as_py()
        if latest is None:
            return
        if self.value is None or latest > self.value:
            self.value, self.boundary = latest, set()
        if latest == self.value:
            at_latest = good.filter(pc.equal(good[UPDATED_AT], pa.scalar(latest, pa.timestamp("s"))))
            self.boundary.update(at_latest[ROW_HASH].to_pylist())

    def newer(self, good: pa.Table) -> pa.Array:
        """Rows after the cursor, or at it but not loaded before."""
        updated = good[UPDATED_AT]
        if self.value is None:
            return pc.is_valid(updated)
        cursor = pa.scalar(self.value, pa.timestamp("s"))
        unseen = pc.invert(pc.is_in(good[ROW_HASH], value_set=pa.array(sorted(self.boundary), pa.string())))
        mask = pc.or_(pc.greater(updated, cursor), pc.and_(pc.equal(updated, cursor), unseen))
        return pc.fill_null(mask, False)


def _extract_table(
    connection_string: str,
    table: Table,
    batch_size: int,
    refresh_open_items: bool | None,
    refresh_hours: float,
    full_refresh: bool,
) -> Iterator[Any]:
    state = dlt.current.resource_state()
    now = _now()
    mode = _mode(table, state, now, refresh_open_items, refresh_hours, full_refresh)
    since: date | None = None
    if mode == "incremental":
        previous = datetime.fromisoformat(state["cursor"]) if state.get("cursor") else None
        tracker = _CursorTracker(previous, set(state.get("boundary", ())))
        since = previous.date() if previous else date(1753, 1, 2)
        incremental_filter = _CursorTracker(previous, tracker.boundary)
    else:
        tracker = _CursorTracker()
    known = _known_open_items(table) if mode == "refresh" else None
    seen: set[str] = set()
    counts = {"rows": 0, "quarantined": 0, "closed": 0}
    conn = helpers.connect(connection_string)
    try:
        for rows in helpers.fetch_batches(conn, helpers.select_sql(table, since), batch_size):
            batch = helpers.convert_batch(table, rows)
            if batch.bad:
                counts["quarantined"] += len(batch.bad)
                seen.update(key for _, _, key in batch.bad)
                yield dlt.mark.with_hints(
                    [
                        quarantine_row(
                            source=SOURCE_NAME, resource=table.name, record=raw, reason=reason, record_key=key
                        )
                        for raw, reason, key in batch.bad
                    ],
                    QUARANTINE_HINTS,
                    create_table_variant=True,
                )
            good = batch.good
            tracker.update(good)
            if mode == "incremental":
                good = good.filter(incremental_filter.newer(good))
            elif known is not None:
                keys = helpers.key_strings(table, good)
                seen.update(keys)
                changed = [known.get(k) != h for k, h in zip(keys, good[ROW_HASH].to_pylist(), strict=True)]
                good = good.filter(pa.array(changed, pa.bool_()))
            if good.num_rows:
                counts["rows"] += good.num_rows
                yield good
        if known:
            vanished = known.keys() - seen
            if vanished:
                closed = _closed_rows(table, vanished, now)
                counts["closed"] = counts_closed = closed.num_rows
                counts["rows"] += counts_closed
                if counts_closed:
                    yield closed
    finally:
        conn.close()
    state["loaded"] = True
    if tracker.value is not None:
        state["cursor"] = tracker.value.isoformat()
        state["boundary"] = sorted(tracker.boundary) if len(tracker.boundary) <= MAX_BOUNDARY_HASHES else []
    if mode == "refresh":
        state["last_refresh"] = now.isoformat()
    state["last_run"] = {"mode": mode, **counts}


def _destination_table(table: Table) -> tuple[Any, str, dict[str, str]] | None:
    """The running pipeline, the qualified raw table name and normalized -> Sage column names, or None
    when the source runs without a destination (then nothing can be compared or closed)."""
    pipeline = dlt.current.pipeline()
    if pipeline is None or pipeline.destination is None:
        return None
    naming = pipeline.default_schema.naming if pipeline.default_schema_name else None
    if naming is None:
        from dlt.common.normalizers.naming.snake_case import NamingConvention

        naming = NamingConvention()
    names = {naming.normalize_identifier(n): n for n in helpers.arrow_schema(table).names}
    return pipeline, naming.normalize_table_identifier(table.name), names


def _key_sql(client: Any, table: Table, by_sage: dict[str, str]) -> str:
    """SQL for :func:`helpers.key_string` of a loaded row."""
    parts = [f"COALESCE(CAST({client.escape_column_name(by_sage[k])} AS VARCHAR), '')" for k in table.key]
    return f" || '{helpers.KEY_SEPARATOR}' || ".join(parts)


def _known_open_items(table: Table) -> dict[str, str] | None:
    """Key -> row hash of the rows the warehouse holds as open ({} before the first load)."""
    from dlt.destinations.exceptions import DatabaseUndefinedRelation

    target = _destination_table(table)
    if target is None:
        return None
    pipeline, table_name, names = target
    by_sage = {v: k for k, v in names.items()}
    known: dict[str, str] = {}
    try:
        with pipeline.sql_client() as client:
            sql = (
                f"SELECT {_key_sql(client, table, by_sage)}, {client.escape_column_name(by_sage[ROW_HASH])} "
                f"FROM {client.make_qualified_table_name(table_name)} "
                f"WHERE {client.escape_column_name(by_sage[IS_OPEN])}"
            )
            with client.execute_query(sql) as cursor:
                while rows := cursor.fetchmany(100_000):
                    known.update(rows)
    except DatabaseUndefinedRelation:
        return {}
    return known


def _closed_rows(table: Table, vanished: set[str], now: datetime) -> pa.Table:
    """The last loaded version of rows that left an open-item table, marked closed."""
    target = _destination_table(table)
    assert target is not None
    pipeline, table_name, names = target
    by_sage = {v: k for k, v in names.items()}
    rows: list[tuple[Any, ...]] = []
    with pipeline.sql_client() as client:
        columns = ", ".join(client.escape_column_name(n) for n in names)
        sql = (
            f"SELECT {_key_sql(client, table, by_sage)}, {columns} "
            f"FROM {client.make_qualified_table_name(table_name)} "
            f"WHERE {client.escape_column_name(by_sage[IS_OPEN])}"
        )
        with client.execute_query(sql) as cursor:
            while batch := cursor.fetchmany(100_000):
                rows.extend(r[1:] for r in batch if r[0] in vanished)
    records = [dict(zip(names.values(), r, strict=True)) for r in rows]
    for record in records:
        record[IS_OPEN] = False
        record[CLOSED_AT] = now
    return pa.Table.from_pylist(records, schema=helpers.arrow_schema(table))


from dlt_pipelines.sage100.load import load_sage100  # noqa: E402  (the loader builds on the source above)

__all__ = ["load_sage100", "sage100_source"]

"""Reading Sage 100 over ODBC and turning fetched rows into typed Arrow tables.

Sage 100's ODBC drivers are slow and limited (see ``shared/specs/sage100``), so every query reads one
table, with no joins, filtered only on its audit date columns with ODBC date escapes. Rows are fetched in
batches; each batch becomes one Arrow table with Sage 100's column names and exact types:

* strings lose their trailing spaces (ProvideX pads them unless ``StripTrailingSpaces=1``);
* decimals become ``decimal128(p, s)`` exactly, whether the driver sent text, ``Decimal`` or float
  (rounded ROUND_HALF_UP to the column's scale);
* dates stay dates, blank-date sentinels and decimal-hour times are kept raw (staging turns them into
  timestamps); ``_updated_at`` is derived from them for the incremental cursor;
* a row that cannot be parsed is not loaded but returned for the ``_quarantine`` table with the reason.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyodbc

from dlt_pipelines.sage100.settings import (
    BLANK_DATES,
    CLOSED_AT,
    CURSOR_COLUMNS,
    IS_OPEN,
    ROW_HASH,
    UPDATED_AT,
    required_columns,
)
from sandbox.sage100.schema import Column, Table

ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError)
_HOURS = re.compile(r"\d{1,2}(?:\.\d*)?|\.\d+")
_LAST_BLANK = date.fromisoformat(max(BLANK_DATES))


class Sage100ConnectionError(RuntimeError):
    """The ODBC connection to Sage 100 could not be opened."""


def connect(connection_string: str) -> pyodbc.Connection:
    """Open an autocommit ODBC connection (Sage 100's driver is read-only and has no transactions)."""
    try:
        return pyodbc.connect(connection_string, autocommit=True)
    except pyodbc.Error as exc:
        detail = exc.args[-1] if exc.args else exc
        raise Sage100ConnectionError(
            f"cannot open the Sage 100 ODBC connection: {detail}. Check sources.sage100.connection_string "
            "(or SOURCES__SAGE100__CONNECTION_STRING); for the sandbox, `tieout sandbox sage100` prints one"
        ) from None


def decimal_precision(column: Column) -> tuple[int, int]:
    precision = int(column.type[column.type.index("(") + 1 : column.type.index(",")])
    return precision, column.scale or 0


def arrow_type(column: Column) -> pa.DataType:
    if column.kind == "decimal":
        return pa.decimal128(*decimal_precision(column))
    if column.kind == "date":
        return pa.date32()
    return pa.string()


def arrow_schema(table: Table) -> pa.Schema:
    """Sage 100 columns, then ``_row_hash`` and ``_updated_at`` (and open-item flags for open-item tables)."""
    required = set(required_columns(table))
    fields = [pa.field(c.name, arrow_type(c), nullable=c.name not in required) for c in table.columns]
    fields += [pa.field(ROW_HASH, pa.string(), nullable=False), pa.field(UPDATED_AT, pa.timestamp("s"))]
    if table.open_items:
        fields += [pa.field(IS_OPEN, pa.bool_(), nullable=False), pa.field(CLOSED_AT, pa.timestamp("s"))]
    return pa.schema(fields)


def column_hints(table: Table) -> dict[str, dict[str, Any]]:
    """dlt column hints: Sage 100's types, NOT NULL keys, and naive timestamps for the derived columns."""
    hints: dict[str, dict[str, Any]] = {}
    for f in arrow_schema(table):
        hint: dict[str, Any] = {"name": f.name, "nullable": f.nullable}
        if pa.types.is_decimal(f.type):
            hint.update(data_type="decimal", precision=f.type.precision, scale=f.type.scale)
        elif pa.types.is_date(f.type):
            hint["data_type"] = "date"
        elif pa.types.is_timestamp(f.type):
            hint.update(data_type="timestamp", timezone=False)
        elif pa.types.is_boolean(f.type):
            hint["data_type"] = "bool"
        else:
            hint["data_type"] = "text"
        hints[f.name] = hint
    return hints


def select_sql(table: Table, since: date | None = None) -> str:
    """One table, no joins; with ``since``, only rows created or updated on or after that date."""
    columns = ", ".join(table.column_names)
    sql = f"SELECT {columns} FROM {table.name}"
    if since is not None:
        escape = f"{{d '{since.isoformat()}'}}"
        sql += " WHERE " + " OR ".join(f"{d} >= {escape}" for d, _ in CURSOR_COLUMNS)
    return sql


def fetch_batches(conn: pyodbc.Connection, sql: str, batch_size: int) -> Iterator[list[pyodbc.Row]]:
    """Run ``sql`` and yield its rows ``batch_size`` at a time."""
    cursor = conn.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(batch_size):
            yield rows
    finally:
        cursor.close()


def row_hashes(values: pa.Table) -> pa.Array:
    """Per row, an md5 over the text of every value (vectorized in an in-process DuckDB)."""
    expr = " || chr(31) || ".join(f"coalesce(cast(\"{n}\" AS VARCHAR), '')" for n in values.column_names)
    con = _duckdb()
    con.register("sage100_batch", values)
    try:
        hashed = con.sql(f"SELECT md5({expr}) AS h FROM sage100_batch").to_arrow_table()
    finally:
        con.unregister("sage100_batch")
    return hashed["h"].combine_chunks().cast(pa.string())


_LOCAL = threading.local()


def _duckdb() -> duckdb.DuckDBPyConnection:
    con = getattr(_LOCAL, "con", None)
    if con is None:
        con = _LOCAL.con = duckdb.connect()
    return con


KEY_SEPARATOR = "\x1f"


def key_string(values: Sequence[Any]) -> str:
    """A comparable text form of a (stripped) key: the same for a fetched row and a loaded one."""
    return KEY_SEPARATOR.join("" if v is None else str(v) for v in values)


def key_strings(table: Table, good: pa.Table) -> list[str]:
    """:func:`key_string` of every row of a typed batch, vectorized."""
    parts = [pc.fill_null(pc.cast(good[k], pa.string()), "") for k in table.key]
    joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, KEY_SEPARATOR)
    return joined.to_pylist()


def jsonable(value: Any) -> Any:
    """A raw value as it can be kept in a JSON payload, without losing what the driver sent."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return value


@dataclass
class Batch:
    """One fetched batch: the rows that parsed (Arrow) and the ones that did not (with reasons)."""

    good: pa.Table
    bad: list[tuple[dict[str, Any], str, str]] = field(default_factory=list)
    """(raw record, reason, key text) per row that could not be parsed."""


class _Problems:
    def __init__(self) -> None:
        self.by_row: dict[int, list[str]] = {}

    def add(self, row: int, reason: str) -> None:
        self.by_row.setdefault(row, []).append(reason)


def convert_batch(table: Table, rows: Sequence[Sequence[Any]]) -> Batch:
    """Type a batch of raw rows; rows that cannot be parsed are set aside with the reason."""
    problems = _Problems()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in table.columns]
    arrays: dict[str, pa.Array] = {}
    for column, values in zip(table.columns, columns, strict=True):
        arrays[column.name] = _convert_column(column, list(values), problems)
    for name in required_columns(table):
        nulls = arrays[name].is_null()
        if pc.any(nulls).as_py():
            what = "a valid date" if table.column(name).kind == "date" else "a value"
            raw = columns[table.column_names.index(name)]
            for i in _true_indices(nulls):
                problems.add(i, f"{name}: empty or not {what} (the driver returned {raw[i]!r})")
    arrays[ROW_HASH] = row_hashes(pa.Table.from_arrays(list(arrays.values()), names=list(arrays)))
    arrays[UPDATED_AT] = _updated_at(arrays, problems)
    if table.open_items:
        arrays[IS_OPEN] = pa.array([True] * len(rows), pa.bool_())
        arrays[CLOSED_AT] = pa.nulls(len(rows), pa.timestamp("s"))
    schema = arrow_schema(table)
    good = pa.Table.from_arrays(list(arrays.values()), names=list(arrays))
    if not problems.by_row:
        return Batch(good.cast(schema))
    bad_rows = sorted(problems.by_row)
    keep = pa.array([i not in problems.by_row for i in range(len(rows))])
    key_index = [table.column_names.index(k) for k in table.key]
    bad = []
    for i in bad_rows:
        raw = {name: jsonable(v) for name, v in zip(table.column_names, rows[i], strict=True)}
        key = key_string([str(rows[i][k]).rstrip() if rows[i][k] is not None else None for k in key_index])
        bad.append((raw, "; ".join(problems.by_row[i]), key))
    return Batch(good.filter(keep).cast(schema), bad)


def _true_indices(mask: pa.Array) -> list[int]:
    return [i for i, flag in enumerate(mask.to_pylist()) if flag]


def _convert_column(column: Column, values: list[Any], problems: _Problems) -> pa.Array:
    if column.kind == "decimal":
        return _decimals(column, values, problems)
    if column.kind == "date":
        return _dates(column, values, problems)
    return _strings(values)


def _strings(values: list[Any]) -> pa.Array:
    try:
        array = pa.array(values, pa.string())
    except ARROW_ERRORS:
        array = pa.array([None if v is None else str(v) for v in values], pa.string())
    return pc.utf8_rtrim(array, characters=" ")


def _decimals(column: Column, values: list[Any], problems: _Problems) -> pa.Array:
    precision, scale = decimal_precision(column)
    target = pa.decimal128(precision, scale)
    try:
        raw = pa.array(values)
        if pa.types.is_string(raw.type) or pa.types.is_decimal(raw.type) or pa.types.is_integer(raw.type):
            return pc.cast(raw, target)
        if pa.types.is_null(raw.type):
            return pa.nulls(len(values), target)
    except ARROW_ERRORS:
        pass
    # exact path, value by value: floats through their shortest repr, explicit ROUND_HALF_UP
    unit = Decimal(1).scaleb(-scale)
    limit = Decimal(10) ** (precision - scale)
    out: list[Decimal | None] = []
    for i, value in enumerate(values):
        if value is None:
            out.append(None)
            continue
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            number = (
                value
                if isinstance(value, Decimal)
                else Decimal(repr(value) if isinstance(value, float) else str(value).strip())
            )
            if not number.is_finite():
                raise InvalidOperation
            number = number.quantize(unit, rounding=ROUND_HALF_UP)
        except (InvalidOperation, ValueError):
            problems.add(i, f"{column.name}: {value!r} is not a number")
            out.append(None)
            continue
        if abs(number) >= limit:
            problems.add(i, f"{column.name}: {value!r} does not fit decimal({precision},{scale})")
            out.append(None)
            continue
        out.append(number)
    return pa.array(out, target)


def _dates(column: Column, values: list[Any], problems: _Problems) -> pa.Array:
    try:
        return pa.array(values, pa.date32())
    except ARROW_ERRORS:
        pass
    out: list[date | None] = []
    for i, value in enumerate(values):
        if value is None or isinstance(value, date):
            out.append(value.date() if isinstance(value, datetime) else value)
            continue
        try:
            out.append(date.fromisoformat(str(value).strip()[:10]))
        except ValueError:
            problems.add(i, f"{column.name}: {value!r} is not a date")
            out.append(None)
    return pa.array(out, pa.date32())


def decimal_hours_seconds(text: str | None) -> int | None:
    """Seconds after midnight of a decimal-hour string (``"14.50833"`` -> 52230); blank -> 0."""
    if text is None:
        return None
    stripped = text.strip()
    if not stripped:
        return 0
    if not _HOURS.fullmatch(stripped) or float(stripped) >= 24:
        raise ValueError(f"{text!r} is not a time in decimal hours")
    return round(float(stripped) * 3600)


def _moment(dates: pa.Array, times: pa.Array, name: str, problems: _Problems) -> pa.Array:
    """Timestamp of a date + decimal-hour time column pair; blank dates (sentinel or NULL) give NULL."""
    blank = pc.fill_null(pc.less_equal(dates, pa.scalar(_LAST_BLANK, pa.date32())), True)
    try:
        filled = pc.fill_null(pc.if_else(pc.equal(times, ""), "0", times), "0")
        hours = pc.cast(filled, pa.float64())
        if pc.any(pc.or_(pc.less(hours, 0), pc.greater_equal(hours, 24))).as_py():
            raise pa.ArrowInvalid("hours out of range")
        seconds = pc.cast(pc.round(pc.multiply(hours, 3600.0)), pa.int64())
    except ARROW_ERRORS:
        values: list[int | None] = []
        for i, text in enumerate(times.to_pylist()):
            try:
                values.append(decimal_hours_seconds(text))
            except ValueError as exc:
                problems.add(i, f"{name}: {exc}")
                values.append(0)
        seconds = pa.array(values, pa.int64())
    midnight = pc.cast(pc.cast(dates, pa.timestamp("s")), pa.int64())
    moment = pc.cast(pc.add(midnight, seconds), pa.timestamp("s"))
    return pc.if_else(blank, pa.scalar(None, pa.timestamp("s")), moment)


def _updated_at(arrays: dict[str, pa.Array], problems: _Problems) -> pa.Array:
    moments = [_moment(arrays[d], arrays[t], t, problems) for d, t in CURSOR_COLUMNS]
    return pc.max_element_wise(*moments, skip_nulls=True)

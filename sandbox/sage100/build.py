"""Build a Sage 100 company database (SQLite, read through ODBC) from a scenario's ``sage100/*.csv``.

Every table of :data:`sandbox.sage100.schema.TABLES` is created with its declared types and primary key,
whether or not its CSV exists (a missing CSV is an empty table). Values get Sage 100's quirks on the way
in (see :mod:`sandbox.sage100.quirks`). Rows are streamed from the CSVs and inserted with ``executemany``
in one transaction into a temporary file that replaces the database only when the build succeeded.
"""

from __future__ import annotations

import csv
import os
import sqlite3
from _csv import Reader
from collections.abc import Iterator
from pathlib import Path

from sandbox.sage100 import odbc
from sandbox.sage100.quirks import Converter, converter, sql_type
from sandbox.sage100.schema import TABLES, Table

DEFAULT_DB_NAME = "sage100.db"


class ScenarioError(ValueError):
    """The scenario's Sage 100 files cannot be built into a company; the message says where and why."""


def connection_string(db: Path) -> str:
    """The DSN-less ODBC connection string for a built company database."""
    return odbc.connection_string(db)


def create_table_sql(table: Table) -> str:
    columns = ", ".join(f'"{c.name}" {sql_type(c)} NOT NULL' for c in table.columns)
    key = ", ".join(f'"{k}"' for k in table.key)
    return f'CREATE TABLE "{table.name}" ({columns}, PRIMARY KEY ({key}))'


def build_company(scenario: Path, db: Path | None = None) -> Path:
    """Build ``db`` (default ``<scenario>/sage100.db``) from ``<scenario>/sage100/*.csv``; return its path.

    Raises :class:`ScenarioError` naming file, line and column for a header that does not match the
    schema, a value that does not fit its column, or a duplicate key.
    """
    scenario = Path(scenario)
    source = scenario / "sage100"
    if not source.is_dir():
        raise ScenarioError(
            f"{source} does not exist: a scenario keeps its Sage 100 tables in sage100/<TABLE>.csv"
        )
    unknown = sorted(p.name for p in source.glob("*.csv") if p.stem not in TABLES)
    if unknown:
        raise ScenarioError(
            f"{source}: {', '.join(unknown)} not Sage 100 tables the sandbox knows; "
            f"expected names: {', '.join(sorted(TABLES))}"
        )
    target = (Path(db) if db is not None else scenario / DEFAULT_DB_NAME).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA cache_size=-262144")
            conn.execute("BEGIN")
            for table in TABLES.values():
                conn.execute(create_table_sql(table))
                csv_path = source / f"{table.name}.csv"
                if csv_path.exists():
                    _load_csv(conn, table, csv_path)
            conn.execute("COMMIT")
        finally:
            conn.close()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _load_csv(conn: sqlite3.Connection, table: Table, path: Path) -> None:
    placeholders = ", ".join("?" for _ in table.columns)
    names = ", ".join(f'"{c}"' for c in table.column_names)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({placeholders})'
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        rows = _rows(reader, table, path)
        try:
            conn.executemany(sql, rows)
        except sqlite3.IntegrityError as exc:
            key = ", ".join(table.key)
            raise ScenarioError(
                f"{path}:{reader.line_num}: duplicate key ({key}) in {table.name}; "
                f"each row needs a unique key ({exc})"
            ) from None


def _rows(reader: Reader, table: Table, path: Path) -> Iterator[tuple[str, ...]]:
    """Stream converted rows in the table's column order, validating header and every value."""
    header = next(reader, None)
    if header is None:
        return
    header = [h.strip() for h in header]
    expected = table.column_names
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    dupes = sorted({c for c in header if header.count(c) > 1})
    if missing or extra or dupes:
        problems = []
        if missing:
            problems.append(f"missing columns {', '.join(missing)}")
        if extra:
            problems.append(f"unknown columns {', '.join(extra)}")
        if dupes:
            problems.append(f"repeated columns {', '.join(dupes)}")
        raise ScenarioError(
            f"{path}:1: header does not match {table.name}: {'; '.join(problems)} "
            f"(expected, in any order: {', '.join(expected)})"
        )
    position = [header.index(c) for c in expected]
    converters: list[Converter] = [converter(table.column(c)) for c in expected]
    pairs = list(zip(position, converters, strict=True))
    width = len(header)
    for row in reader:
        if len(row) != width:
            if not row:
                continue
            raise ScenarioError(f"{path}:{reader.line_num}: {len(row)} fields, the header has {width}")
        try:
            yield tuple([conv(row[pos]) for pos, conv in pairs])
        except ValueError:
            for name, (pos, conv) in zip(expected, pairs, strict=True):
                try:
                    conv(row[pos])
                except ValueError as exc:
                    raise ScenarioError(f"{path}:{reader.line_num}: column {name}: {exc}") from None
            raise

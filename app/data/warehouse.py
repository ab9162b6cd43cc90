"""Reading the warehouse without ever holding it: one read-only DuckDB connection per query.

DuckDB lets one process write a file at a time, and a read-only connection of another process blocks
that writer. The app therefore never keeps a connection open: each read opens ``read_only=True``, runs,
and closes. A file locked by a writer (a refresh swapping in its new warehouse, a decision being written)
is retried with a short backoff for ``timeout`` seconds before :class:`WarehouseUnavailable` says why.

Results come back as pandas DataFrames built from Arrow, so DECIMAL money stays ``Decimal``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

READ_CONFIG = {
    "enable_external_access": False,  # the app reads the warehouse file and nothing else
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


class AccessLock:
    """Readers-writer lock for the app's own threads (Streamlit serves every session in one process).

    Within a process DuckDB shares one database instance per file, and it cannot hold a read-only and a
    read-write instance of the same file at once; so the app's reads (shared) and its decisions through
    writeback (exclusive, see :mod:`app.data.decisions`) take turns. Writers go first when waiting."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._waiting_writers += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


ACCESS = AccessLock()
_SESSION = threading.local()
_TABLES: dict[str, tuple[tuple[Any, ...], set[str]]] = {}


class WarehouseUnavailable(RuntimeError):
    """The warehouse file is missing or stayed locked; the message says what to do."""


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return ("lock" in text and ("conflicting" in text or "could not set" in text)) or (
        "different configuration" in text  # this process has the file open read-write right now
    )


@dataclass(frozen=True)
class Reader:
    """A warehouse file read with short read-only connections."""

    path: Path
    timeout: float = 20.0

    def exists(self) -> bool:
        return self.path.exists()

    def signature(self) -> tuple[Any, ...]:
        """Changes whenever the file (or its write-ahead log) changes: the key of every cached result."""
        out: list[Any] = [str(self.path)]
        for candidate in (self.path, Path(f"{self.path}.wal")):
            try:
                st = os.stat(candidate)
            except FileNotFoundError:
                out.append(None)
                continue
            out.append((st.st_ino, st.st_mtime_ns, st.st_size))
        return tuple(out)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection, retried while another process holds the write lock; inside
        :meth:`session` (or a :meth:`lazy_session` that has opened one) the session's connection."""
        current = _session_connection(self.path)
        if current is not None:
            yield current
            return
        with ACCESS.reading(), self._connect() as con:
            yield con

    @contextmanager
    def session(self) -> Iterator[None]:
        """Run every read of this thread inside the block on one connection (opening a connection
        costs more than most of the app's queries); the connection closes at the end of the block."""
        if getattr(_SESSION, "con", None) is not None or getattr(_SESSION, "lazy", None) == self.path:
            yield
            return
        with self.connect() as con:
            _SESSION.con, _SESSION.path = con, self.path
            try:
                yield
            finally:
                _SESSION.con, _SESSION.path = None, None

    @contextmanager
    def lazy_session(self) -> Iterator[None]:
        """Like :meth:`session`, but the connection opens only when the first read needs it (a page whose
        reads are all cached opens none), and :func:`end_session` may close it early (before a write)."""
        if getattr(_SESSION, "con", None) is not None or getattr(_SESSION, "lazy", None) is not None:
            yield
            return
        _SESSION.lazy, _SESSION.reader = self.path, self
        try:
            yield
        finally:
            end_session()
            _SESSION.lazy, _SESSION.reader = None, None

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if not self.path.exists():
            raise WarehouseUnavailable(
                f"there is no warehouse at {self.path} yet: run a refresh (Pipeline page or "
                "`tieout refresh`), or point TIEOUT_WAREHOUSE at your warehouse file"
            )
        deadline = time.monotonic() + self.timeout
        delay = 0.02
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=True, config=dict(READ_CONFIG))
                break
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                if not _is_lock_error(exc):
                    raise WarehouseUnavailable(f"cannot open the warehouse {self.path}: {exc}") from exc
                if time.monotonic() >= deadline:
                    raise WarehouseUnavailable(
                        f"the warehouse {self.path} stayed locked by another process for "
                        f"{self.timeout:.0f}s (a `tieout run` or `tieout build` writing it directly?). "
                        "Reload "
                        "the page when it has finished; refreshes started from the app or `tieout refresh` "
                        "never lock it for long."
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
        try:
            yield con
        finally:
            con.close()

    def df(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """The result of one query as a DataFrame (Decimal money, dates as dates)."""
        with self.connect() as con:
            return sql_df(con, sql, params)

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.connect() as con:
            return con.execute(sql, list(params or [])).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        found = self.rows(sql, params)
        return found[0][0] if found else None

    def tables(self) -> set[str]:
        """Every ``schema.table`` (tables and views) of the warehouse (remembered per :meth:`signature`)."""
        key = self.signature()
        known = _TABLES.get(str(self.path))
        if known is not None and known[0] == key:
            return known[1]
        found = self.rows(
            "select schema_name || '.' || table_name from duckdb_tables() where not internal "
            "and database_name = current_database() union all "
            "select schema_name || '.' || view_name from duckdb_views() where not internal "
            "and database_name = current_database()"
        )
        names = {r[0] for r in found}
        _TABLES[str(self.path)] = (key, names)
        return names

    def columns(self, table: str) -> list[str]:
        schema, _, name = table.partition(".")
        found = self.rows(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [schema, name],
        )
        return [r[0] for r in found]


def in_session() -> bool:
    """True while this thread holds a session's connection (and with it a share of the app's reads)."""
    return getattr(_SESSION, "con", None) is not None


def _session_connection(path: Path) -> duckdb.DuckDBPyConnection | None:
    con = getattr(_SESSION, "con", None)
    if con is not None:
        return con if getattr(_SESSION, "path", None) == path else None
    if getattr(_SESSION, "lazy", None) != path:
        return None
    stack = ExitStack()  # opened on first use, closed by end_session()
    try:
        stack.enter_context(ACCESS.reading())
        con = stack.enter_context(_SESSION.reader._connect())
    except BaseException:
        stack.close()
        raise
    _SESSION.con, _SESSION.path, _SESSION.stack = con, path, stack
    return con


def end_session() -> None:
    """Close the connection a lazy session opened (no-op otherwise): a decision calls it before writing."""
    stack = getattr(_SESSION, "stack", None)
    if stack is not None:
        _SESSION.con, _SESSION.path, _SESSION.stack = None, None, None
        stack.close()


def sql_df(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
    """One query's rows as a DataFrame, on a cursor of ``con`` (so an unfinished result of ``con`` — e.g.
    after a ``fetchone`` — is never in the way)."""
    cursor = con.cursor()
    try:
        return arrow_df(cursor.sql(sql, params=list(params or []) or None).to_arrow_table())
    finally:
        cursor.close()


def arrow_df(table: Any) -> pd.DataFrame:
    """Arrow to pandas keeping DECIMAL as Python ``Decimal`` and dates as ``datetime.date``."""
    return table.to_pandas(date_as_object=True)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

"""Reach the sandbox company the way production reaches Sage 100: pyodbc, a DSN-less string, autocommit.

The driver is unixODBC's ``SQLite3`` (Debian ``libsqliteodbc``). What it returns for the declared types:
``DATE`` -> ``datetime.date`` (an unreadable stored date comes back as ``None``), ``VARCHAR(n)`` -> ``str``
with its trailing spaces, ``DECIMAL(p,s)`` -> ``str`` such as ``'12.3'``, ``'100'`` or ``'1.0e-06'``
(SQLite keeps the value exactly to 15 significant digits; readers cast to ``Decimal`` and quantize to the
column's scale). ODBC escapes such as ``{d '2026-01-31'}`` and ``{ts '...'}`` work in filters.
The string sets ``StepAPI=1`` so results stream (the loader reads million-row tables); with it, computed
columns such as ``COUNT(*)`` come back as ``str`` too (``'5'``): cast them; declared columns keep their types.
"""

from __future__ import annotations

from pathlib import Path

import pyodbc

DRIVER = "SQLite3"
BUSY_TIMEOUT_MS = 10_000


def connection_string(db: Path) -> str:
    """DSN-less string. ``NoCreat=1``: a wrong path fails instead of opening an empty company;
    ``StepAPI=1``: rows stream as they are fetched (without it the driver holds whole results in memory)."""
    path = Path(db).resolve()
    return f"Driver={{{DRIVER}}};Database={path};LongNames=0;Timeout={BUSY_TIMEOUT_MS};NoCreat=1;StepAPI=1;"


def connect(db: Path) -> pyodbc.Connection:
    """An autocommit pyodbc connection to a built company database."""
    path = Path(db)
    if not path.is_file():
        raise FileNotFoundError(
            f"no Sage 100 sandbox company at {path}: build it with `tieout sandbox sage100 --scenario DIR`"
        )
    return pyodbc.connect(connection_string(path), autocommit=True)

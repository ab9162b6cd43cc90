"""Streaming file writers: JSON arrays written one object per line, CSV tables, with row counts.

JSON layout (a contract, see docs/scenario-format.md): the first line opens the array (``{"Invoices":[``
for Xero, ``[`` for KashFlow), then one object per line, each but the last followed by a comma, then
the closing line (``]}`` or ``]``). Any JSON parser reads the files; line-based readers can stream them.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from sandbox.sage100.schema import TABLES, Table

_ZERO = Decimal(0)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if value == _ZERO:
            value = abs(value)
        return orjson.Fragment(str(value).encode())
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(obj: Any) -> bytes:
    """Compact JSON with ``Decimal`` written exactly as its text (never through float)."""
    return orjson.dumps(obj, default=_default)


class JsonArrayWriter:
    """Writes ``{"<key>":[ ... ]}`` (``key`` given) or a bare ``[ ... ]`` incrementally."""

    def __init__(self, path: Path, key: str | None = None) -> None:
        self.path = path
        self.key = key
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("wb")
        self._fh.write((b'{"' + key.encode() + b'":[') if key else b"[")
        self.count = 0

    def write(self, obj: Any) -> None:
        self._fh.write(b"\n" if self.count == 0 else b",\n")
        self._fh.write(dumps(obj))
        self.count += 1

    def close(self) -> None:
        self._fh.write(b"\n]}\n" if self.key else b"\n]\n")
        self._fh.close()


def write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(obj, default=_default, option=orjson.OPT_INDENT_2) + b"\n")


class CsvWriter:
    """A CSV file with a header row; values are written as given (strings)."""

    def __init__(self, path: Path, header: list[str]) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._fh, lineterminator="\n")
        self._csv.writerow(header)
        self.width = len(header)
        self.count = 0

    def write(self, row: list[str] | tuple[str, ...]) -> None:
        if len(row) != self.width:
            raise ValueError(f"{self.path.name}: row has {len(row)} values, header has {self.width}")
        self._csv.writerow(row)
        self.count += 1

    def close(self) -> None:
        self._fh.close()


class SageTableWriter(CsvWriter):
    """``sage100/<TABLE>.csv`` with the header of :data:`sandbox.sage100.schema.TABLES`.

    Values are checked against the column contract: varchar lengths, decimal scales, date format.
    """

    def __init__(self, directory: Path, table: str, check: bool = True) -> None:
        self.table: Table = TABLES[table]
        super().__init__(directory / f"{table}.csv", self.table.column_names)
        self._names = self.table.column_names
        self._limits = [(c.name, c.length) for c in self.table.columns if c.kind == "varchar"]
        self.check = check

    def write_dict(self, values: dict[str, str]) -> None:
        """Write one row; unknown keys are an error, missing ones are blank cells."""
        if self.check:
            unknown = set(values) - set(self._names)
            if unknown:
                raise ValueError(f"{self.table.name} has no columns {sorted(unknown)}")
            for name, length in self._limits:
                value = values.get(name, "")
                if len(value) > length:
                    raise ValueError(f"{self.table.name}.{name} value {value!r} exceeds varchar({length})")
        get = values.get
        self._csv.writerow([get(name, "") for name in self._names])
        self.count += 1

    def write_row(self, row: list[str]) -> None:
        """Write one row given in column order (the fast path for the biggest tables)."""
        if self.check:
            if len(row) != len(self._names):
                raise ValueError(f"{self.table.name}: row has {len(row)} values, expected {len(self._names)}")
            for name, length in self._limits:
                value = row[self._names.index(name)]
                if len(value) > length:
                    raise ValueError(f"{self.table.name}.{name} value {value!r} exceeds varchar({length})")
        self._csv.writerow(row)
        self.count += 1

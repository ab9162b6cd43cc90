"""A KashFlow company loaded from a scenario's ``kashflow/`` folder, pre-serialized for fast paging.

``customers``, ``suppliers``, ``invoices``, ``purchases`` and ``products`` are served as paged lists
(``{"Data": [...], "MetaData": {...}}``); ``nominals`` and ``bankaccounts`` as plain arrays. List items
of invoices and purchases are summaries with ``LineItems`` and ``PaymentLines`` null; the document
itself (``/invoices/{number}``) carries them. Any other ``kashflow/<name>.json`` is served as an array.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from sandbox.xero.jsonstream import JsonShapeError, iter_records

Record = dict[str, Any]


class ScenarioError(ValueError):
    """The scenario directory cannot be served as it is."""


@dataclass(frozen=True)
class KfResource:
    """How KashFlow serves one resource."""

    name: str
    keys: tuple[str, ...]  # fields ``/<name>/{key}`` looks up, in order
    paged: bool = True
    summary_nulls: tuple[str, ...] = ()
    sort_aliases: dict[str, str] = field(default_factory=dict)


DOCUMENT_SORTS = {"invoicedate": "IssuedDate", "paymentduedate": "DueDate", "issueddate": "IssuedDate"}
KNOWN = {
    r.name: r
    for r in (
        KfResource("customers", ("Code", "Id")),
        KfResource("suppliers", ("Code", "Id")),
        KfResource(
            "invoices",
            ("Number", "Id"),
            summary_nulls=("LineItems", "PaymentLines"),
            sort_aliases={**DOCUMENT_SORTS, "customerref": "CustomerReference"},
        ),
        KfResource(
            "purchases",
            ("Number", "Id"),
            summary_nulls=("LineItems", "PaymentLines"),
            sort_aliases={**DOCUMENT_SORTS, "supplierref": "SupplierReference"},
        ),
        KfResource("products", ("Code", "Id")),
        KfResource("nominals", ("Code", "Id"), paged=False),
        KfResource("bankaccounts", ("Id", "Code"), paged=False),
    )
}


def _dump(record: Record) -> bytes:
    """Exact-size JSON bytes (orjson's own buffer keeps ~8 KiB per call)."""
    return memoryview(orjson.dumps(record)).tobytes()


class KfTable:
    """One resource's records as full and list-summary JSON bytes, with a key index."""

    def __init__(self, resource: KfResource, records: Iterable[Record] = ()) -> None:
        self.resource = resource
        self.blobs: list[bytes] = []
        self.summaries: list[bytes] = []
        self.fields: dict[str, str] = {}  # lower-case field name -> field name (from the first records)
        # one index per key, in the resource's order: a lookup tries the primary key first, so a
        # document whose Number equals another document's Id is still found by its Number
        self.indexes: list[dict[str, int]] = [{} for _ in resource.keys]
        self._orders: dict[tuple[str | None, bool], list[int]] = {}
        for record in records:
            self.append(record)

    def __len__(self) -> int:
        return len(self.blobs)

    def append(self, record: Record) -> None:
        pos = len(self.blobs)
        self.blobs.append(_dump(record))
        nulls = self.resource.summary_nulls
        self.summaries.append(_dump({**record, **{k: None for k in nulls}}) if nulls else self.blobs[-1])
        if pos < 50:
            self.fields.update({name.lower(): name for name in record})
        for key, index in zip(self.resource.keys, self.indexes, strict=True):
            value = record.get(key)
            if value not in (None, ""):
                index.setdefault(str(value).lower(), pos)  # the first record wins a duplicate value
        self._orders.clear()

    def record(self, pos: int) -> Record:
        return orjson.loads(self.blobs[pos])  # type: ignore[no-any-return]

    def find(self, ident: str) -> int | None:
        lowered = ident.lower()
        for index in self.indexes:
            if lowered in index:
                return index[lowered]
        return None

    def field_for_sort(self, sortby: str) -> str | None:
        """The record field ``sortby`` names (case-insensitive, with KashFlow's aliases), or None."""
        lowered = sortby.lower()
        return self.resource.sort_aliases.get(lowered) or self.fields.get(lowered)

    def ordered(self, field: str | None, descending: bool) -> list[int]:
        """Positions sorted by ``field`` (file order when None), cached."""
        cached = self._orders.get((field, descending))
        if cached is not None:
            return cached
        positions = list(range(len(self.blobs)))
        if field is None:
            ordered = positions[::-1] if descending else positions
        else:
            keys = {}
            for pos in positions:
                value = self.record(pos).get(field)
                if value is None or value == "":
                    keys[pos] = (0, 0)
                elif isinstance(value, bool | int | float):
                    keys[pos] = (1, value)
                else:
                    keys[pos] = (2, str(value).lower())
            ordered = sorted(positions, key=keys.__getitem__, reverse=descending)
        self._orders[(field, descending)] = ordered
        return ordered


def load_company(scenario: Path) -> tuple[dict[str, KfTable], dict[str, Any]]:
    """Read ``scenario/kashflow/*.json`` and ``manifest.json``."""
    folder = Path(scenario) / "kashflow"
    if not folder.is_dir():
        raise ScenarioError(
            f"{scenario} has no kashflow/ folder; generate a KashFlow scenario with "
            "`tieout sandbox generate --ledger kashflow --out DIR` or point --scenario at one"
        )
    tables: dict[str, KfTable] = {}
    for path in sorted(folder.glob("*.json")):
        name = path.stem.lower()
        resource = KNOWN.get(name) or KfResource(name, ("Id", "Code", "Number"), paged=False)
        try:
            tables[name] = KfTable(resource, iter_records(path))
        except JsonShapeError as exc:
            raise ScenarioError(f"{exc}; fix or regenerate the scenario") from None
    for name, resource in KNOWN.items():
        tables.setdefault(name, KfTable(resource, []))
    manifest_path = Path(scenario) / "manifest.json"
    manifest = orjson.loads(manifest_path.read_bytes()) if manifest_path.is_file() else {}
    return tables, manifest

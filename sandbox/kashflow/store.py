"""A KashFlow company loaded from a scenario's ``kashflow/`` folder, pre-serialized for fast paging.

``customers``, ``suppliers``, ``invoices``, ``purchases`` and ``products`` are served as paged lists
(``{"Data": [...], "MetaData": {...}}``); ``nominals`` and ``bankaccounts`` as plain arrays. List items
of invoices and purchases are summaries with ``LineItems`` and ``PaymentLines`` null; the document
itself (``/invoices/{number}``) carries them. Any other ``kashflow/<name>.json`` is served as an array.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

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


class KfTable:
    """One resource's records with their full and list-summary JSON."""

    def __init__(self, resource: KfResource, records: list[Record]) -> None:
        self.resource = resource
        self.records = records
        self.blobs = [orjson.dumps(r) for r in records]
        if resource.summary_nulls:
            self.summaries = [
                orjson.dumps({**r, **{k: None for k in resource.summary_nulls}}) for r in records
            ]
        else:
            self.summaries = self.blobs
        self.index: dict[str, int] = {}
        for key in reversed(resource.keys):  # the first key wins when values collide
            for pos, record in enumerate(records):
                if record.get(key) not in (None, ""):
                    self.index[str(record[key]).lower()] = pos

    def find(self, ident: str) -> int | None:
        return self.index.get(ident.lower())

    def field_for_sort(self, sortby: str) -> str | None:
        """The record field ``sortby`` names (case-insensitive, with KashFlow's aliases), or None."""
        lowered = sortby.lower()
        if lowered in self.resource.sort_aliases:
            return self.resource.sort_aliases[lowered]
        for record in self.records[:50]:
            for name in record:
                if name.lower() == lowered:
                    return name
        return None

    def ordered(self, field: str | None, descending: bool) -> list[int]:
        positions = list(range(len(self.records)))
        if field is None:
            return positions[::-1] if descending else positions

        def key(pos: int) -> tuple[int, Any]:
            value = self.records[pos].get(field)
            if value is None or value == "":
                return (0, 0)
            if isinstance(value, bool | int | float):
                return (1, value)
            return (2, str(value).lower())

        return sorted(positions, key=key, reverse=descending)


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
        try:
            body = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise ScenarioError(f"{path} is not valid JSON ({exc}); fix or regenerate the scenario") from None
        if isinstance(body, dict) and isinstance(body.get("Data"), list):
            body = body["Data"]
        if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
            raise ScenarioError(f"{path} should hold a JSON list of {path.stem} objects")
        name = path.stem.lower()
        resource = KNOWN.get(name) or KfResource(name, ("Id", "Code", "Number"), paged=False)
        tables[name] = KfTable(resource, body)
    for name, resource in KNOWN.items():
        tables.setdefault(name, KfTable(resource, []))
    manifest_path = Path(scenario) / "manifest.json"
    manifest = orjson.loads(manifest_path.read_bytes()) if manifest_path.is_file() else {}
    return tables, manifest

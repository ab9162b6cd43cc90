"""In-memory Xero organisation loaded from a scenario's ``xero/`` folder, indexed for fast paging.

Files are read record by record and every record is kept serialized (orjson) so a 1,000-record page is
a join of ready bytes; small tables also keep their dicts. Any ``xero/<Resource>.json`` present is
served: the known resources with their Xero keys and paging rules, any other file as an unpaged list.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from sandbox.xero.dates import parse_any_date
from sandbox.xero.jsonstream import JsonShapeError, iter_records
from sandbox.xero.where import get_path, parse_order, parse_where, sort_value

Record = dict[str, Any]


class ScenarioError(ValueError):
    """The scenario directory cannot be served as it is."""


@dataclass(frozen=True)
class ResourceSpec:
    """How Xero serves one resource."""

    name: str  # path segment, e.g. "Invoices"
    body_key: str  # key of the list in the body, e.g. "Invoices" ("Organisations" for Organisation)
    key: str | None  # primary identifier field
    alt_keys: tuple[str, ...] = ()
    paging: str = "none"  # "page" (page/pageSize), "offset" (Journals) or "none"
    updated_field: str | None = "UpdatedDateUTC"
    summary_drops: tuple[str, ...] = ()
    archived_status: tuple[str, str] | None = None  # (field, value) hidden unless includeArchived=true
    number_filters: dict[str, str] = field(default_factory=dict)  # query param -> field (comma lists)


KNOWN: dict[str, ResourceSpec] = {
    spec.name.lower(): spec
    for spec in (
        ResourceSpec(
            "Invoices",
            "Invoices",
            "InvoiceID",
            ("InvoiceNumber",),
            "page",
            summary_drops=("LineItems",),
            number_filters={
                "ids": "InvoiceID",
                "invoicenumbers": "InvoiceNumber",
                "contactids": "Contact.ContactID",
                "statuses": "Status",
            },
        ),
        ResourceSpec(
            "Contacts",
            "Contacts",
            "ContactID",
            ("ContactNumber",),
            "page",
            summary_drops=(
                "Addresses",
                "Phones",
                "ContactPersons",
                "ContactGroups",
                "Balances",
                "PaymentTerms",
                "BankAccountDetails",
            ),
            archived_status=("ContactStatus", "ARCHIVED"),
            number_filters={"ids": "ContactID"},
        ),
        ResourceSpec("CreditNotes", "CreditNotes", "CreditNoteID", ("CreditNoteNumber",), "page"),
        ResourceSpec("Payments", "Payments", "PaymentID", (), "page"),
        ResourceSpec("BankTransactions", "BankTransactions", "BankTransactionID", (), "page"),
        ResourceSpec("ManualJournals", "ManualJournals", "ManualJournalID", (), "page"),
        ResourceSpec("Accounts", "Accounts", "AccountID", ("Code",)),
        ResourceSpec("Items", "Items", "ItemID", ("Code",)),
        ResourceSpec(
            "Journals", "Journals", "JournalID", ("JournalNumber",), "offset", updated_field="CreatedDateUTC"
        ),
        ResourceSpec("Organisation", "Organisations", "OrganisationID", updated_field=None),
        ResourceSpec("Currencies", "Currencies", "Code", updated_field=None),
    )
}


def _dump(record: Record) -> bytes:
    """The record's JSON, copied to an exact-size bytes (orjson's own buffer keeps ~8 KiB per call)."""
    return memoryview(orjson.dumps(record)).tobytes()


SelectKey = tuple[Any, ...]


class Table:
    """One resource's records, in serving order, kept as serialized JSON plus small indexes.

    Tables up to ``KEEP_PARSED`` records also keep their dicts (accounts, organisation...); bigger ones
    parse a record from its bytes when a filter, sort or write needs it. Selections (filters + order)
    are cached per table version, so paging through one query filters once.
    """

    KEEP_PARSED = 5000

    def __init__(self, spec: ResourceSpec, records: Iterable[Record] = ()) -> None:
        self.spec = spec
        self.blobs: list[bytes] = []
        self._parsed: list[Record] | None = []
        self._summary: dict[int, bytes] = {}
        self.updated: list[int] = []
        self.hidden: list[bool] = []
        self.numbers: list[int] = []  # JournalNumber, for offset paging
        self.by_source: dict[str, list[int]] = {}  # SourceID -> journal positions
        self.max_number = 0
        self.index: dict[str, int] = {}
        self.alt_index: dict[str, dict[str, int]] = {k: {} for k in spec.alt_keys}
        self.version = 0
        self._cache: dict[SelectKey, list[int]] = {}
        self._number_order: tuple[int, list[tuple[int, int]]] | None = None
        for record in records:
            self.append(record)

    def __len__(self) -> int:
        return len(self.blobs)

    def record(self, pos: int) -> Record:
        """The record at ``pos`` (a fresh or shared dict: never mutate it, build a new one)."""
        if self._parsed is not None:
            return self._parsed[pos]
        return orjson.loads(self.blobs[pos])  # type: ignore[no-any-return]

    def iter_records(self) -> Iterator[Record]:
        for pos in range(len(self.blobs)):
            yield self.record(pos)

    def _track(self, pos: int, record: Record) -> None:
        spec = self.spec
        if spec.key and record.get(spec.key) is not None:
            self.index[str(record[spec.key]).lower()] = pos
        for alt in spec.alt_keys:
            if record.get(alt) not in (None, ""):
                self.alt_index[alt][str(record[alt]).lower()] = pos
        updated = parse_any_date(record.get(spec.updated_field)) if spec.updated_field else None
        hidden = bool(spec.archived_status and record.get(spec.archived_status[0]) == spec.archived_status[1])
        number = 0
        if spec.paging == "offset":
            try:
                number = int(record.get("JournalNumber") or 0)
            except (TypeError, ValueError):
                number = 0
            self.max_number = max(self.max_number, number)
            if record.get("SourceID"):
                self.by_source.setdefault(str(record["SourceID"]).lower(), []).append(pos)
        if pos == len(self.updated):
            self.updated.append(-1 if updated is None else updated)
            self.hidden.append(hidden)
            self.numbers.append(number)
        else:
            self.updated[pos] = -1 if updated is None else updated
            self.hidden[pos] = hidden
            self.numbers[pos] = number
        self.version += 1
        self._cache.clear()

    def append(self, record: Record) -> int:
        pos = len(self.blobs)
        self.blobs.append(_dump(record))
        if self._parsed is not None:
            self._parsed.append(record)
            if len(self._parsed) > self.KEEP_PARSED:
                self._parsed = None
        self._track(pos, record)
        return pos

    def replace(self, pos: int, record: Record) -> None:
        self.blobs[pos] = _dump(record)
        if self._parsed is not None:
            self._parsed[pos] = record
        self._summary.pop(pos, None)
        self._track(pos, record)

    def find(self, ident: str) -> int | None:
        """Position of the record whose key (or alternative key, e.g. InvoiceNumber) is ``ident``."""
        ident = ident.lower()
        if ident in self.index:
            return self.index[ident]
        for alt in self.spec.alt_keys:
            if ident in self.alt_index[alt]:
                return self.alt_index[alt][ident]
        return None

    def blob(self, pos: int, summary: bool) -> bytes:
        if not summary or not self.spec.summary_drops:
            return self.blobs[pos]
        cached = self._summary.get(pos)
        if cached is None:
            record = self.record(pos)
            cached = _dump({k: v for k, v in record.items() if k not in self.spec.summary_drops})
            self._summary[pos] = cached
        return cached

    def select(
        self,
        *,
        since_ms: int | None = None,
        where: str | None = None,
        include_archived: bool = False,
        lists: dict[str, frozenset[str]] | None = None,
        order: str | None = None,
    ) -> list[int]:
        """Positions of the records matching every filter, in serving (or ``order``) order.

        ``since_ms`` keeps records whose UpdatedDateUTC (CreatedDateUTC for Journals) is after it;
        ``where``/``order`` are Xero's query texts (QueryError if they do not parse).
        """
        key: SelectKey = (since_ms, where, include_archived, tuple(sorted((lists or {}).items())), order)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        predicate = parse_where(where) if where else None
        order_keys = parse_order(order) if order else None
        count = len(self.blobs)
        if since_ms is not None:
            updated = self.updated
            positions = [i for i in range(count) if updated[i] > since_ms]
        else:
            positions = list(range(count))
        if self.spec.archived_status and not include_archived:
            hidden = self.hidden
            positions = [i for i in positions if not hidden[i]]
        if lists or predicate or order_keys:
            wanted_lists = [(path.split("."), wanted) for path, wanted in (lists or {}).items()]
            kept: list[int] = []
            sort_keys: dict[int, list[Any]] = {}
            for i in positions:  # parse each record once, keep only what the query needs
                record = self.record(i)
                if any(str(get_path(record, parts)).lower() not in wanted for parts, wanted in wanted_lists):
                    continue
                if predicate is not None and not predicate(record):
                    continue
                kept.append(i)
                if order_keys:
                    sort_keys[i] = [sort_value(get_path(record, path)) for path, _ in order_keys]
            for n in reversed(range(len(order_keys or ()))):
                kept.sort(key=lambda i, n=n: sort_keys[i][n], reverse=order_keys[n][1])  # type: ignore[index]
            positions = kept
        if len(self._cache) >= 16:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = positions
        return positions

    def after_number(self, offset: int, since_ms: int | None, limit: int) -> list[int]:
        """Journals with JournalNumber above ``offset`` (and created after ``since_ms``), oldest first."""
        if self._number_order is None or self._number_order[0] != self.version:
            self._number_order = (self.version, sorted((n, i) for i, n in enumerate(self.numbers)))
        ordered = self._number_order[1]
        start = bisect.bisect_right(ordered, (offset, len(self.numbers)))
        chosen: list[int] = []
        for _, pos in ordered[start:]:
            if since_ms is None or self.updated[pos] > since_ms:
                chosen.append(pos)
                if len(chosen) == limit:
                    break
        return chosen


def _generic_spec(name: str, body_key: str) -> ResourceSpec:
    singular = body_key[:-1] if body_key.endswith("s") else body_key
    return ResourceSpec(name, body_key, f"{singular}ID")


def _load_table(path: Path) -> Table:
    known = KNOWN.get(path.stem.lower())
    found: dict[str, str] = {}
    records = iter_records(path, found)
    try:
        first = next(records, None)
    except JsonShapeError as exc:
        raise ScenarioError(f"{exc}; fix or regenerate the scenario") from None
    spec = known or _generic_spec(path.stem, found.get("key", path.stem))
    table = Table(spec)
    try:
        if first is not None:
            table.append(first)
        for record in records:
            table.append(record)
    except JsonShapeError as exc:
        raise ScenarioError(f"{exc}; fix or regenerate the scenario") from None
    return table


class TenantState:
    """One organisation: its tables and the write-side bookkeeping."""

    def __init__(self, tenant_id: str, name: str, tables: dict[str, Table]) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.tables = tables
        self.idempotency: dict[str, tuple[float, int, bytes, str]] = {}
        self.created_ms = 0

    def table(self, resource: str) -> Table | None:
        return self.tables.get(resource.lower())

    @property
    def organisation(self) -> Record:
        table = self.tables.get("organisation")
        return table.record(0) if table and len(table) else {}

    def account(self, code: str | None = None, account_id: str | None = None) -> Record | None:
        table = self.tables.get("accounts")
        if table is None:
            return None
        pos = table.find(account_id) if account_id else None
        if pos is None and code:
            pos = table.alt_index["Code"].get(str(code).lower())
        return table.record(pos) if pos is not None else None

    def system_account(self, system: str) -> Record | None:
        table = self.tables.get("accounts")
        for record in table.iter_records() if table else ():
            if record.get("SystemAccount") == system:
                return record
        return None

    def next_journal_number(self) -> int:
        return self.tables["journals"].max_number + 1

    def latest_update_ms(self) -> int:
        return max((max(t.updated, default=-1) for t in self.tables.values()), default=-1)


def load_tenant(scenario: Path, tenant_id: str | None = None) -> TenantState:
    """Read ``scenario/xero/*.json`` into a TenantState; the tenant id is the OrganisationID unless given."""
    folder = Path(scenario) / "xero"
    if not folder.is_dir():
        raise ScenarioError(
            f"{scenario} has no xero/ folder; generate a Xero scenario with "
            "`tieout sandbox generate --ledger xero --out DIR` or point --scenario at one"
        )
    tables: dict[str, Table] = {}
    for path in sorted(folder.glob("*.json")):
        table = _load_table(path)
        tables[table.spec.name.lower()] = table
    for spec in KNOWN.values():
        tables.setdefault(spec.name.lower(), Table(spec))
    manifest_path = Path(scenario) / "manifest.json"
    try:
        manifest = orjson.loads(manifest_path.read_bytes()) if manifest_path.is_file() else {}
    except orjson.JSONDecodeError as exc:
        raise ScenarioError(f"{manifest_path} is not valid JSON ({exc})") from None
    organisation = tables["organisation"].record(0) if len(tables["organisation"]) else {}
    name = organisation.get("Name") or manifest.get("name") or Path(scenario).name
    tenant = (
        tenant_id
        or organisation.get("OrganisationID")
        or manifest.get("tenant_id")
        or str(uuid.uuid5(uuid.NAMESPACE_URL, f"tieout-sandbox:{name}"))
    )
    return TenantState(str(tenant), str(name), tables)

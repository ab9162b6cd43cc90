"""In-memory Xero organisation loaded from a scenario's ``xero/`` folder, indexed for fast paging.

Every record is kept as a dict (for filters, sorting and writes) and pre-serialized once (orjson) so a
1,000-record page is a join of ready bytes. Any ``xero/<Resource>.json`` present is served: the known
resources with their Xero keys and paging rules, any other file as an unpaged list.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from sandbox.xero.dates import parse_any_date
from sandbox.xero.where import Predicate, get_path, sort_positions

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
    return orjson.dumps(record)


class Table:
    """One resource's records, in serving order, with their serialized form and indexes."""

    def __init__(self, spec: ResourceSpec, records: list[Record]) -> None:
        self.spec = spec
        self.records: list[Record] = []
        self.blobs: list[bytes] = []
        self._summary: dict[int, bytes] = {}
        self.updated: list[int] = []
        self.index: dict[str, int] = {}
        self.alt_index: dict[str, dict[str, int]] = {k: {} for k in spec.alt_keys}
        for record in records:
            self.append(record)

    def __len__(self) -> int:
        return len(self.records)

    def _index(self, pos: int, record: Record) -> None:
        if self.spec.key and record.get(self.spec.key) is not None:
            self.index[str(record[self.spec.key]).lower()] = pos
        for alt in self.spec.alt_keys:
            if record.get(alt) not in (None, ""):
                self.alt_index[alt][str(record[alt]).lower()] = pos

    def _updated_ms(self, record: Record) -> int:
        if not self.spec.updated_field:
            return -1
        ms = parse_any_date(record.get(self.spec.updated_field))
        return -1 if ms is None else ms

    def append(self, record: Record) -> int:
        pos = len(self.records)
        self.records.append(record)
        self.blobs.append(_dump(record))
        self.updated.append(self._updated_ms(record))
        self._index(pos, record)
        return pos

    def replace(self, pos: int, record: Record) -> None:
        self.records[pos] = record
        self.blobs[pos] = _dump(record)
        self._summary.pop(pos, None)
        self.updated[pos] = self._updated_ms(record)
        self._index(pos, record)

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
            record = self.records[pos]
            cached = _dump({k: v for k, v in record.items() if k not in self.spec.summary_drops})
            self._summary[pos] = cached
        return cached

    def select(
        self,
        *,
        since_ms: int | None = None,
        predicate: Predicate | None = None,
        include_archived: bool = False,
        lists: dict[str, set[str]] | None = None,
        order: list[tuple[list[str], bool]] | None = None,
    ) -> list[int]:
        """Positions of the records matching every filter, in serving (or ``order``) order."""
        positions: Iterable[int]
        if since_ms is not None:
            updated = self.updated
            positions = [i for i in range(len(updated)) if updated[i] > since_ms]
        else:
            positions = range(len(self.records))
        records = self.records
        if self.spec.archived_status and not include_archived:
            status_field, hidden = self.spec.archived_status
            positions = [i for i in positions if records[i].get(status_field) != hidden]
        for path, wanted in (lists or {}).items():
            parts = path.split(".")
            positions = [i for i in positions if str(get_path(records[i], parts)).lower() in wanted]
        if predicate is not None:
            positions = [i for i in positions if predicate(records[i])]
        if order:
            positions = sort_positions(list(positions), records, order)
        return positions if isinstance(positions, list) else list(positions)


def _read_json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise ScenarioError(f"{path} is not valid JSON ({exc}); fix or regenerate the scenario") from None


def _records_of(path: Path, body: Any, spec: ResourceSpec) -> list[Record]:
    if isinstance(body, list):
        records = body
    elif isinstance(body, dict):
        if spec.body_key in body:
            records = body[spec.body_key]
        else:
            lists = [v for k, v in body.items() if isinstance(v, list) and k.lower() != "warnings"]
            if len(lists) != 1:
                raise ScenarioError(
                    f'{path} should hold the body Xero returns, e.g. {{"{spec.body_key}": [...]}}'
                )
            records = lists[0]
    else:
        raise ScenarioError(f'{path} should hold a JSON object like {{"{spec.body_key}": [...]}}')
    if not all(isinstance(r, dict) for r in records):
        raise ScenarioError(f"{path}: every {spec.body_key} entry must be a JSON object")
    return records


def _generic_spec(name: str, body: Any) -> ResourceSpec:
    body_key = name
    if isinstance(body, dict):
        lists = [k for k, v in body.items() if isinstance(v, list) and k.lower() != "warnings"]
        if lists:
            body_key = lists[0]
    singular = body_key[:-1] if body_key.endswith("s") else body_key
    return ResourceSpec(name, body_key, f"{singular}ID")


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
        return table.records[0] if table and table.records else {}

    def account(self, code: str | None = None, account_id: str | None = None) -> Record | None:
        table = self.tables.get("accounts")
        if table is None:
            return None
        pos = table.find(account_id) if account_id else None
        if pos is None and code:
            pos = table.alt_index["Code"].get(str(code).lower())
        return table.records[pos] if pos is not None else None

    def system_account(self, system: str) -> Record | None:
        table = self.tables.get("accounts")
        for record in table.records if table else []:
            if record.get("SystemAccount") == system:
                return record
        return None

    def next_journal_number(self) -> int:
        table = self.tables["journals"]
        return max((int(r.get("JournalNumber") or 0) for r in table.records), default=0) + 1

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
        body = _read_json(path)
        spec = KNOWN.get(path.stem.lower()) or _generic_spec(path.stem, body)
        tables[spec.name.lower()] = Table(spec, _records_of(path, body, spec))
    for spec in KNOWN.values():
        tables.setdefault(spec.name.lower(), Table(spec, []))
    manifest_path = Path(scenario) / "manifest.json"
    manifest = _read_json(manifest_path) if manifest_path.is_file() else {}
    organisation = tables["organisation"].records[0] if tables["organisation"].records else {}
    name = organisation.get("Name") or manifest.get("name") or Path(scenario).name
    tenant = (
        tenant_id
        or organisation.get("OrganisationID")
        or manifest.get("tenant_id")
        or str(uuid.uuid5(uuid.NAMESPACE_URL, f"tieout-sandbox:{name}"))
    )
    return TenantState(str(tenant), str(name), tables)

"""What the Xero loader reads: endpoints, keys, cursors, field rules and sandbox defaults."""

from __future__ import annotations

from dataclasses import dataclass

from dlt_pipelines.common.quarantine import FieldRules

# default sandbox addresses (see sandbox/serve.py); real Xero: https://api.xero.com/api.xro/2.0 etc.
DEFAULT_API_URL = "http://127.0.0.1:8710/api.xro/2.0"
DEFAULT_TOKEN_URL = "http://127.0.0.1:8710/connect/token"
DEFAULT_CONNECTIONS_URL = "http://127.0.0.1:8710/connections"


@dataclass(frozen=True)
class Endpoint:
    """One Xero collection and how to load it."""

    path: str  # URL path, e.g. "Invoices"
    table: str  # warehouse table name in raw_xero
    key: str  # primary key field
    paging: str  # "page" | "offset" | "none"
    modified_since: bool  # supports If-Modified-Since on UpdatedDateUTC
    params: tuple[tuple[str, str], ...] = ()
    collection: str = ""  # key of the list in the answer (default: path)

    @property
    def body_key(self) -> str:
        return self.collection or self.path


ENDPOINTS: dict[str, Endpoint] = {
    e.table: e
    for e in (
        Endpoint("Contacts", "contacts", "ContactID", "page", True, (("includeArchived", "true"),)),
        Endpoint("Invoices", "invoices", "InvoiceID", "page", True, (("includeArchived", "true"),)),
        Endpoint("CreditNotes", "credit_notes", "CreditNoteID", "page", True),
        Endpoint("Payments", "payments", "PaymentID", "page", True),
        Endpoint("BankTransactions", "bank_transactions", "BankTransactionID", "page", True),
        Endpoint("ManualJournals", "manual_journals", "ManualJournalID", "page", True),
        Endpoint("Journals", "journals", "JournalID", "offset", False),
        Endpoint("Accounts", "accounts", "AccountID", "none", True),
        Endpoint("Items", "items", "ItemID", "none", True),
        Endpoint("Organisation", "organisation", "OrganisationID", "none", False, collection="Organisations"),
        Endpoint("Currencies", "currencies", "Code", "none", False),
    )
}

# Xero webhook eventCategory -> tables to reload incrementally
WEBHOOK_CATEGORIES: dict[str, tuple[str, ...]] = {
    "INVOICE": ("invoices",),
    "CONTACT": ("contacts",),
    "CREDITNOTE": ("credit_notes",),
}

CURSOR_FIELD = "UpdatedDateUTC"
PARSED_CURSOR = "updated_at"  # the cursor as a UTC timestamp, added beside the raw /Date()/ string
TENANT_COLUMN = "tenant_id"

FIELD_RULES = FieldRules(
    numeric=frozenset(
        {
            "Amount",
            "AmountCredited",
            "AmountDue",
            "AmountPaid",
            "BankAmount",
            "CurrencyRate",
            "DiscountAmount",
            "DiscountRate",
            "GrossAmount",
            "LineAmount",
            "NetAmount",
            "Quantity",
            "QuantityOnHand",
            "RemainingCredit",
            "SubTotal",
            "TaxAmount",
            "Total",
            "TotalCostPool",
            "TotalDiscount",
            "TotalTax",
            "UnitAmount",
            "UnitPrice",
            "AppliedAmount",
        }
    ),
    integers=frozenset({"JournalNumber"}),
    dates=frozenset(
        {
            "CreatedDateUTC",
            "Date",
            "DateString",
            "DueDate",
            "DueDateString",
            "ExpectedPaymentDate",
            "FullyPaidOnDate",
            "JournalDate",
            "PlannedPaymentDate",
            "UpdatedDateUTC",
        }
    ),
)

# the sandbox's public demo credentials (not secrets; real ones go in .dlt/secrets.toml)
SANDBOX_CLIENT_ID = "tieout-sandbox"
SANDBOX_CLIENT_SECRET = "sandbox-secret"

# where a rotated refresh token is kept (inside .dlt/, git-ignored) unless sources.xero.token_store_path says
TOKEN_STORE_FILE = "xero_tokens.json"

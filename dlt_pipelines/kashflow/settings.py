"""What the KashFlow loader reads: resources, keys, field rules and sandbox defaults."""

from __future__ import annotations

from dataclasses import dataclass

from dlt_pipelines.common.quarantine import FieldRules

# default sandbox address (see sandbox/serve.py); real KashFlow: https://api.kashflow.com/v2
DEFAULT_BASE_URL = "http://127.0.0.1:8720/v2"

# the sandbox's public demo sign-in (not secrets; real ones go in .dlt/secrets.toml)
SANDBOX_USERNAME = "tieout-sandbox"
SANDBOX_PASSWORD = "sandbox-password"
SANDBOX_MEMORABLE_WORD = "reconcile"


@dataclass(frozen=True)
class Resource:
    """One KashFlow list and how to load it."""

    path: str  # URL path under /v2 and warehouse table name
    key: str  # primary key field
    details: bool = False  # list items are summaries: fetch each document for its lines and payments
    optional: bool = False  # not every KashFlow account answers this list: a 404 skips it


RESOURCES: dict[str, Resource] = {
    r.path: r
    for r in (
        Resource("customers", "Code"),
        Resource("suppliers", "Code"),
        Resource("invoices", "Number", details=True),
        Resource("purchases", "Number", details=True),
        Resource("nominals", "Code"),
        Resource("products", "Code"),
        Resource("bankaccounts", "Id"),
        Resource("banktransactions", "Id", optional=True),
        Resource("journals", "Id", optional=True),
    )
}

PER_PAGE = 250

DELETED_AT = "_deleted_at"
"""Raw column set (UTC) on a row whose document KashFlow no longer lists; NULL while it is live."""

FIELD_RULES = FieldRules(
    numeric=frozenset(
        {
            "Amount",
            "Balance",
            "ExchangeRate",
            "GrossAmount",
            "HomeCurrencyGrossAmount",
            "NetAmount",
            "Quantity",
            "Rate",
            "TotalPaidAmount",
            "VATAmount",
            "VATLevel",
            "Price",
            "CreditLimit",
            "OutstandingBalance",
            "TotalPaid",
            "OpeningBalance",
        }
    ),
    dates=frozenset(
        {
            "Date",
            "DueDate",
            "IssuedDate",
            "LastPaymentDate",
            "PaidDate",
            "PaymentDueDate",
            "CreatedDate",
            "LastUpdatedDate",
            "InvoiceDate",
            "UpdatedDate",
        }
    ),
)

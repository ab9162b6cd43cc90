"""What the Sage 100 source extracts: tables, keys, cursor columns, required dates and batch sizes.

Tables, keys and column types come from the shared contract :mod:`sandbox.sage100.schema` (Sage 100's own
names and types, the same for the ProvideX driver and Premium's SQL Server).
"""

from __future__ import annotations

from sandbox.sage100.schema import BLANK_DATE, TABLES, Table

SOURCE_NAME = "sage100"
PIPELINE_NAME = "sage100"
DATASET_NAME = "raw_sage100"

BATCH_SIZE = 50_000
"""Rows fetched per ``fetchmany`` and turned into one Arrow table."""

CURSOR_COLUMNS: tuple[tuple[str, str], ...] = (("DateCreated", "TimeCreated"), ("DateUpdated", "TimeUpdated"))
"""Date + decimal-hour time pairs; a row's ``_updated_at`` is the later of the two (blank dates ignored)."""

OPEN_ITEM_REFRESH_HOURS = 0.0
"""Hours between hash-compared full refreshes of open-item tables; 0 = on every load (the safe default,
because Sage 100's bulk processes change open items without touching DateUpdated)."""

BLANK_DATES = (BLANK_DATE,)
"""Sentinels meaning "no date" (Premium's 1753-01-01); the ProvideX driver returns NULL instead."""

REQUIRED_DATES: dict[str, tuple[str, ...]] = {
    "AR_OpenInvoice": ("InvoiceDate",),
    "AR_InvoiceHistoryHeader": ("InvoiceDate",),
    "AR_CashReceiptsHistory": ("DepositDate",),
    "AR_TransactionPaymentHistory": ("TransactionDate",),
    "AP_OpenInvoice": ("InvoiceDate",),
    "AP_InvoiceHistoryHeader": ("InvoiceDate",),
    "AP_CheckHistoryHeader": ("CheckDate",),
    "GL_DetailPosting": ("PostingDate",),
    "GL_FiscalYear": ("BeginningDate", "EndingDate"),
    "GL_FiscalYearDetail": ("PeriodStartingDate", "PeriodEndingDate"),
    "SO_SalesOrderHeader": ("OrderDate",),
}
"""Dates Sage 100 always fills: NULL there means the stored value is unreadable, so the row is quarantined.
Key columns are always required as well."""

ROW_HASH = "_row_hash"
UPDATED_AT = "_updated_at"
IS_OPEN = "_is_open"
CLOSED_AT = "_closed_at"


def selected_tables(names: list[str] | tuple[str, ...] | None) -> list[Table]:
    """The tables to load, in schema order; unknown names are an error that lists the known ones."""
    if not names:
        return list(TABLES.values())
    unknown = [n for n in names if n not in TABLES]
    if unknown:
        raise ValueError(f"unknown Sage 100 tables {', '.join(unknown)}; known: {', '.join(TABLES)}")
    return [t for t in TABLES.values() if t.name in names]


def required_columns(table: Table) -> tuple[str, ...]:
    """Columns that must not come back NULL: the key and the dates Sage 100 always fills."""
    extra = tuple(c for c in REQUIRED_DATES.get(table.name, ()) if c not in table.key)
    return table.key + extra

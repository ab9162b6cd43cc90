"""Sage 100 tables, columns and types (see ``shared/specs/sage100``): the contract for the scenario's
``sage100/<TABLE>.csv`` files, the ODBC sandbox and the loader.

Types follow the ProvideX/Premium dictionary: ``varchar(n)``, ``decimal(p,s)``, ``date`` and the
decimal-hour ``time`` strings of ``TimeCreated``/``TimeUpdated``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

AUDIT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("DateCreated", "date"),
    ("TimeCreated", "time"),
    ("UserCreatedKey", "varchar(10)"),
    ("DateUpdated", "date"),
    ("TimeUpdated", "time"),
    ("UserUpdatedKey", "varchar(10)"),
)

BLANK_DATE = "1753-01-01"
"""Premium's sentinel for an empty date; the sandbox stores blank dates this way."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str

    @property
    def kind(self) -> str:
        """``varchar``, ``decimal``, ``date`` or ``time``."""
        return self.type.split("(")[0]

    @property
    def length(self) -> int | None:
        if self.kind != "varchar":
            return None
        return int(self.type[self.type.index("(") + 1 : -1])

    @property
    def scale(self) -> int | None:
        if self.kind != "decimal":
            return None
        return int(self.type.split(",")[1].rstrip(")"))


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...] = field(default_factory=tuple)
    incremental: bool = True
    """Has DateUpdated/TimeUpdated a loader may use as a cursor (every table here does)."""
    open_items: bool = False
    """Changed by bulk processes without touching DateUpdated: needs full or hash-compared refreshes."""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _table(name: str, key: tuple[str, ...], cols: str, *, open_items: bool = False) -> Table:
    parsed = []
    for part in cols.split(";"):
        part = part.strip()
        if not part:
            continue
        col_name, col_type = part.split(" ", 1)
        parsed.append(Column(col_name, col_type.strip()))
    parsed.extend(Column(n, t) for n, t in AUDIT_COLUMNS)
    return Table(name, key, tuple(parsed), open_items=open_items)


_M = "decimal(13,2)"

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        _table(
            "AR_Division",
            ("ARDivisionNo",),
            "ARDivisionNo varchar(2); ARDivisionDesc varchar(30); AccountsReceivableAcctKey varchar(9);"
            "CashAcctKey varchar(9); DiscountsAllowedAcctKey varchar(9); FreightAcctKey varchar(9);"
            "SalesTaxAcctKey varchar(9)",
        ),
        _table(
            "AR_Customer",
            ("ARDivisionNo", "CustomerNo"),
            "ARDivisionNo varchar(2); CustomerNo varchar(20); CustomerName varchar(50);"
            "AddressLine1 varchar(40); AddressLine2 varchar(40); AddressLine3 varchar(40); City varchar(20);"
            "State varchar(2); ZipCode varchar(10); CountryCode varchar(3); EmailAddress varchar(250);"
            "TelephoneNo varchar(17); TermsCode varchar(2); CustomerType varchar(4); CreditHold varchar(1);"
            f"CreditLimit {_M}; CurrentBalance {_M}; DateLastPayment date; CustomerStatus varchar(1);"
            "TaxExemptNo varchar(15); CurrencyCode varchar(3)",
        ),
        _table(
            "AR_OpenInvoice",
            ("ARDivisionNo", "CustomerNo", "InvoiceNo", "InvoiceType"),
            "ARDivisionNo varchar(2); CustomerNo varchar(20); InvoiceNo varchar(7); InvoiceType varchar(2);"
            "InvoiceDate date; InvoiceDueDate date; InvoiceDiscountDate date;"
            "InvoiceHistoryHeaderSeqNo varchar(6); PostingDate date; CheckNo varchar(10);"
            f"TaxableAmt {_M}; NonTaxableAmt {_M}; SalesTaxAmt {_M}; FreightAmt {_M}; DiscountAmt {_M};"
            f"Balance {_M}; CurrencyCode varchar(3); ExchangeRate decimal(16,8)",
            open_items=True,
        ),
        _table(
            "AR_InvoiceHistoryHeader",
            ("InvoiceNo", "HeaderSeqNo"),
            "InvoiceNo varchar(7); HeaderSeqNo varchar(6); ARDivisionNo varchar(2); CustomerNo varchar(20);"
            "ModuleCode varchar(3); InvoiceType varchar(2); InvoiceDate date; TransactionDate date;"
            "SourceJournal varchar(2); JournalNoGLBatchNo varchar(6); SalesOrderNo varchar(7);"
            f"CustomerPONo varchar(15); TaxableSalesAmt {_M}; NonTaxableSalesAmt {_M}; FreightAmt {_M};"
            f"SalesTaxAmt {_M}; Comment varchar(30); CurrencyCode varchar(3); ExchangeRate decimal(16,8)",
        ),
        _table(
            "AR_InvoiceHistoryDetail",
            ("InvoiceNo", "HeaderSeqNo", "DetailSeqNo"),
            "InvoiceNo varchar(7); HeaderSeqNo varchar(6); DetailSeqNo varchar(6); ItemCode varchar(30);"
            "ItemType varchar(1); ItemCodeDesc varchar(30); "
            "SalesAcctKey varchar(9); WarehouseCode varchar(3);"
            "QuantityShipped decimal(15,6); UnitPrice decimal(16,6); ExtensionAmt decimal(11,2);"
            "TaxClass varchar(2)",
        ),
        _table(
            "AR_CashReceiptsHistory",
            (
                "BankCode",
                "DepositDate",
                "DepositNo",
                "DepositType",
                "ARDivisionNo",
                "CustomerNo",
                "CreditCardEntryNo",
                "CheckNo",
                "SequenceNo",
            ),
            "BankCode varchar(1); DepositDate date; DepositNo varchar(5); DepositType varchar(1);"
            "ARDivisionNo varchar(2); CustomerNo varchar(20); "
            "CreditCardEntryNo varchar(6); CheckNo varchar(10);"
            "SequenceNo varchar(6); PostingDate date; TransactionType varchar(2); InvoiceNo varchar(7);"
            "InvoiceType varchar(2); AccountKey varchar(9); BatchNo varchar(5); PaymentType varchar(5);"
            f"CashAmountApplied decimal(12,2); DiscountAmountApplied decimal(12,2); InvoiceBalance {_M}",
        ),
        _table(
            "AR_TransactionPaymentHistory",
            ("ARDivisionNo", "CustomerNo", "InvoiceNo", "InvoiceType", "TransactionDate", "SequenceNo"),
            "ARDivisionNo varchar(2); CustomerNo varchar(20); InvoiceNo varchar(7); InvoiceType varchar(2);"
            "TransactionDate date; SequenceNo varchar(6); InvoiceHistoryHeaderSeqNo varchar(6);"
            "PaymentReference varchar(14); CheckNo varchar(10); TransactionType varchar(1); PaymentDate date;"
            "PaymentType varchar(5); TransactionAmt decimal(12,2)",
        ),
        _table(
            "AP_Division",
            ("APDivisionNo",),
            "APDivisionNo varchar(2); APDivisionDesc varchar(30); AccountsPayableAcctKey varchar(9)",
        ),
        _table(
            "AP_Vendor",
            ("APDivisionNo", "VendorNo"),
            "APDivisionNo varchar(2); VendorNo varchar(7); VendorName varchar(30); AddressLine1 varchar(30);"
            "AddressLine2 varchar(30); AddressLine3 varchar(30); City varchar(20); State varchar(2);"
            "ZipCode varchar(10); CountryCode varchar(3); EmailAddress varchar(250); TelephoneNo varchar(17);"
            "TaxpayerIDSSNo varchar(15); TermsCode varchar(2); "
            "VendorStatus varchar(1); HoldPayment varchar(1);"
            "AccountKey varchar(9); LastPaymentDate date; CurrencyCode varchar(3)",
        ),
        _table(
            "AP_OpenInvoice",
            ("APDivisionNo", "VendorNo", "InvoiceNo"),
            "APDivisionNo varchar(2); VendorNo varchar(7); InvoiceNo varchar(10); InvoiceDate date;"
            f"InvoiceDueDate date; InvoiceAmt {_M}; Balance {_M}; CheckNo varchar(10); CheckType varchar(1);"
            "CheckDate date; Comment varchar(30); CurrencyCode varchar(3); ExchangeRate decimal(16,8)",
            open_items=True,
        ),
        _table(
            "AP_InvoiceHistoryHeader",
            ("APDivisionNo", "VendorNo", "InvoiceNo", "HeaderSeqNo"),
            "APDivisionNo varchar(2); VendorNo varchar(7); InvoiceNo varchar(10); HeaderSeqNo varchar(6);"
            "InvoiceDate date; PostingDate date; PurchaseOrderNo varchar(7); TermsCode varchar(2);"
            f"TaxableAmt {_M}; NonTaxableAmt {_M}; FreightAmt {_M}; SalesTaxAmt {_M}; InvoiceAmt {_M};"
            "ExpenseAcctKey varchar(9); Comment varchar(30); "
            "CurrencyCode varchar(3); ExchangeRate decimal(16,8)",
        ),
        _table(
            "AP_CheckHistoryHeader",
            ("BankCode", "CheckNo", "CheckSeqNo"),
            "BankCode varchar(1); CheckNo varchar(10); CheckSeqNo varchar(6); CheckType varchar(1);"
            "CheckDate date; TransactionDate date; APDivisionNo varchar(2); VendorNo varchar(7);"
            f"VendorName varchar(30); CheckAmt {_M}; "
            "SourceJournal varchar(2); SourceJournalBatchNo varchar(6);"
            "ClearedBank varchar(1); ClearedDate date",
        ),
        _table(
            "AP_CheckHistoryDetail",
            ("BankCode", "CheckNo", "CheckSeqNo", "InvoiceNo"),
            "BankCode varchar(1); CheckNo varchar(10); CheckSeqNo varchar(6); InvoiceNo varchar(10);"
            f"InvoiceSeqNo varchar(6); InvoiceDate date; APDivisionNo varchar(2); VendorNo varchar(7);"
            f"AmountPaid {_M}",
        ),
        _table(
            "GL_Account",
            ("AccountKey",),
            "AccountKey varchar(9); Account varchar(41); AccountDesc varchar(50); RawAccount varchar(32);"
            "MainAccountCode varchar(15); Status varchar(1); AccountType varchar(2); AccountGroup varchar(4);"
            "AccountCategory varchar(2)",
        ),
        _table(
            "GL_DetailPosting",
            ("AccountKey", "PostingDate", "SourceJournal", "JournalRegisterNo", "SequenceNo"),
            "AccountKey varchar(9); PostingDate date; SourceJournal varchar(2); JournalRegisterNo varchar(6);"
            "SequenceNo varchar(6); PostingComment varchar(30); DebitAmount decimal(16,2);"
            "CreditAmount decimal(16,2); SourceModule varchar(2); DocumentNo varchar(10);"
            "DocumentType varchar(2); BatchNo varchar(5); CurrencyCode varchar(3)",
        ),
        _table(
            "GL_PeriodPostingHistory",
            ("AccountKey", "FiscalYear", "FiscalPeriod"),
            "AccountKey varchar(9); FiscalYear varchar(4); FiscalPeriod varchar(2);"
            "BeginningBalance decimal(16,2); DebitAmount decimal(16,2); CreditAmount decimal(16,2)",
        ),
        _table(
            "GL_FiscalYear",
            ("FiscalYear",),
            "FiscalYear varchar(4); NumberOfPeriods varchar(2); BeginningDate date; EndingDate date;"
            "YearClosed varchar(1)",
        ),
        _table(
            "GL_FiscalYearDetail",
            ("FiscalYear", "FiscalPeriod"),
            "FiscalYear varchar(4); FiscalPeriod varchar(2); PeriodStartingDate date; PeriodEndingDate date;"
            "PeriodClosed varchar(1)",
        ),
        _table(
            "CI_Item",
            ("ItemCode",),
            "ItemCode varchar(30); ItemType varchar(1); ItemCodeDesc varchar(30); ProductLine varchar(4);"
            "Valuation varchar(1); SalesAcctKey varchar(9); InventoryAcctKey varchar(9);"
            "StandardUnitCost decimal(16,6); "
            "StandardUnitPrice decimal(16,6); TotalQuantityOnHand decimal(16,6);"
            "InactiveItem varchar(1)",
        ),
        _table(
            "IM_ItemWarehouse",
            ("ItemCode", "WarehouseCode"),
            "ItemCode varchar(30); WarehouseCode varchar(3); QuantityOnHand decimal(16,6);"
            "QuantityOnSalesOrder decimal(16,6); QuantityOnPurchaseOrder decimal(16,6);"
            "QuantityOnBackOrder decimal(16,6); AverageCost decimal(16,6); TotalWarehouseValue decimal(16,2)",
            open_items=True,
        ),
        _table(
            "SO_SalesOrderHeader",
            ("SalesOrderNo",),
            "SalesOrderNo varchar(7); OrderDate date; OrderType varchar(1); OrderStatus varchar(1);"
            "ARDivisionNo varchar(2); CustomerNo varchar(20); "
            "CustomerPONo varchar(15); WarehouseCode varchar(3);"
            f"TaxableAmt {_M}; NonTaxableAmt {_M}; SalesTaxAmt {_M}; FreightAmt {_M}; Comment varchar(30)",
        ),
        _table(
            "SO_SalesOrderDetail",
            ("SalesOrderNo", "LineKey"),
            "SalesOrderNo varchar(7); LineKey varchar(6); LineSeqNo varchar(14); ItemCode varchar(30);"
            "WarehouseCode varchar(3); QuantityOrdered decimal(16,6); QuantityShipped decimal(16,6);"
            "UnitPrice decimal(16,6); ExtensionAmt decimal(12,2)",
        ),
    ]
}

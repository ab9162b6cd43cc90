"""What differs between the Xero (US, USD, sales tax) and KashFlow (UK, GBP, VAT) companies.

Each chart row ties an account *role* used by the generator to the ledger's own code and to the Sage 100
account the integration posts it to; several source accounts may share one Sage account, and some Sage
accounts have no source counterpart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ChartRow:
    role: str
    code: str | None
    """Source account code (``None``: the Sage 100 account exists only in Sage)."""
    name: str
    source_type: str
    sage_account: str
    sage_desc: str
    sage_type: str
    """AS asset, LI liability, EQ equity, IN income, CS cost of sales, EX expense."""
    system_account: str | None = None


# role, Xero code, Xero name, Xero Type, Sage account, Sage description, Sage type, Xero SystemAccount
_XERO_CHART = [
    ("bank", "090", "Business Checking", "BANK", "1000-00-00", "Cash - Operating Account", "AS", None),
    ("savings", "091", "Business Savings", "BANK", "1010-00-00", "Cash - Money Market", "AS", None),
    ("ar", "610", "Accounts Receivable", "CURRENT", "1200-00-00", "Accounts Receivable", "AS", "DEBTORS"),
    ("inventory", "630", "Inventory", "INVENTORY", "1300-00-00", "Inventory", "AS", None),
    ("prepaid", "640", "Prepayments", "PREPAYMENT", "1400-00-00", "Prepaid Expenses", "AS", None),
    ("fixed_office", "710", "Office Equipment", "FIXED", "1500-00-00", "Furniture & Equipment", "AS", None),
    (
        "fixed_computer",
        "720",
        "Computer Equipment",
        "FIXED",
        "1500-00-00",
        "Furniture & Equipment",
        "AS",
        None,
    ),
    (
        "accum_dep",
        "711",
        "Less Accumulated Depreciation",
        "FIXED",
        "1590-00-00",
        "Accumulated Depreciation",
        "AS",
        None,
    ),
    ("ap", "800", "Accounts Payable", "CURRLIAB", "2000-00-00", "Accounts Payable", "LI", "CREDITORS"),
    ("tax", "820", "Sales Tax", "CURRLIAB", "2200-00-00", "Sales Tax Payable", "LI", None),
    ("payroll_liab", "825", "Payroll Liabilities", "CURRLIAB", "2300-00-00", "Accrued Payroll", "LI", None),
    ("accrued", "830", "Accrued Liabilities", "CURRLIAB", "2400-00-00", "Accrued Expenses", "LI", None),
    ("equity", "970", "Owner A Funds Introduced", "EQUITY", "3000-00-00", "Common Stock", "EQ", None),
    (
        "retained",
        "960",
        "Retained Earnings",
        "EQUITY",
        "3900-00-00",
        "Retained Earnings",
        "EQ",
        "RETAINEDEARNINGS",
    ),
    ("sales_product", "200", "Sales", "REVENUE", "4000-00-00", "Sales - Products", "IN", None),
    ("sales_service", "210", "Service Revenue", "REVENUE", "4100-00-00", "Sales - Services", "IN", None),
    ("other_income", "260", "Other Revenue", "OTHERINCOME", "4900-00-00", "Other Income", "IN", None),
    ("interest_income", "270", "Interest Income", "OTHERINCOME", "4900-00-00", "Other Income", "IN", None),
    ("cogs", "310", "Cost of Goods Sold", "DIRECTCOSTS", "5000-00-00", "Cost of Goods Sold", "CS", None),
    ("freight", "320", "Freight & Delivery", "DIRECTCOSTS", "5100-00-00", "Freight", "CS", None),
    ("advertising", "400", "Advertising", "OVERHEADS", "6100-00-00", "Advertising", "EX", None),
    ("bank_fees", "404", "Bank Service Charges", "OVERHEADS", "6150-00-00", "Bank Charges", "EX", None),
    (
        "professional",
        "412",
        "Consulting & Accounting",
        "OVERHEADS",
        "6200-00-00",
        "Professional Fees",
        "EX",
        None,
    ),
    (
        "entertainment",
        "420",
        "Entertainment",
        "OVERHEADS",
        "6300-00-00",
        "Travel & Entertainment",
        "EX",
        None,
    ),
    ("travel", "493", "Travel - National", "OVERHEADS", "6300-00-00", "Travel & Entertainment", "EX", None),
    ("insurance", "433", "Insurance", "OVERHEADS", "6400-00-00", "Insurance", "EX", None),
    ("utilities", "445", "Light, Power, Heating", "OVERHEADS", "6500-00-00", "Utilities", "EX", None),
    ("telephone", "489", "Telephone & Internet", "OVERHEADS", "6550-00-00", "Telephone", "EX", None),
    ("rent", "469", "Rent", "OVERHEADS", "6600-00-00", "Rent", "EX", None),
    (
        "repairs",
        "473",
        "Repairs and Maintenance",
        "OVERHEADS",
        "6700-00-00",
        "Repairs & Maintenance",
        "EX",
        None,
    ),
    ("office", "453", "Office Expenses", "OVERHEADS", "6800-00-00", "Office Supplies", "EX", None),
    ("general", "429", "General Expenses", "OVERHEADS", "6900-00-00", "Miscellaneous Expense", "EX", None),
    ("subscriptions", "485", "Subscriptions", "OVERHEADS", "6900-00-00", "Miscellaneous Expense", "EX", None),
    ("depreciation", "416", "Depreciation", "DEPRECIATN", "6950-00-00", "Depreciation Expense", "EX", None),
    ("wages", "477", "Wages and Salaries", "OVERHEADS", "7000-00-00", "Salaries & Wages", "EX", None),
    (
        "fx",
        "497",
        "Realized Currency Gains",
        "OVERHEADS",
        "8000-00-00",
        "Foreign Exchange Gain/Loss",
        "EX",
        "REALISEDCURRENCYGAIN",
    ),
]

# role, KashFlow nominal code, name, KashFlow Type, Sage account, Sage description, Sage type
_KASHFLOW_CHART = [
    ("bank", "1200", "Bank Current Account", "Bank", "1000-00-00", "Cash - Operating Account", "AS"),
    ("savings", "1210", "Bank Deposit Account", "Bank", "1010-00-00", "Cash - Money Market", "AS"),
    ("ar", "1100", "Trade Debtors", "CurrentAssets", "1200-00-00", "Accounts Receivable", "AS"),
    ("inventory", "1001", "Stock", "CurrentAssets", "1300-00-00", "Inventory", "AS"),
    ("prepaid", "1103", "Prepayments", "CurrentAssets", "1400-00-00", "Prepaid Expenses", "AS"),
    ("fixed_office", "30", "Office Equipment", "FixedAssets", "1500-00-00", "Furniture & Equipment", "AS"),
    (
        "fixed_computer",
        "40",
        "Computer Equipment",
        "FixedAssets",
        "1500-00-00",
        "Furniture & Equipment",
        "AS",
    ),
    (
        "accum_dep",
        "31",
        "Office Equipment Depreciation",
        "FixedAssets",
        "1590-00-00",
        "Accumulated Depreciation",
        "AS",
    ),
    ("ap", "2100", "Trade Creditors", "CurrentLiabilities", "2000-00-00", "Accounts Payable", "LI"),
    ("tax", "2200", "VAT Control", "CurrentLiabilities", "2200-00-00", "Sales Tax Payable", "LI"),
    ("payroll_liab", "2210", "PAYE and NI", "CurrentLiabilities", "2300-00-00", "Accrued Payroll", "LI"),
    ("accrued", "2109", "Accruals", "CurrentLiabilities", "2400-00-00", "Accrued Expenses", "LI"),
    ("equity", "3000", "Share Capital", "Capital", "3000-00-00", "Common Stock", "EQ"),
    ("retained", "3200", "Profit and Loss Account", "Capital", "3900-00-00", "Retained Earnings", "EQ"),
    ("sales_product", "4000", "Sales - Products", "Sales", "4000-00-00", "Sales - Products", "IN"),
    ("sales_service", "4010", "Sales - Services", "Sales", "4100-00-00", "Sales - Services", "IN"),
    ("other_income", "4900", "Other Income", "Sales", "4900-00-00", "Other Income", "IN"),
    ("interest_income", "4910", "Interest Received", "Sales", "4900-00-00", "Other Income", "IN"),
    ("cogs", "5000", "Cost of Sales", "CostOfSales", "5000-00-00", "Cost of Goods Sold", "CS"),
    ("freight", "5100", "Carriage", "CostOfSales", "5100-00-00", "Freight", "CS"),
    ("advertising", "6100", "Advertising", "Expenses", "6100-00-00", "Advertising", "EX"),
    ("bank_fees", "7900", "Bank Charges", "Expenses", "6150-00-00", "Bank Charges", "EX"),
    ("professional", "7600", "Accountancy Fees", "Expenses", "6200-00-00", "Professional Fees", "EX"),
    ("entertainment", "7403", "Entertaining", "Expenses", "6300-00-00", "Travel & Entertainment", "EX"),
    ("travel", "7400", "Travelling", "Expenses", "6300-00-00", "Travel & Entertainment", "EX"),
    ("insurance", "7104", "Insurance", "Expenses", "6400-00-00", "Insurance", "EX"),
    ("utilities", "7200", "Electricity and Gas", "Expenses", "6500-00-00", "Utilities", "EX"),
    ("telephone", "7502", "Telephone", "Expenses", "6550-00-00", "Telephone", "EX"),
    ("rent", "7100", "Rent", "Expenses", "6600-00-00", "Rent", "EX"),
    ("repairs", "7800", "Repairs and Renewals", "Expenses", "6700-00-00", "Repairs & Maintenance", "EX"),
    ("office", "7500", "Office Stationery", "Expenses", "6800-00-00", "Office Supplies", "EX"),
    ("general", "8200", "Sundry Expenses", "Expenses", "6900-00-00", "Miscellaneous Expense", "EX"),
    ("subscriptions", "8201", "Subscriptions", "Expenses", "6900-00-00", "Miscellaneous Expense", "EX"),
    ("depreciation", "8000", "Depreciation", "Expenses", "6950-00-00", "Depreciation Expense", "EX"),
    ("wages", "7000", "Gross Wages", "Expenses", "7000-00-00", "Salaries & Wages", "EX"),
    ("fx", "7906", "Exchange Rate Variance", "Expenses", "8000-00-00", "Foreign Exchange Gain/Loss", "EX"),
]

_SAGE_ONLY = [
    ("discounts", None, "", "", "4950-00-00", "Sales Discounts", "IN"),
    ("suspense", None, "", "", "9999-00-00", "Suspense", "AS"),
    ("undeposited", None, "", "", "1050-00-00", "Undeposited Funds", "AS"),
]


@dataclass(frozen=True)
class LedgerProfile:
    name: str
    base_currency: str
    foreign: dict[str, Decimal]
    """Foreign currencies and their starting rate in *document units per base unit*."""
    currency_names: dict[str, str]
    locale: str
    country_code: str
    country_name: str
    company_name: str
    tax_label: str
    chart: tuple[ChartRow, ...]

    def row(self, role: str) -> ChartRow:
        for r in self.chart:
            if r.role == role:
                return r
        raise KeyError(role)


def _rows(table: list[tuple], with_system: bool) -> tuple[ChartRow, ...]:
    out = []
    for entry in table:
        system = entry[7] if with_system else None
        out.append(ChartRow(*entry[:7], system_account=system))
    for entry in _SAGE_ONLY:
        out.append(ChartRow(*entry))
    return tuple(out)


XERO = LedgerProfile(
    name="xero",
    base_currency="USD",
    foreign={"EUR": Decimal("0.921400"), "GBP": Decimal("0.787300"), "CAD": Decimal("1.362500")},
    currency_names={
        "USD": "United States Dollar",
        "EUR": "Euro",
        "GBP": "British Pound",
        "CAD": "Canadian Dollar",
    },
    locale="en_US",
    country_code="US",
    country_name="United States",
    company_name="Northwind Industrial Supply Inc",
    tax_label="Sales Tax",
    chart=_rows(_XERO_CHART, with_system=True),
)

KASHFLOW = LedgerProfile(
    name="kashflow",
    base_currency="GBP",
    foreign={"EUR": Decimal("1.168200"), "USD": Decimal("1.270100")},
    currency_names={"GBP": "Pound Sterling", "EUR": "Euro", "USD": "US Dollar"},
    locale="en_GB",
    country_code="GB",
    country_name="United Kingdom",
    company_name="Harrowgate Trade Supplies Ltd",
    tax_label="VAT",
    chart=_rows(_KASHFLOW_CHART, with_system=False),
)

PROFILES = {"xero": XERO, "kashflow": KASHFLOW}

"""Fixtures of the app tests: a small DuckDB warehouse in the shape of the public contract (core.*, recon.*,
journals.*), with known rows so that pages can be checked to the cent, and AppTest helpers.

The rows describe a Xero company beside Sage 100 in January and February 2026: one invoice whose amount
differs, one missing in Sage 100, one Sage 100 invoice missing in Xero, a payment with no Sage 100 cash
receipt, a customer whose email differs, an item whose quantity differs, and journal proposals (one above
the approval threshold).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP_FILE = ROOT / "app" / "streamlit_app.py"
PASSWORDS = {
    "preparer": "preparer-demo",
    "approver": "approver-demo",
    "approver2": "approver2-demo",
    "admin": "admin-demo",
}

DDL = """
create schema core; create schema recon; create schema journals;
create table core.documents (
    document_key varchar, system varchar, document_type varchar, native_id varchar, document_number varchar,
    reference varchar, party_key varchar, party_name varchar, issue_date date, due_date date,
    posting_date date, period varchar, status_normalized varchar, currency_code varchar,
    subtotal_amount decimal(18,2), tax_amount decimal(18,2), total_amount decimal(18,2),
    amount_due decimal(18,2), base_total_amount decimal(18,2)
);
insert into core.documents values
 ('xero:inv:1', 'xero', 'sales_invoice', 'x-1', 'INV-1001', 'PO 77', 'xero:c:1', 'Acme Bakery', '2026-01-05',
  '2026-02-04', '2026-01-05', '2026-01', 'open', 'USD', 1000.00, 200.00, 1200.00, 1200.00, 1200.00),
 ('sage100:inv:1', 'sage100', 'sales_invoice', 'IN1001', 'IN1001', 'PO 77', 'sage100:c:1', 'Acme Bakery',
  '2026-01-05', '2026-02-04', '2026-01-05', '2026-01', 'open', 'USD', 958.33, 191.67, 1150.00, 1150.00,
  1150.00),
 ('xero:inv:2', 'xero', 'sales_invoice', 'x-2', 'INV-1002', null, 'xero:c:2', 'Zen Garden', '2026-01-20',
  '2026-02-19', '2026-01-20', '2026-01', 'open', 'USD', 800.00, 80.10, 880.10, 880.10, 880.10),
 ('sage100:inv:3', 'sage100', 'sales_invoice', 'IN0999', 'IN0999', null, 'sage100:c:2', 'Zen Garden',
  '2026-02-02', '2026-03-04', '2026-02-02', '2026-02', 'open', 'USD', 450.00, 0.00, 450.00, 450.00, 450.00),
 ('xero:inv:4', 'xero', 'sales_invoice', 'x-4', 'INV-1004', null, 'xero:c:1', 'Acme Bakery', '2026-02-10',
  '2026-03-12', '2026-02-10', '2026-02', 'paid', 'USD', 300.00, 0.00, 300.00, 0.00, 300.00),
 ('sage100:inv:4', 'sage100', 'sales_invoice', 'IN1004', 'IN1004', null, 'sage100:c:1', 'Acme Bakery',
  '2026-02-10', '2026-03-12', '2026-02-10', '2026-02', 'paid', 'USD', 300.00, 0.00, 300.00, 0.00, 300.00);

create table core.payments (
    payment_key varchar, system varchar, payment_type varchar, native_id varchar, payment_reference varchar,
    reference varchar, payment_group_ref varchar, payment_date date, period varchar, document_number varchar,
    amount decimal(18,2), currency_code varchar, base_amount decimal(18,2), status_normalized varchar
);
insert into core.payments values
 ('xero:payment:p1', 'xero', 'receipt', 'pay-0001', 'Acme Feb', 'Acme Feb', null, '2026-02-12', '2026-02',
  'INV-1004', 300.00, 'USD', 300.00, 'posted'),
 ('xero:payment:p2', 'xero', 'receipt', 'pay-0002', 'Zen part', 'Zen part', null, '2026-02-15', '2026-02',
  null, 500.00, 'USD', 500.00, 'posted');

create table core.parties (
    party_key varchar, system varchar, party_role varchar, native_id varchar, party_code varchar,
    division_no varchar, party_name varchar, email varchar, phone varchar, address_line1 varchar,
    city varchar,
    region varchar, postal_code varchar, country varchar, tax_id varchar, currency_code varchar,
    status_normalized varchar
);
insert into core.parties values
 ('xero:c:1', 'xero', 'customer', 'c-1', 'C001', null, 'Acme Bakery', 'billing@acme.test', '555-0100',
  '1 Main St', 'Springfield', 'IL', '62701', 'US', null, 'USD', 'active'),
 ('sage100:c:1', 'sage100', 'customer', '01-ACME', 'ACME', '01', 'Acme Bakery', 'ap@acme.test', '555-0100',
  '1 Main St', 'Springfield', 'IL', '62701', 'US', null, 'USD', 'active'),
 ('xero:c:2', 'xero', 'customer', 'c-2', 'C002', null, 'Zen Garden', 'zen@garden.test', null, null, null,
  null, null, null, null, 'USD', 'active'),
 ('sage100:c:2', 'sage100', 'customer', '01-ZEN', 'ZEN', '01', 'Zen Garden', 'zen@garden.test', null, null,
  null, null, null, null, null, 'USD', 'active');

create table core.accounts (
    account_key varchar, system varchar, account_code varchar, account_name varchar, account_class varchar,
    mapping_status varchar, sage100_account varchar, suggested_sage100_account varchar,
    suggestion_score double, mapping_evidence varchar
);
insert into core.accounts values
 ('xero:200', 'xero', '200', 'Sales', 'revenue', 'suggested', '4000-00-00', '4000-00-00', 0.93,
  'name "Sales" ~ "Sales - Products"; 41 of 44 postings hit 4000-00-00'),
 ('xero:610', 'xero', '610', 'Accounts Receivable', 'asset', 'confirmed', '1200-00-00', null, null, 'seed'),
 ('xero:260', 'xero', '260', 'Other Revenue', 'revenue', 'suggested', '4000-00-00', '4000-00-00', 0.41,
  'both revenue'),
 ('sage100:4000', 'sage100', '4000-00-00', 'Sales - Products', 'revenue', 'native', null, null, null, null),
 ('sage100:4010', 'sage100', '4010-00-00', 'Other Revenue', 'revenue', 'native', null, null, null, null),
 ('sage100:1200', 'sage100', '1200-00-00', 'Accounts Receivable', 'asset', 'native', null, null, null, null);

create table core.items (
    item_key varchar, system varchar, item_code varchar, item_name varchar, item_type varchar,
    unit_price decimal(18,6), unit_cost decimal(18,6), quantity_on_hand decimal(18,6), is_active boolean
);
insert into core.items values
 ('xero:SKU-1', 'xero', 'SKU-1', 'Sourdough loaf', 'inventory', 6.50, 2.10, 10, true),
 ('sage100:SKU-1', 'sage100', 'SKU-1', 'Sourdough loaf', 'inventory', 6.50, 2.10, 8, true);

create table core.gl_entries (
    system varchar, posting_date date, account_code varchar, description varchar, debit decimal(18,2),
    credit decimal(18,2), currency_code varchar, sage100_journal_register_no varchar, document_number varchar,
    source_native_id varchar
);
insert into core.gl_entries values
 ('sage100', '2026-01-31', '6000-00-00', 'accrual', 500.00, 0.00, 'USD', '600001', '600001', null),
 ('sage100', '2026-01-31', '2100-00-00', 'accrual', 0.00, 450.00, 'USD', '600001', '600001', null);

create table recon.document_tieout (
    tieout_id varchar, system varchar, source_document_key varchar, source_document_number varchar,
    sage100_document_key varchar, sage100_invoice_no varchar, sage100_customer_no varchar, status varchar,
    source_amount decimal(18,2), sage100_amount decimal(18,2), difference decimal(18,2), currency varchar,
    period varchar, sage100_amount_due decimal(18,2)
);
insert into recon.document_tieout values
 ('t1', 'xero', 'xero:inv:1', 'INV-1001', 'sage100:inv:1', 'IN1001', '01-ACME', 'amount_mismatch', 1200.00,
  1150.00, -50.00, 'USD', '2026-01', 1150.00),
 ('t2', 'xero', 'xero:inv:2', 'INV-1002', null, null, null, 'missing_in_sage100', 880.10, null, -880.10,
  'USD',
  '2026-01', null),
 ('t3', 'sage100', null, null, 'sage100:inv:3', 'IN0999', '01-ZEN', 'missing_in_source', null, 450.00, 450.00,
  'USD', '2026-02', 450.00),
 ('t4', 'xero', 'xero:inv:4', 'INV-1004', 'sage100:inv:4', 'IN1004', '01-ACME', 'matched', 300.00, 300.00,
  0.00, 'USD', '2026-02', 0.00);

create table recon.exceptions (
    exception_id varchar, exception_type varchar, severity varchar, system varchar, document_number varchar,
    related_document_number varchar, party varchar, amount decimal(18,2), currency varchar, period varchar,
    details varchar, natural_key varchar, subject varchar
);
insert into recon.exceptions values
 ('E-AMT', 'amount_mismatch', 'high', 'sage100', 'INV-1001', 'IN1001', 'C001', -50.00, 'USD', '2026-01',
  'INV-1001 totals 1200.00, Sage 100 IN1001 1150.00', 'xero:inv:1|sage100:inv:1', 'document'),
 ('E-MIS', 'missing_in_sage100', 'high', 'xero', 'INV-1002', null, 'C002', 880.10, 'USD', '2026-01',
  'Posted sales_invoice INV-1002 for 880.10 USD has no Sage 100 counterpart', 'xero:inv:2|', 'document'),
 ('E-SRC', 'missing_in_source', 'high', 'sage100', 'IN0999', null, '01-ZEN', 450.00, 'USD', '2026-02',
  'Sage 100 document IN0999 (01-ZEN, 450.00) has no counterpart in the ledger', '|sage100:inv:3', 'document'),
 ('E-PAY', 'payment_missing_in_sage100', 'high', 'xero', 'pay-0002', null, 'C002', 500.00, 'USD', '2026-02',
  'receipt pay-0002 of 500.00 on 2026-02-15 has no Sage 100 cash receipt or check', 'h-pay', 'payment'),
 ('E-MD', 'master_data_mismatch', 'low', 'sage100', 'C001', '01-ACME', 'C001', null, null, null,
  'customer C001 email: billing@acme.test vs Sage 100 01-ACME: ap@acme.test', 'D-1', 'party'),
 ('E-INV', 'inventory_quantity_mismatch', 'medium', 'sage100', 'SKU-1', 'SKU-1', null, 2.00, null, null,
  'item SKU-1 quantity on hand 10, Sage 100 SKU-1 8', 'D-2', 'item'),
 ('E-GJ', 'unbalanced_journal', 'high', 'sage100', '600001', null, null, 50.00, null, '2026-01',
  'Sage 100 GJ register 600001 debits 500.00 but credits 450.00', 'GJ-600001', 'journal');

create table recon.payment_matches (
    match_id varchar, payment_system varchar, payment_ref varchar, payment_kind varchar,
    open_item_system varchar, document_number varchar, allocated_amount decimal(18,2), currency varchar,
    rule varchar, confidence double, decision varchar, evidence varchar, writeoff_amount decimal(18,2),
    party varchar, payment_date date, payment_amount decimal(18,2)
);
insert into recon.payment_matches values
 ('M-1', 'xero', 'pay-0001', 'invoice_payment', 'xero', 'INV-1004', 300.00, 'USD', 'native', 1.0, 'auto',
  'the payment names INV-1004', null, 'C001', '2026-02-12', 300.00),
 ('M-2', 'xero', 'pay-0002', 'bank_receipt', 'xero', 'INV-1002', 500.00, 'USD', 'exact_amount', 0.72,
  'suggested', 'same party, amount within the open balance, 26 days after the invoice', 380.10, 'C002',
  '2026-02-15', 500.00),
 ('M-3', 'sage100', 'CR-7', 'cash_receipt', 'sage100', 'IN1004', 300.00, 'USD', 'native', 1.0, 'auto',
  'AR cash receipt applied to IN1004', null, '01-ACME', '2026-02-12', 300.00);

create table recon.open_items (
    document_key varchar, system varchar, ledger varchar, document_number varchar, party_name varchar,
    currency_code varchar, total_amount decimal(18,2), amount_due decimal(18,2), as_of_date date,
    days_past_due bigint, aging_bucket varchar
);
insert into recon.open_items values
 ('xero:inv:1', 'xero', 'AR', 'INV-1001', 'Acme Bakery', 'USD', 1200.00, 1200.00, '2026-02-28', 24, '1-30'),
 ('xero:inv:2', 'xero', 'AR', 'INV-1002', 'Zen Garden', 'USD', 880.10, 880.10, '2026-02-28', 9, '1-30'),
 ('sage100:inv:1', 'sage100', 'AR', 'IN1001', 'Acme Bakery', 'USD', 1150.00, 1150.00, '2026-02-28', 24,
  '1-30'),
 ('sage100:inv:3', 'sage100', 'AR', 'IN0999', 'Zen Garden', 'USD', 450.00, 450.00, '2026-02-28', 0,
  'current');

create table recon.trial_balance_comparison (
    system varchar, period varchar, account varchar, currency varchar, mapping_status varchar,
    source_amount decimal(18,2), sage100_amount decimal(18,2), difference decimal(18,2)
);
insert into recon.trial_balance_comparison values
 ('xero', '2026-01', '4000-00-00', 'USD', 'suggested', -1800.00, -1716.66, 83.34),
 ('xero', '2026-01', '1200-00-00', 'USD', 'confirmed', 2080.10, 1150.00, -930.10),
 ('xero', '2026-02', '4000-00-00', 'USD', 'suggested', -300.00, -300.00, 0.00);

create table recon.master_data_deltas (
    delta_id varchar, system varchar, entity varchar, source_code varchar, sage100_code varchar,
    delta_type varchar, field varchar, source_value varchar, sage100_value varchar, difference decimal(18,2)
);
insert into recon.master_data_deltas values
 ('D-1', 'xero', 'customer', 'C001', '01-ACME', 'field_mismatch', 'email', 'billing@acme.test',
  'ap@acme.test',
  null),
 ('D-2', 'xero', 'item', 'SKU-1', 'SKU-1', 'quantity_mismatch', 'quantity_on_hand', '10', '8', 2.00);

create table journals.proposals (
    proposal_id varchar, content_hash varchar, target varchar, period varchar, posting_date date,
    kind varchar, description varchar, amount_base decimal(18,2), needs_second_approval boolean
);
insert into journals.proposals values
 ('JP-SALES-2026-01', 'a1b2c3d4e5f6a1b2c3d4e5f6', 'sage100', '2026-01', '2026-01-31', 'sales_summary',
  'Sales summary January 2026: invoices missing in Sage 100', 880.10, false),
 ('JP-ADJ-2026-01', 'f6e5d4c3b2a1f6e5d4c3b2a1', 'sage100', '2026-01', '2026-01-31', 'adjustment',
  'Large adjustment January 2026', 12500.00, true);

create table journals.proposal_lines (
    proposal_id varchar, line_number integer, account varchar, debit decimal(18,2), credit decimal(18,2),
    currency varchar, description varchar
);
insert into journals.proposal_lines values
 ('JP-SALES-2026-01', 1, '1200-00-00', 880.10, 0.00, 'USD', 'AR: INV-1002'),
 ('JP-SALES-2026-01', 2, '4000-00-00', 0.00, 880.10, 'USD', 'Sales: INV-1002'),
 ('JP-ADJ-2026-01', 1, '6000-00-00', 12500.00, 0.00, 'USD', 'Adjustment'),
 ('JP-ADJ-2026-01', 2, '2100-00-00', 0.00, 12500.00, 'USD', 'Adjustment');

create table journals.proposal_sources (
    proposal_id varchar, system varchar, document_number varchar, amount decimal(18,2)
);
insert into journals.proposal_sources values ('JP-SALES-2026-01', 'xero', 'INV-1002', 880.10);
"""


def make_warehouse(path: Path) -> Path:
    """Write the contract-shaped warehouse to ``path`` (a new DuckDB file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute(DDL)
    return path


def signed_in_app(role: str = "approver", page: str | None = None, timeout: float = 30) -> AppTest:
    """The app run as the demo account ``role``, already signed in (sign-in itself is tested in
    test_app_auth), on ``page`` (a file of app/views without .py; default: the Overview)."""
    from app.auth import User, load_users

    account = _demo_users(load_users).accounts[role]
    at = AppTest.from_file(str(APP_FILE), default_timeout=timeout)
    at.session_state["user"] = User(account.username, account.role, account.name, "password")
    if page:
        at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


_USERS: dict[str, object] = {}


def _demo_users(load):  # noqa: ANN001, ANN202 - a cached app.auth.UsersConfig
    from app.settings import DEFAULT_USERS_FILE

    if "demo" not in _USERS:
        _USERS["demo"] = load(DEFAULT_USERS_FILE)
    return _USERS["demo"]


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_user").input(username)
    at.text_input(key="login_password").input(password)
    at.get("form_submit_button")[0].click()
    return at.run()


def texts(at: AppTest, kind: str) -> list[str]:
    """The texts of every element of ``kind`` (error, success, warning, info, markdown, caption...)."""
    return [str(e.value) for e in getattr(at, kind)]


def open_page(at: AppTest, name: str) -> AppTest:
    """Switch ``at`` to the page ``name``; ``open_page(signed_in_app(role), name)`` starts there."""
    at.switch_page(f"views/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, label: str) -> AppTest:
    """Click the (form submit) button labelled ``label`` and run the app."""
    for button in [*at.button, *at.get("form_submit_button")]:
        if button.label == label:
            button.click()
            return at.run()
    labels = [b.label for b in [*at.button, *at.get("form_submit_button")]]
    raise AssertionError(f"no button {label!r}; buttons: {labels}")


def frame_with(at: AppTest, column: str):  # noqa: ANN201 - a pandas DataFrame
    """The value of the first dataframe on the page that has ``column``."""
    for element in at.dataframe:
        value = element.value
        if column in value.columns:
            return value
    raise AssertionError(f"no dataframe with a column {column!r}")

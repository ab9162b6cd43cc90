{{ config(materialized='view', meta={'tests_on_changed_rows': true}) }}
-- Invoices, bills and credit notes of every system: a view over the incremental intermediate models
-- int_<system>__documents (each document is written once, there; they replace the documents that changed).
with unioned as (
    select * from {{ ref('int_xero__documents') }}
    union all by name
    select * from {{ ref('int_kashflow__documents') }}
    union all by name
    select * from {{ ref('int_sage100__documents') }}
)

select
    document_key,
    system,
    document_type,
    ledger_side,
    native_id,
    document_number,
    reference,
    party_key,
    party_native_id,
    party_name,
    issue_date,
    due_date,
    posting_date,
    period,
    status,
    status_normalized,
    is_posted,
    currency_code,
    exchange_rate,
    native_rate,
    rate_method,
    base_currency,
    subtotal_amount,
    tax_amount,
    total_amount,
    amount_settled,
    amount_due,
    base_subtotal_amount,
    base_tax_amount,
    base_total_amount,
    line_count,
    line_amount_types,
    sage100_invoice_type,
    comment as sage100_comment,
    division_no as sage100_division_no,
    party_code as sage100_party_code,
    source_journal as sage100_source_journal,
    gl_batch_no as sage100_gl_batch_no,
    sales_order_no as sage100_sales_order_no,
    tenant_id,
    updated_at,
    _dlt_load_id,
    _loaded_at,
    _built_at
from unioned

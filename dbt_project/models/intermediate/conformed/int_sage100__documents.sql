{{ config(materialized='incremental', incremental_strategy='replace_groups', unique_key='native_id',
    on_schema_change='append_new_columns') }}
-- Sage 100 posted AR invoices / credit memos (AR_InvoiceHistoryHeader) and AP invoices
-- (AP_InvoiceHistoryHeader) in one shape. Sage stores credit memos negative: amounts here are turned
-- to the document's own (positive) direction. Sage's ExchangeRate is base units per document unit.
-- amount_due comes from the open-item tables (AR_OpenInvoice / AP_OpenInvoice) while the item is open.
-- Incremental: a document whose header, lines, open item or party was loaded since the last run is
-- rebuilt, replaced by native id (macros/incremental.sql).
with ar as (
    select
        h.*,
        case when h.invoice_type in ('CM') then 'sales_credit_note' else 'sales_invoice' end as document_type,
        case when h.invoice_type in ('CM') then -1 else 1 end as direction
    from {{ ref('stg_sage100__ar_invoice_history_headers') }} as h
    where {{ in_change_set('sage100', 'documents', "h.invoice_no || '-' || h.header_seq_no") }}
),

ar_open as (
    -- closed items stay in raw (is_open false): their change must reach incremental models too
    select ar_division_no, customer_no, invoice_no, invoice_type, case when is_open then balance else 0 end as balance,
        _dlt_load_id
    from {{ ref('stg_sage100__ar_open_invoices') }}
),

ap as (
    select
        h.*,
        case when coalesce(h.invoice_amt, 0) < 0 then 'bill_credit_note' else 'bill' end as document_type,
        case when coalesce(h.invoice_amt, 0) < 0 then -1 else 1 end as direction
    from {{ ref('stg_sage100__ap_invoice_history_headers') }} as h
    where {{ in_change_set('sage100', 'documents', "h.ap_division_no || '-' || h.vendor_no || '-' || h.invoice_no || '-' || h.header_seq_no") }}
),

ap_open as (
    select ap_division_no, vendor_no, invoice_no, case when is_open then balance else 0 end as balance, _dlt_load_id
    from {{ ref('stg_sage100__ap_open_invoices') }}
),

line_totals as (
    select document_key, sum(base_net_amount) as base_subtotal_amount, count(*) as line_count
    from {{ ref('int_sage100__document_lines') }}
    group by document_key
),

unioned as (
    select
        'sage100:' || ar.document_type || ':' || ar.invoice_no || '-' || ar.header_seq_no as document_key,
        ar.document_type,
        'receivable' as ledger_side,
        ar.invoice_no || '-' || ar.header_seq_no as native_id,
        ar.invoice_no as document_number,
        ar.invoice_type as sage100_invoice_type,
        ar.customer_po_no as reference,
        ar.comment,
        'sage100:customer:' || ar.ar_division_no || '-' || ar.customer_no as party_key,
        ar.ar_division_no || '-' || ar.customer_no as party_native_id,
        ar.customer_no as party_code,
        ar.ar_division_no as division_no,
        ar.invoice_date as issue_date,
        cast(null as date) as due_date,
        coalesce(ar.transaction_date, ar.invoice_date) as posting_date,
        ar.invoice_type as status,
        ar.currency_code,
        coalesce(nullif(ar.exchange_rate, 0), 1) as exchange_rate,
        (coalesce(ar.taxable_sales_amt, 0) + coalesce(ar.non_taxable_sales_amt, 0) + coalesce(ar.freight_amt, 0)) * ar.direction as subtotal_amount,
        coalesce(ar.sales_tax_amt, 0) * ar.direction as tax_amount,
        coalesce(ar.freight_amt, 0) * ar.direction as freight_amount,
        o.balance * ar.direction as open_balance,
        ar.source_journal,
        ar.journal_no_gl_batch_no as gl_batch_no,
        ar.sales_order_no,
        ar.updated_at,
        greatest(ar._dlt_load_id, coalesce(o._dlt_load_id, ar._dlt_load_id)) as _dlt_load_id,
        ar._loaded_at
    from ar
    left join ar_open as o
        on o.ar_division_no = ar.ar_division_no and o.customer_no = ar.customer_no
        and o.invoice_no = ar.invoice_no and o.invoice_type = ar.invoice_type
    union all
    select
        'sage100:' || ap.document_type || ':' || ap.ap_division_no || '-' || ap.vendor_no || '-' || ap.invoice_no || '-' || ap.header_seq_no,
        ap.document_type,
        'payable',
        ap.ap_division_no || '-' || ap.vendor_no || '-' || ap.invoice_no || '-' || ap.header_seq_no,
        ap.invoice_no,
        cast(null as varchar),
        ap.purchase_order_no,
        ap.comment,
        'sage100:vendor:' || ap.ap_division_no || '-' || ap.vendor_no,
        ap.ap_division_no || '-' || ap.vendor_no,
        ap.vendor_no,
        ap.ap_division_no,
        ap.invoice_date,
        cast(null as date),
        coalesce(ap.posting_date, ap.invoice_date),
        'posted',
        ap.currency_code,
        coalesce(nullif(ap.exchange_rate, 0), 1),
        (coalesce(ap.invoice_amt, 0) - coalesce(ap.sales_tax_amt, 0)) * ap.direction,
        coalesce(ap.sales_tax_amt, 0) * ap.direction,
        coalesce(ap.freight_amt, 0) * ap.direction,
        o.balance * ap.direction,
        cast(null as varchar),
        cast(null as varchar),
        cast(null as varchar),
        ap.updated_at,
        greatest(ap._dlt_load_id, coalesce(o._dlt_load_id, ap._dlt_load_id)),
        ap._loaded_at
    from ap
    left join ap_open as o
        on o.ap_division_no = ap.ap_division_no and o.vendor_no = ap.vendor_no and o.invoice_no = ap.invoice_no
),

base as (
    select base_currency from {{ ref('int_base_currencies') }} where system = 'sage100'
)

select
    {{ built_at() }} as _built_at,
    u.document_key,
    'sage100' as system,
    u.document_type,
    u.ledger_side,
    u.native_id,
    u.document_number,
    u.sage100_invoice_type,
    u.reference,
    u.comment,
    u.party_key,
    u.party_native_id,
    u.party_code,
    u.division_no,
    p.party_name,
    u.issue_date,
    u.due_date,
    u.posting_date,
    strftime(u.posting_date, '%Y-%m') as period,
    u.status,
    'posted' as status_normalized,
    true as is_posted,
    coalesce(u.currency_code, base.base_currency) as currency_code,
    cast(u.exchange_rate as decimal(18, 10)) as exchange_rate,
    cast(u.exchange_rate as decimal(18, 10)) as native_rate,
    'multiply' as rate_method,
    base.base_currency,
    u.subtotal_amount,
    u.tax_amount,
    u.subtotal_amount + u.tax_amount as total_amount,
    u.subtotal_amount + u.tax_amount - coalesce(u.open_balance, 0) as amount_settled,
    coalesce(u.open_balance, 0) as amount_due,
    coalesce(t.base_subtotal_amount, {{ to_base_currency('u.subtotal_amount', 'u.exchange_rate', "'multiply'") }}) as base_subtotal_amount,
    {{ to_base_currency('u.tax_amount', 'u.exchange_rate', "'multiply'") }} as base_tax_amount,
    coalesce(t.base_subtotal_amount, {{ to_base_currency('u.subtotal_amount', 'u.exchange_rate', "'multiply'") }})
        + {{ to_base_currency('u.tax_amount', 'u.exchange_rate', "'multiply'") }} as base_total_amount,
    coalesce(t.line_count, 0) as line_count,
    u.freight_amount,
    u.source_journal,
    u.gl_batch_no,
    u.sales_order_no,
    u.updated_at,
    u._dlt_load_id,
    u._loaded_at
from unioned as u
cross join base
left join line_totals as t on t.document_key = u.document_key
left join {{ ref('int_sage100__parties') }} as p on p.party_key = u.party_key

{{ config(materialized='incremental', incremental_strategy='replace_groups', unique_key='document_key',
    on_schema_change='append_new_columns') }}
-- Xero invoices, bills and credit notes in one shape. Amounts are positive in the document's own
-- direction; exchange_rate is base units per document unit (1 / Xero's CurrencyRate) and the base
-- amounts are built like Xero does: lines converted one by one, tax converted once.
-- Incremental: documents loaded since the last run are rebuilt (macros/incremental.sql).
with documents as (
    select
        invoice_id as native_id, tenant_id, invoice_number as document_number, reference,
        case invoice_type when 'ACCREC' then 'sales_invoice' when 'ACCPAY' then 'bill' end as document_type,
        contact_id, contact_name, invoice_date as issue_date, due_date, status, status_normalized, is_posted,
        currency_code, currency_rate, line_amount_types, sub_total, total_tax, total, amount_paid, amount_credited,
        amount_due, fully_paid_on_date, updated_at, _dlt_load_id, _loaded_at
    from {{ ref('stg_xero__invoices') }}
    -- = in_change_set('xero', 'documents', ...): dlt keeps one row per id, so a document is in the change
    -- set exactly when its own row is newer; said this way the filter reaches the raw scan before the
    -- staging view's parsing of every row
    where {{ changed_since_last_run('_dlt_load_id', 'xero') }}
    union all
    select
        credit_note_id, tenant_id, credit_note_number, reference,
        case credit_note_type when 'ACCRECCREDIT' then 'sales_credit_note' when 'ACCPAYCREDIT' then 'bill_credit_note' end,
        contact_id, contact_name, credit_note_date, due_date, status, status_normalized, is_posted,
        currency_code, currency_rate, line_amount_types, sub_total, total_tax, total,
        coalesce(total, 0) - coalesce(remaining_credit, 0), cast(null as decimal(18, 2)),
        remaining_credit, fully_paid_on_date, updated_at, _dlt_load_id, _loaded_at
    from {{ ref('stg_xero__credit_notes') }}
    where {{ changed_since_last_run('_dlt_load_id', 'xero') }}
),

line_totals as (
    -- of the documents rebuilt only (an incremental run reads their lines, not every line)
    select document_key, sum(base_net_amount) as base_subtotal_amount, count(*) as line_count
    from {{ ref('int_xero__document_lines') }}
    where document_key in (select 'xero:' || document_type || ':' || native_id from documents)
    group by document_key
),

base as (
    select base_currency from {{ ref('int_base_currencies') }} where system = 'xero'
)

select
    {{ built_at() }} as _built_at,
    'xero:' || d.document_type || ':' || d.native_id as document_key,
    'xero' as system,
    d.document_type,
    case when d.document_type like 'sales%' then 'receivable' else 'payable' end as ledger_side,
    d.native_id,
    d.document_number,
    d.reference,
    'xero:' || case when d.document_type like 'sales%' then 'customer' else 'vendor' end || ':' || d.contact_id as party_key,
    d.contact_id as party_native_id,
    d.contact_name as party_name,
    d.issue_date,
    d.due_date,
    d.issue_date as posting_date,
    strftime(d.issue_date, '%Y-%m') as period,
    d.status,
    d.status_normalized,
    d.is_posted,
    d.currency_code,
    {{ inverse_rate('d.currency_rate') }} as exchange_rate,
    coalesce(nullif(d.currency_rate, 0), 1) as native_rate,
    'divide' as rate_method,
    base.base_currency,
    coalesce(d.sub_total, 0) as subtotal_amount,
    coalesce(d.total_tax, 0) as tax_amount,
    coalesce(d.total, 0) as total_amount,
    coalesce(d.amount_paid, 0) + coalesce(d.amount_credited, 0) as amount_settled,
    coalesce(d.amount_due, 0) as amount_due,
    coalesce(t.base_subtotal_amount, 0) as base_subtotal_amount,
    {{ to_base_currency('coalesce(d.total_tax, 0)', 'd.currency_rate', "'divide'") }} as base_tax_amount,
    coalesce(t.base_subtotal_amount, 0)
        + {{ to_base_currency('coalesce(d.total_tax, 0)', 'd.currency_rate', "'divide'") }} as base_total_amount,
    coalesce(t.line_count, 0) as line_count,
    d.line_amount_types,
    d.fully_paid_on_date,
    d.tenant_id,
    d.updated_at,
    d._dlt_load_id,
    d._loaded_at
from documents as d
cross join base
left join line_totals as t on t.document_key = 'xero:' || d.document_type || ':' || d.native_id
where d.document_type is not null

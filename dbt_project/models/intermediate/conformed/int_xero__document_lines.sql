{{ config(materialized='incremental', incremental_strategy='replace_groups', unique_key='document_key',
    on_schema_change='append_new_columns') }}
-- Lines of Xero invoices, bills and credit notes with net amounts (Inclusive lines carry their tax,
-- which is taken out) and base-currency amounts (line net / CurrencyRate, rounded half up to cents).
-- Incremental: every line of a document loaded since the last run is replaced (macros/incremental.sql).
with headers as (
    select
        _dlt_id, invoice_id as native_id, invoice_number as document_number,
        case invoice_type when 'ACCREC' then 'sales_invoice' when 'ACCPAY' then 'bill' end as document_type,
        line_amount_types, currency_code, currency_rate, _dlt_load_id
    from {{ ref('stg_xero__invoices') }}
    -- = in_change_set('xero', 'documents', ...): dlt keeps one row per id, so a document is in the change
    -- set exactly when its own row is newer; said this way the filter reaches the raw scan before the
    -- staging view's parsing of every row
    where {{ changed_since_last_run('_dlt_load_id', 'xero') }}
    union all
    select
        _dlt_id, credit_note_id, credit_note_number,
        case credit_note_type when 'ACCRECCREDIT' then 'sales_credit_note' when 'ACCPAYCREDIT' then 'bill_credit_note' end,
        line_amount_types, currency_code, currency_rate, _dlt_load_id
    from {{ ref('stg_xero__credit_notes') }}
    where {{ changed_since_last_run('_dlt_load_id', 'xero') }}
),

lines as (
    select *, 'invoice' as parent from {{ ref('stg_xero__invoice_line_items') }}
    union all by name
    select *, 'credit_note' as parent from {{ ref('stg_xero__credit_note_line_items') }}
)

-- the line's key is derived in core.document_lines (macros/derived_keys.sql): stored only when it is not
-- document_key:line_number
select * replace ({{ compact_document_line_key() }}) from (
    select
        {{ built_at() }} as _built_at,
        'xero:' || h.document_type || ':' || h.native_id || ':' || cast(l.list_index + 1 as varchar) as document_line_key,
        'xero:' || h.document_type || ':' || h.native_id as document_key,
        'xero' as system,
        h.document_type,
        coalesce(l.line_item_id, h.native_id || ':' || cast(l.list_index + 1 as varchar)) as native_id,
        h.document_number,
        cast(l.list_index + 1 as integer) as line_number,
        l.item_code,
        l.description,
        l.quantity,
        l.unit_amount as unit_price,
        l.account_code,
        l.tax_type,
        coalesce(l.tax_amount, 0) as tax_amount,
        case when h.line_amount_types = 'Inclusive' then coalesce(l.line_amount, 0) - coalesce(l.tax_amount, 0)
             else coalesce(l.line_amount, 0) end as net_amount,
        h.currency_code,
        {{ to_base_currency(
            "case when h.line_amount_types = 'Inclusive' then coalesce(l.line_amount, 0) - coalesce(l.tax_amount, 0) else coalesce(l.line_amount, 0) end",
            'h.currency_rate', "'divide'") }} as base_net_amount,
        {{ to_base_currency('coalesce(l.tax_amount, 0)', 'h.currency_rate', "'divide'") }} as base_tax_amount,
        h._dlt_load_id
    from lines as l
    inner join headers as h on h._dlt_id = l._dlt_parent_id
    where h.document_type is not null
) as lines
{{ tombstones('document_key', "select 'xero:' || document_type || ':' || native_id as document_key from headers where document_type is not null") }}

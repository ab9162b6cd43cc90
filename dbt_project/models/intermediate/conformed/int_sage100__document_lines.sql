{{ config(materialized='incremental', incremental_strategy='replace_groups', unique_key='document_key',
    on_schema_change='append_new_columns') }}
-- Lines of Sage 100 documents: AR_InvoiceHistoryDetail for AR invoices and credit memos (credit memo
-- lines turned positive like their header, freight as its own line); AP invoices have no detail table,
-- so each gets one line on its expense account (net of tax), flagged is_synthetic.
-- Incremental: every line of a changed document (macros/change_sets.sql) is replaced.
with ar_headers as (
    select
        invoice_no, header_seq_no, currency_code, coalesce(nullif(exchange_rate, 0), 1) as exchange_rate,
        case when invoice_type in ('CM') then 'sales_credit_note' else 'sales_invoice' end as document_type,
        case when invoice_type in ('CM') then -1 else 1 end as direction,
        freight_amt, _dlt_load_id
    from {{ ref('stg_sage100__ar_invoice_history_headers') }}
    where {{ in_change_set('sage100', 'documents', "invoice_no || '-' || header_seq_no") }}
),

divisions as (
    select h.invoice_no, h.header_seq_no, d.freight_acct_key
    from {{ ref('stg_sage100__ar_invoice_history_headers') }} as h
    left join {{ ref('stg_sage100__ar_divisions') }} as d on d.ar_division_no = h.ar_division_no
),

accounts as (
    select account_key, account from {{ ref('stg_sage100__gl_accounts') }}
),

ar_lines as (
    select
        'sage100:' || h.document_type || ':' || h.invoice_no || '-' || h.header_seq_no as document_key,
        h.document_type,
        h.invoice_no || '-' || h.header_seq_no || '-' || l.detail_seq_no as native_id,
        h.invoice_no as document_number,
        row_number() over (partition by h.invoice_no, h.header_seq_no order by l.detail_seq_no) as line_number,
        l.item_code,
        l.item_code_desc as description,
        l.quantity_shipped * h.direction as quantity,
        l.unit_price,
        a.account as account_code,
        l.tax_class as tax_type,
        cast(null as decimal(18, 2)) as tax_amount,
        coalesce(l.extension_amt, 0) * h.direction as net_amount,
        h.currency_code,
        {{ to_base_currency('coalesce(l.extension_amt, 0) * h.direction', 'h.exchange_rate', "'multiply'") }} as base_net_amount,
        false as is_synthetic,
        greatest(h._dlt_load_id, l._dlt_load_id) as _dlt_load_id
    from {{ ref('stg_sage100__ar_invoice_history_details') }} as l
    inner join ar_headers as h on h.invoice_no = l.invoice_no and h.header_seq_no = l.header_seq_no
    left join accounts as a on a.account_key = l.sales_acct_key
),

freight_lines as (
    select
        'sage100:' || h.document_type || ':' || h.invoice_no || '-' || h.header_seq_no,
        h.document_type,
        h.invoice_no || '-' || h.header_seq_no || '-FREIGHT',
        h.invoice_no,
        9999,
        cast(null as varchar),
        'Freight',
        cast(null as decimal(18, 6)),
        cast(null as decimal(18, 6)),
        a.account,
        cast(null as varchar),
        cast(null as decimal(18, 2)),
        h.freight_amt * h.direction,
        h.currency_code,
        {{ to_base_currency('h.freight_amt * h.direction', 'h.exchange_rate', "'multiply'") }},
        true,
        h._dlt_load_id
    from ar_headers as h
    inner join divisions as d on d.invoice_no = h.invoice_no and d.header_seq_no = h.header_seq_no
    left join accounts as a on a.account_key = d.freight_acct_key
    where coalesce(h.freight_amt, 0) <> 0
),

ap_lines as (
    select
        'sage100:' || case when coalesce(h.invoice_amt, 0) < 0 then 'bill_credit_note' else 'bill' end || ':'
            || h.ap_division_no || '-' || h.vendor_no || '-' || h.invoice_no || '-' || h.header_seq_no,
        case when coalesce(h.invoice_amt, 0) < 0 then 'bill_credit_note' else 'bill' end,
        h.ap_division_no || '-' || h.vendor_no || '-' || h.invoice_no || '-' || h.header_seq_no || '-1',
        h.invoice_no,
        1,
        cast(null as varchar),
        h.comment,
        cast(null as decimal(18, 6)),
        cast(null as decimal(18, 6)),
        a.account,
        cast(null as varchar),
        abs(coalesce(h.sales_tax_amt, 0)),
        abs(coalesce(h.invoice_amt, 0) - coalesce(h.sales_tax_amt, 0)),
        h.currency_code,
        {{ to_base_currency('abs(coalesce(h.invoice_amt, 0) - coalesce(h.sales_tax_amt, 0))', 'h.exchange_rate', "'multiply'") }},
        true,
        h._dlt_load_id
    from {{ ref('stg_sage100__ap_invoice_history_headers') }} as h
    left join accounts as a on a.account_key = h.expense_acct_key
    where {{ in_change_set('sage100', 'documents', "h.ap_division_no || '-' || h.vendor_no || '-' || h.invoice_no || '-' || h.header_seq_no") }}
),

unioned as (
    select * from ar_lines
    union all
    select * from freight_lines
    union all
    select * from ap_lines
)

-- the line's key is derived in core.document_lines (macros/derived_keys.sql): stored only when it is not
-- document_key:line_number
select * replace ({{ compact_document_line_key() }}) from (
    select
        {{ built_at() }} as _built_at,
        document_key || ':' || cast(line_number as varchar) as document_line_key,
        document_key,
        'sage100' as system,
        document_type,
        native_id,
        document_number,
        cast(line_number as integer) as line_number,
        item_code,
        description,
        quantity,
        unit_price,
        account_code,
        tax_type,
        tax_amount,
        net_amount,
        currency_code,
        base_net_amount,
        cast(null as decimal(18, 2)) as base_tax_amount,
        is_synthetic,
        _dlt_load_id
    from unioned
) as lines
{{ tombstones('document_key', "select 'sage100:' || document_type || ':' || invoice_no || '-' || header_seq_no as document_key from ar_headers") }}

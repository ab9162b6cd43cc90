{{ config(materialized='incremental', incremental_strategy='replace_groups', unique_key='payment_key',
    on_schema_change='append_new_columns') }}
-- Sage 100 payments, one row per application to an open item: AR cash receipts
-- (AR_CashReceiptsHistory) and AP checks (AP_CheckHistoryHeader + Detail). A receipt row applied to a
-- prepayment (InvoiceType PP) or negative is money not (yet) applied to an invoice.
-- Incremental: receipts and checks loaded since the last run (a check also when its header was), and
-- every payment that names (by number) a changed document, are replaced (macros/incremental.sql); the
-- keys are Sage 100's own primary keys, so a replaced row keeps its key.
{#- rendered outside the conditions below, so that parsing records every ref they read -#}
{%- set receipt_changed = changed_since_last_run('_dlt_load_id', 'sage100') -%}
{%- set check_changed = changed_since_last_run('d._dlt_load_id', 'sage100') -%}
{%- set check_header_changed = is_newer('h._dlt_load_id', 'sage100') -%}
{%- set changed_numbers -%}
    select document_number from {{ ref('int_sage100__documents') }}
    where native_id in ({{ change_set('sage100', 'documents') }})
{%- endset %}
with receipts as (
    select * from {{ ref('stg_sage100__ar_cash_receipts_history') }}
    {%- if is_incremental() %}
    where {{ receipt_changed }} or invoice_no in ({{ changed_numbers }})
    {%- endif %}
),

ar_docs as (
    select document_key, document_number, document_type, sage100_invoice_type, party_key, currency_code,
        exchange_rate, base_currency
    from {{ ref('int_sage100__documents') }}
    where ledger_side = 'receivable'
),

checks as (
    select d.*, h.check_type, h.check_date, h.transaction_date, h.vendor_name, h.check_amt, h.source_journal,
        h.source_journal_batch_no
    from {{ ref('stg_sage100__ap_check_history_details') }} as d
    left join {{ ref('stg_sage100__ap_check_history_headers') }} as h
        on h.bank_code = d.bank_code and h.check_no = d.check_no and h.check_seq_no = d.check_seq_no
    {%- if is_incremental() %}
    where {{ check_changed }} or {{ check_header_changed }}
        or d.invoice_no in ({{ changed_numbers }})
    {%- endif %}
),

ap_docs as (
    select document_key, document_number, document_type, party_key, currency_code, exchange_rate, base_currency,
        split_part(native_id, '-', 1) || '-' || split_part(native_id, '-', 2) as vendor_key
    from {{ ref('int_sage100__documents') }}
    where ledger_side = 'payable'
),

ar_doc_one as (
    -- one history header per invoice number and type (the latest sequence)
    select * from (
        select d.*, row_number() over (partition by party_key, document_number, sage100_invoice_type order by document_key desc) as rn
        from ar_docs as d
    ) where rn = 1
),

ap_doc_one as (
    select * from (
        select d.*, row_number() over (partition by party_key, document_number order by document_key desc) as rn
        from ap_docs as d
    ) where rn = 1
),

accounts as (
    select account_key, account from {{ ref('stg_sage100__gl_accounts') }}
),

base as (
    select base_currency from {{ ref('int_base_currencies') }} where system = 'sage100'
)

select
    {{ built_at() }} as _built_at,
    'sage100:receipt:' || r.bank_code || ':' || cast(r.deposit_date as varchar) || ':' || r.deposit_no || ':' || r.deposit_type
        || ':' || r.ar_division_no || '-' || r.customer_no || ':' || coalesce(r.credit_card_entry_no, '') || ':'
        || coalesce(r.check_no, '') || ':' || r.sequence_no as payment_key,
    'sage100' as system,
    case when coalesce(r.cash_amount_applied, 0) < 0 and coalesce(r.invoice_type, '') not in ('PP') then 'customer_refund'
         else 'customer_receipt' end as payment_type,
    coalesce(r.transaction_type, '') || ':' || coalesce(r.payment_type, '') as native_payment_type,
    r.bank_code || '-' || r.deposit_no || '-' || coalesce(r.check_no, '') || '-' || r.sequence_no as native_id,
    coalesce(r.check_no, r.deposit_no) as payment_reference,
    r.check_no as reference,
    r.bank_code || '-' || cast(r.deposit_date as varchar) || '-' || r.deposit_no as payment_group_ref,
    coalesce(r.posting_date, r.deposit_date) as payment_date,
    strftime(coalesce(r.posting_date, r.deposit_date), '%Y-%m') as period,
    'sage100:customer:' || r.ar_division_no || '-' || r.customer_no as party_key,
    case when coalesce(r.invoice_type, '') <> 'PP' then d.document_key end as document_key,
    r.invoice_no as document_number,
    case when coalesce(r.invoice_type, '') = 'PP' then 'prepayment' else d.document_type end as document_type,
    coalesce(r.cash_amount_applied, 0) as amount,
    coalesce(d.currency_code, base.base_currency) as currency_code,
    coalesce(d.exchange_rate, 1) as exchange_rate,
    coalesce(d.exchange_rate, 1) as native_rate,
    'multiply' as rate_method,
    {{ to_base_currency('coalesce(r.cash_amount_applied, 0)', 'd.exchange_rate', "'multiply'") }} as base_amount,
    base.base_currency,
    coalesce(r.discount_amount_applied, 0) as discount_amount,
    a.account as bank_account_code,
    r.invoice_type as status,
    'posted' as status_normalized,
    true as is_posted,
    r.deposit_type,
    r.payment_type as payment_method,
    r.updated_at,
    r._dlt_load_id,
    r._loaded_at
from receipts as r
cross join base
left join ar_doc_one as d
    on d.party_key = 'sage100:customer:' || r.ar_division_no || '-' || r.customer_no
    and d.document_number = r.invoice_no and d.sage100_invoice_type = r.invoice_type
left join accounts as a on a.account_key = r.account_key

union all

select
    {{ built_at() }},
    'sage100:check:' || c.bank_code || ':' || c.check_no || ':' || c.check_seq_no || ':' || c.invoice_no,
    'sage100',
    case when coalesce(c.amount_paid, 0) < 0 then 'vendor_refund' else 'vendor_payment' end,
    coalesce(c.check_type, ''),
    c.bank_code || '-' || c.check_no || '-' || c.check_seq_no || '-' || c.invoice_no,
    c.check_no,
    c.check_no,
    c.bank_code || '-' || c.check_no || '-' || c.check_seq_no,
    coalesce(c.check_date, c.transaction_date),
    strftime(coalesce(c.check_date, c.transaction_date), '%Y-%m'),
    'sage100:vendor:' || c.ap_division_no || '-' || c.vendor_no,
    d.document_key,
    c.invoice_no,
    d.document_type,
    abs(coalesce(c.amount_paid, 0)),
    coalesce(d.currency_code, base.base_currency),
    coalesce(d.exchange_rate, 1),
    coalesce(d.exchange_rate, 1),
    'multiply',
    {{ to_base_currency('abs(coalesce(c.amount_paid, 0))', 'd.exchange_rate', "'multiply'") }},
    base.base_currency,
    cast(0 as decimal(18, 2)),
    cast(null as varchar),
    c.check_type,
    'posted',
    true,
    cast(null as varchar),
    c.check_type,
    c.updated_at,
    c._dlt_load_id,
    c._loaded_at
from checks as c
cross join base
left join ap_doc_one as d
    on d.party_key = 'sage100:vendor:' || c.ap_division_no || '-' || c.vendor_no and d.document_number = c.invoice_no

{{ config(materialized='incremental', incremental_strategy='replace_groups', unique_key='refresh_key',
    on_schema_change='append_new_columns') }}
-- KashFlow payment lines of invoices and purchases, one row per line. KashFlow records payments in
-- the document's currency without a rate of their own: the document's rate converts them.
-- A bank receipt from a customer (a bank transaction with a CustomerCode, e.g. a payment on account)
-- is a payment not applied to any document (payment_source 'bank_transaction').
-- Incremental: the payment lines of a document loaded since the last run are replaced together
-- (refresh_key: the document); bank receipts (few) are rebuilt on every run.
with lines as (
    select *, 'invoice' as parent from {{ ref('stg_kashflow__invoice_payment_lines') }}
    union all by name
    select *, 'purchase' as parent from {{ ref('stg_kashflow__purchase_payment_lines') }}
),

headers as (
    select _dlt_id, 'invoice' as parent, cast(invoice_id as varchar) as native_id, _dlt_load_id, _loaded_at
    from {{ ref('stg_kashflow__invoices') }}
    where {{ in_change_set('kashflow', 'documents', 'cast(invoice_id as varchar)') }}
    union all
    select _dlt_id, 'purchase', cast(purchase_id as varchar), _dlt_load_id, _loaded_at
    from {{ ref('stg_kashflow__purchases') }}
    where {{ in_change_set('kashflow', 'documents', 'cast(purchase_id as varchar)') }}
),

documents as (
    select * from {{ ref('int_kashflow__documents') }}
),

banks as (
    select bank_account_id, bank_account_code from {{ ref('stg_kashflow__bank_accounts') }}
)

select
    {{ built_at() }} as _built_at,
    'payment' as payment_source,
    'kashflow:payment:' || l.parent || ':' || h.native_id || ':'
        || coalesce(cast(l.payment_id as varchar), cast(l.list_index + 1 as varchar)) as payment_key,
    'kashflow:' || l.parent || ':' || h.native_id as refresh_key,
    'kashflow' as system,
    case
        when l.parent = 'invoice' then (case when d.document_type = 'sales_credit_note' then 'customer_refund' else 'customer_receipt' end)
        else (case when d.document_type = 'bill_credit_note' then 'vendor_refund' else 'vendor_payment' end)
    end as payment_type,
    case when coalesce(l.is_payment_credit_note, false) then 'credit_note' else cast(l.method as varchar) end as native_payment_type,
    coalesce(cast(l.payment_id as varchar), h.native_id || ':' || cast(l.list_index + 1 as varchar)) as native_id,
    coalesce(cast(l.bulk_payment_number as varchar), l.note, cast(l.payment_id as varchar)) as payment_reference,
    l.note as reference,
    cast(l.bulk_payment_number as varchar) as payment_group_ref,
    l.payment_date,
    strftime(l.payment_date, '%Y-%m') as period,
    d.party_key,
    d.document_key,
    d.document_number,
    d.document_type,
    abs(coalesce(l.amount, 0)) as amount,
    d.currency_code,
    d.exchange_rate,
    d.native_rate,
    d.rate_method,
    {{ to_base_currency('abs(coalesce(l.amount, 0))', 'd.native_rate', 'd.rate_method') }} as base_amount,
    d.base_currency,
    cast(null as decimal(18, 2)) as bank_amount,
    b.bank_account_code,
    case when coalesce(l.is_payment_credit_note, false) then 'credit_note' else 'paid' end as status,
    'posted' as status_normalized,
    not coalesce(l.is_payment_credit_note, false) as is_posted,
    cast(null as boolean) as is_reconciled,
    cast(null as varchar) as tenant_id,
    cast(null as timestamp) as updated_at,
    h._dlt_load_id,
    h._loaded_at
from lines as l
inner join headers as h on h._dlt_id = l._dlt_parent_id and h.parent = l.parent
left join documents as d on d.native_id = h.native_id
    and d.ledger_side = case when l.parent = 'invoice' then 'receivable' else 'payable' end
left join banks as b on b.bank_account_id = l.bank_account_id

union all by name

select
    {{ built_at() }} as _built_at,
    'bank_transaction' as payment_source,
    'kashflow:bank_transaction:' || cast(t.bank_transaction_id as varchar) as payment_key,
    'kashflow:bank_transaction:' || cast(t.bank_transaction_id as varchar) as refresh_key,
    'kashflow' as system,
    'customer_receipt' as payment_type,
    case when coalesce(t.is_advance_payment, false) then 'advance_payment' else 'bank_receipt' end as native_payment_type,
    cast(t.bank_transaction_id as varchar) as native_id,
    coalesce(t.reference, cast(t.bank_transaction_id as varchar)) as payment_reference,
    t.reference,
    cast(null as varchar) as payment_group_ref,
    t.transaction_date as payment_date,
    strftime(t.transaction_date, '%Y-%m') as period,
    'kashflow:customer:' || t.customer_code as party_key,
    cast(null as varchar) as document_key,
    cast(null as varchar) as document_number,
    cast(null as varchar) as document_type,
    coalesce(t.amount, 0) as amount,
    t.currency_code,
    case when coalesce(t.exchange_rate, 0) in (0, 1) then cast(1 as decimal(18, 10)) else {{ inverse_rate('t.exchange_rate') }} end as exchange_rate,
    coalesce(nullif(t.exchange_rate, 0), 1) as native_rate,
    'divide' as rate_method,
    {{ to_base_currency('coalesce(t.amount, 0)', 't.exchange_rate', "'divide'") }} as base_amount,
    base.base_currency,
    b.bank_account_code,
    'posted' as status,
    'posted' as status_normalized,
    true as is_posted,
    t._dlt_load_id,
    t._loaded_at
from {{ ref('stg_kashflow__bank_transactions') }} as t
cross join (select base_currency from {{ ref('int_base_currencies') }} where system = 'kashflow') as base
left join banks as b on b.bank_account_id = t.bank_account_id
where t.customer_code is not null and lower(t.transaction_type) like 'receipt%'
{{ tombstones('refresh_key', "select 'kashflow:' || parent || ':' || native_id as refresh_key from headers union all select 'kashflow:bank_transaction:' || cast(bank_transaction_id as varchar) from " ~ ref('stg_kashflow__bank_transactions')) }}

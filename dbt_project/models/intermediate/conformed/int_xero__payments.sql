{{ config(materialized='incremental', incremental_strategy='replace_groups', unique_key='payment_key',
    on_schema_change='append_new_columns') }}
-- Xero payments, one row per payment (each Xero payment applies to one invoice, bill or credit note).
-- Amount is in the document's currency; exchange_rate is base units per document unit at the payment
-- (1 / the payment's CurrencyRate), so base_amount is what the bank received in base currency.
-- Money received from a customer (or paid to a supplier) without an invoice - a bank transaction of
-- type RECEIVE-/SPEND-PREPAYMENT or -OVERPAYMENT, or a plain RECEIVE from a contact who is a customer -
-- is a payment too, not applied to any document (payment_source 'bank_transaction').
-- Incremental: payments loaded since the last run and every payment of their documents or of a
-- changed document are rebuilt; bank transactions (few) are rebuilt on every run.
with payments as (
    select * from {{ ref('stg_xero__payments') }}
    -- = in_change_set('xero', 'payments', 'payment_id'), by raw row (dlt keeps one row per payment id):
    -- a filter on the raw row id reaches the raw scan, so only the changed rows go through the staging
    -- view's parsing; one on payment_id, which the view trims, would parse all of them first
    where {{ in_change_set('xero', 'payment_rows', '_dlt_id') }}
),

documents as (
    select native_id, document_key, document_type, document_number, party_key, currency_code
    from {{ ref('int_xero__documents') }}
),

base as (
    select base_currency from {{ ref('int_base_currencies') }} where system = 'xero'
)

select
    {{ built_at() }} as _built_at,
    'xero:payment:' || p.payment_id as payment_key,
    'payment' as payment_source,
    'xero' as system,
    case
        when p.payment_type in ('ACCRECPAYMENT', 'ARPREPAYMENTPAYMENT', 'AROVERPAYMENTPAYMENT') then 'customer_receipt'
        when p.payment_type in ('ACCPAYPAYMENT', 'APPREPAYMENTPAYMENT', 'APOVERPAYMENTPAYMENT') then 'vendor_payment'
        when p.payment_type = 'ARCREDITPAYMENT' then 'customer_refund'
        when p.payment_type = 'APCREDITPAYMENT' then 'vendor_refund'
        when coalesce(p.invoice_type, p.credit_note_type) in ('ACCREC') then 'customer_receipt'
        when coalesce(p.invoice_type, p.credit_note_type) in ('ACCPAY') then 'vendor_payment'
        when p.credit_note_type = 'ACCRECCREDIT' then 'customer_refund'
        when p.credit_note_type = 'ACCPAYCREDIT' then 'vendor_refund'
        else 'other'
    end as payment_type,
    p.payment_type as native_payment_type,
    p.payment_id as native_id,
    coalesce(p.reference, p.payment_id) as payment_reference,
    p.reference,
    p.batch_payment_id as payment_group_ref,
    p.payment_date,
    strftime(p.payment_date, '%Y-%m') as period,
    coalesce(d.party_key,
        'xero:' || case when coalesce(p.invoice_type, p.credit_note_type) in ('ACCREC', 'ACCRECCREDIT') then 'customer' else 'vendor' end
        || ':' || coalesce(p.invoice_contact_id, p.credit_note_contact_id)) as party_key,
    d.document_key,
    coalesce(d.document_number, p.invoice_number, p.credit_note_number) as document_number,
    d.document_type,
    coalesce(p.amount, 0) as amount,
    coalesce(d.currency_code, p.invoice_currency_code, base.base_currency) as currency_code,
    {{ inverse_rate('p.currency_rate') }} as exchange_rate,
    coalesce(nullif(p.currency_rate, 0), 1) as native_rate,
    'divide' as rate_method,
    {{ to_base_currency('coalesce(p.amount, 0)', 'p.currency_rate', "'divide'") }} as base_amount,
    base.base_currency,
    p.bank_amount,
    p.account_code as bank_account_code,
    p.status,
    p.status_normalized,
    p.is_posted,
    p.is_reconciled,
    p.tenant_id,
    p.updated_at,
    p._dlt_load_id,
    p._loaded_at
from payments as p
cross join base
left join documents as d on d.native_id = coalesce(p.invoice_id, p.credit_note_id)

union all by name

select
    {{ built_at() }} as _built_at,
    'xero:bank_transaction:' || t.bank_transaction_id as payment_key,
    'bank_transaction' as payment_source,
    'xero' as system,
    case when t.transaction_type like 'RECEIVE%' then 'customer_receipt' else 'vendor_payment' end as payment_type,
    t.transaction_type as native_payment_type,
    t.bank_transaction_id as native_id,
    coalesce(t.reference, t.bank_transaction_id) as payment_reference,
    t.reference,
    cast(null as varchar) as payment_group_ref,
    t.transaction_date as payment_date,
    strftime(t.transaction_date, '%Y-%m') as period,
    'xero:' || case when t.transaction_type like 'RECEIVE%' then 'customer' else 'vendor' end || ':' || t.contact_id as party_key,
    cast(null as varchar) as document_key,
    cast(null as varchar) as document_number,
    cast(null as varchar) as document_type,
    coalesce(t.total, 0) as amount,
    coalesce(t.currency_code, base.base_currency) as currency_code,
    {{ inverse_rate('t.currency_rate') }} as exchange_rate,
    coalesce(nullif(t.currency_rate, 0), 1) as native_rate,
    'divide' as rate_method,
    {{ to_base_currency('coalesce(t.total, 0)', 't.currency_rate', "'divide'") }} as base_amount,
    base.base_currency,
    cast(null as decimal(18, 2)) as bank_amount,
    t.bank_account_code,
    t.status,
    t.status_normalized,
    t.is_posted,
    t.is_reconciled,
    t.tenant_id,
    t.updated_at,
    t._dlt_load_id,
    t._loaded_at
from {{ ref('stg_xero__bank_transactions') }} as t
cross join base
left join {{ ref('stg_xero__contacts') }} as c on c.contact_id = t.contact_id
where t.contact_id is not null
    and (t.transaction_type in ('RECEIVE-PREPAYMENT', 'RECEIVE-OVERPAYMENT', 'SPEND-PREPAYMENT', 'SPEND-OVERPAYMENT')
         or (t.transaction_type = 'RECEIVE' and coalesce(c.is_customer, false)))
{{ tombstones('payment_key', "select 'xero:bank_transaction:' || bank_transaction_id as payment_key from " ~ ref('stg_xero__bank_transactions')) }}

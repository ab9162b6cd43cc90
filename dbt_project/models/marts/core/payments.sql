{{ config(materialized='view', meta={'tests_on_changed_rows': true}) }}
-- Payments of every system, one row per application of a payment to a document (or unapplied): a view
-- over the incremental intermediate models int_<system>__payments (each payment is written once, there;
-- they replace the payments that changed, macros/incremental.sql).
with unioned as (
    select * from {{ ref('int_xero__payments') }}
    union all by name
    select * from {{ ref('int_kashflow__payments') }}
    union all by name
    select * from {{ ref('int_sage100__payments') }}
)

select
    payment_key,
    coalesce(payment_source, 'payment') as payment_source,
    case when system = 'kashflow' then refresh_key else payment_key end as refresh_key,
    system,
    payment_type,
    native_payment_type,
    native_id,
    payment_reference,
    reference,
    payment_group_ref,
    payment_date,
    period,
    party_key,
    document_key,
    document_number,
    document_type,
    amount,
    currency_code,
    exchange_rate,
    native_rate,
    rate_method,
    base_amount,
    base_currency,
    discount_amount,
    bank_amount,
    bank_account_code,
    status,
    status_normalized,
    is_posted,
    is_reconciled,
    deposit_type as sage100_deposit_type,
    payment_method,
    tenant_id,
    updated_at,
    _dlt_load_id,
    _loaded_at,
    _built_at
from unioned

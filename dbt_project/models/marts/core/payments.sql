{{ config(
    materialized='incremental',
    incremental_strategy='replace_groups',
    unique_key='refresh_key',
    on_schema_change='append_new_columns'
) }}
-- Payments of every system, one row per application of a payment to a document (or unapplied).
-- Incremental: the Xero and KashFlow payments their intermediate models rebuilt since this model last ran
-- (_built_at; KashFlow payment lines are replaced with their document) and the Sage 100 payments changed
-- since (macros/change_sets.sql) are replaced.
with unioned as (
    select * exclude (_built_at) from {{ ref('int_xero__payments') }}
    where {{ built_since_last_run('xero') }}
    union all by name
    select * exclude (_built_at) from {{ ref('int_kashflow__payments') }}
    where {{ built_since_last_run('kashflow') }}
    union all by name
    select * from {{ ref('int_sage100__payments') }}
    where {{ in_change_set('sage100', 'payments', 'payment_key') }}
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
    {{ built_at() }} as _built_at
from unioned as src
{{ tombstones('refresh_key', "select 'xero:bank_transaction:' || bank_transaction_id as refresh_key from " ~ ref('stg_xero__bank_transactions') ~ "
    union all select 'kashflow:bank_transaction:' || cast(bank_transaction_id as varchar) from " ~ ref('stg_kashflow__bank_transactions') ~ "
    union all select 'kashflow:' || p.parent || ':' || c.id from (" ~ change_set('kashflow', 'documents') ~ ") as c (id)
        cross join (values ('invoice'), ('purchase')) as p (parent)") }}

{{ config(
    materialized='incremental',
    incremental_strategy='replace_groups',
    unique_key='refresh_key',
    on_schema_change='append_new_columns'
) }}
-- Both ledgers' postings, double entry, in document and base currency: derived from Xero / KashFlow
-- documents and payments (int_<ledger>__gl_entries) and Sage 100's GL detail as posted.
-- amount / base_amount are signed (debit > 0); debit/credit columns split them for reading.
-- Incremental: the posting groups the intermediate models rebuilt since this model last ran (_built_at) are
-- replaced whole (Sage 100 detail postings row by row); groups that no longer post are deleted
-- (tombstones from macros/change_sets.sql).
with unioned as (
    select * exclude (_built_at) from {{ ref('int_xero__gl_entries') }}
    where {{ built_since_last_run('xero') }}
    union all by name
    select * exclude (_built_at) from {{ ref('int_kashflow__gl_entries') }}
    where {{ built_since_last_run('kashflow') }}
    union all by name
    select * exclude (_built_at) from {{ ref('int_sage100__gl_entries') }}
    where {{ built_since_last_run('sage100') }}
)

select
    gl_entry_key,
    case when system = 'sage100' then gl_entry_key else entry_group_key end as refresh_key,
    entry_group_key,
    system,
    source_type,
    source_native_id,
    document_number,
    posting_date,
    period,
    account_code,
    description,
    party_key,
    line_number,
    entry_role,
    amount,
    case when amount > 0 then amount else cast(0 as decimal(18, 2)) end as debit,
    case when amount < 0 then -amount else cast(0 as decimal(18, 2)) end as credit,
    currency_code,
    base_amount,
    case when base_amount > 0 then base_amount else cast(0 as decimal(18, 2)) end as base_debit,
    case when base_amount < 0 then -base_amount else cast(0 as decimal(18, 2)) end as base_credit,
    base_currency,
    source_journal as sage100_source_journal,
    journal_register_no as sage100_journal_register_no,
    source_module as sage100_source_module,
    sage100_document_type,
    _dlt_load_id,
    {{ built_at() }} as _built_at
from unioned as src
{{ tombstones('refresh_key', "select document_key as refresh_key from " ~ ref('int_xero__documents') ~ "
        where native_id in (" ~ change_set('xero', 'documents') ~ ")
    union all select payment_key from " ~ ref('int_xero__payments') ~ "
        where native_id in (" ~ change_set('xero', 'payments') ~ ")
    union all select 'xero:bank_transaction:' || bank_transaction_id from " ~ ref('stg_xero__bank_transactions') ~ "
    union all select 'xero:manual_journal:' || manual_journal_id from " ~ ref('stg_xero__manual_journals') ~ "
    union all select document_key from " ~ ref('int_kashflow__documents') ~ "
        where native_id in (" ~ change_set('kashflow', 'documents') ~ ")
    union all select entry_group_key from " ~ this ~ " where system = 'kashflow' and source_type = 'payment'
        and split_part(entry_group_key, ':', 4) in (" ~ change_set('kashflow', 'documents') ~ ")
    union all select 'kashflow:bank_transaction:' || cast(bank_transaction_id as varchar) from " ~ ref('stg_kashflow__bank_transactions') ~ "
    union all select 'kashflow:journal:' || cast(journal_id as varchar) from " ~ ref('stg_kashflow__journals')) }}

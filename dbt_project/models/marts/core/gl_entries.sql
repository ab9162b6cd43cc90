{{ config(materialized='view', meta={'tests_on_changed_rows': true}) }}
-- Both ledgers' postings, double entry, in document and base currency: derived from Xero / KashFlow
-- documents and payments (int_<ledger>__gl_entries) and Sage 100's GL detail as posted.
-- amount / base_amount are signed (debit > 0); debit/credit columns split them for reading.
-- A view over the three (incremental) intermediate tables: the postings are written once, by the
-- intermediate models, which replace the posting groups that changed (macros/incremental.sql), so this
-- view always equals a full rebuild. `_built_at` is when the run that last wrote the row started.
-- The keys the tables store only where they cannot be derived are put back together here
-- (macros/derived_keys.sql).
with unioned as (
    select * from {{ ref('int_xero__gl_entries') }}
    union all by name
    select * from {{ ref('int_kashflow__gl_entries') }}
    union all by name
    select * from {{ ref('int_sage100__gl_entries') }}
)

select
    {{ posting_gl_entry_key('u') }} as gl_entry_key,
    case when system = 'sage100' then {{ posting_gl_entry_key('u') }} else entry_group_key end as refresh_key,
    entry_group_key,
    system,
    source_type,
    {{ posting_source_native_id('u') }} as source_native_id,
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
    _built_at
from unioned as u

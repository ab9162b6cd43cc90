{{ config(materialized='incremental', incremental_strategy='replace_groups', unique_key='entry_group_key',
    on_schema_change='append_new_columns') }}
-- KashFlow's postings derived from its documents (invoices, purchases and their credit notes),
-- payment lines, bank transactions and nominal journals, in document and base currency.
-- Incremental: the posting groups of changed documents and of their payment lines are replaced; bank
-- transactions and journals (few) are rebuilt on every run (macros/incremental.sql).
with changed_documents as (
    select * from {{ ref('int_kashflow__documents') }}
    where {{ in_change_set('kashflow', 'documents', 'native_id') }}
),

changed_payments as (
    select p.* from {{ ref('int_kashflow__payments') }} as p
    where p.payment_source = 'payment' and {{ in_change_set('kashflow', 'documents', "split_part(p.refresh_key, ':', 3)") }}
),

document_entries as (
    {{ document_gl_entries('changed_documents', ref('int_kashflow__document_lines'), 'kashflow') }}
),

payment_entries as (
    -- credit-note payment lines settle documents at the document's rate, without a bank movement
    {{ payment_gl_entries('changed_payments', ref('int_kashflow__documents'), 'kashflow',
        credits="select document_key, payment_date as credit_date, amount from " ~ ref('int_kashflow__payments')
            ~ " where status = 'credit_note' and document_key is not null") }}
),

controls as (
    select role, account_code from {{ ref('int_ledger__control_accounts') }} where system = 'kashflow'
),

base as (
    select base_currency from {{ ref('int_base_currencies') }} where system = 'kashflow'
),

banks as (
    select bank_account_id, bank_account_code from {{ ref('stg_kashflow__bank_accounts') }}
),

bank_transactions as (
    select
        t.*,
        b.bank_account_code,
        -- a receipt debits the bank and credits the nominal (and VAT); Amount is gross
        case when lower(t.transaction_type) like 'receipt%' then -1 else 1 end as direction
    from {{ ref('stg_kashflow__bank_transactions') }} as t
    left join banks as b on b.bank_account_id = t.bank_account_id
),

bank_raw as (
    select
        '1' as gl_entry_suffix,
        'kashflow:bank_transaction:' || cast(t.bank_transaction_id as varchar) as entry_group_key,
        1 as line_number, 'line' as entry_role, t.nominal_code as account_code, t.description,
        t.direction * (coalesce(t.amount, 0) - coalesce(t.vat_amount, 0)) as amount,
        t.direction * {{ to_base_currency('coalesce(t.amount, 0) - coalesce(t.vat_amount, 0)', 't.exchange_rate', "'divide'") }} as base_amount
    from bank_transactions as t
    union all
    select
        'tax',
        'kashflow:bank_transaction:' || cast(t.bank_transaction_id as varchar),
        100000, 'tax', c.account_code, 'VAT',
        t.direction * coalesce(t.vat_amount, 0),
        t.direction * {{ to_base_currency('coalesce(t.vat_amount, 0)', 't.exchange_rate', "'divide'") }}
    from bank_transactions as t
    left join controls as c on c.role = case when t.direction = -1 then 'sales_tax' else 'purchase_tax' end
    where coalesce(t.vat_amount, 0) <> 0
),

bank_totals as (
    select entry_group_key, sum(amount) as amount, sum(base_amount) as base_amount from bank_raw group by all
),

bank_entries as (
    select * from bank_raw
    union all
    select
        'bank',
        'kashflow:bank_transaction:' || cast(t.bank_transaction_id as varchar),
        0, 'bank', t.bank_account_code, 'Bank', -b.amount, -b.base_amount
    from bank_transactions as t
    inner join bank_totals as b on b.entry_group_key = 'kashflow:bank_transaction:' || cast(t.bank_transaction_id as varchar)
),

bank_transaction_entries as (
    select
        e.gl_entry_suffix,
        e.entry_group_key,
        'kashflow' as system,
        'bank_transaction' as source_type,
        cast(t.bank_transaction_id as varchar) as source_native_id,
        t.reference as document_number,
        t.transaction_date as posting_date,
        strftime(t.transaction_date, '%Y-%m') as period,
        e.account_code,
        e.description,
        case when t.customer_code is not null then 'kashflow:customer:' || t.customer_code
             when t.supplier_code is not null then 'kashflow:vendor:' || t.supplier_code end as party_key,
        e.line_number,
        e.entry_role,
        cast(e.amount as decimal(18, 2)) as amount,
        coalesce(t.currency_code, base.base_currency) as currency_code,
        cast(e.base_amount as decimal(18, 2)) as base_amount,
        base.base_currency,
        t._dlt_load_id
    from bank_entries as e
    inner join bank_transactions as t on 'kashflow:bank_transaction:' || cast(t.bank_transaction_id as varchar) = e.entry_group_key
    cross join base
),

journals as (
    select * from {{ ref('stg_kashflow__journals') }}
),

journal_entries as (
    select
        cast(l.list_index + 1 as varchar) as gl_entry_suffix,
        'kashflow:journal:' || cast(j.journal_id as varchar) as entry_group_key,
        'kashflow' as system,
        'manual_journal' as source_type,
        cast(j.journal_id as varchar) as source_native_id,
        j.journal_number as document_number,
        j.journal_date as posting_date,
        strftime(j.journal_date, '%Y-%m') as period,
        l.nominal_code as account_code,
        coalesce(l.description, j.narrative) as description,
        cast(null as varchar) as party_key,
        cast(l.list_index + 1 as integer) as line_number,
        'line' as entry_role,
        cast(coalesce(l.debit, 0) - coalesce(l.credit, 0) as decimal(18, 2)) as amount,
        base.base_currency as currency_code,
        cast(coalesce(l.debit, 0) - coalesce(l.credit, 0) as decimal(18, 2)) as base_amount,
        base.base_currency,
        j._dlt_load_id
    from {{ ref('stg_kashflow__journal_lines') }} as l
    inner join journals as j on j._dlt_id = l._dlt_parent_id
    cross join base
)

-- keys are stored only where they cannot be derived (macros/derived_keys.sql; core.gl_entries derives them)
select * replace ({{ compact_source_native_id() }}), {{ built_at() }} as _built_at from (
    select * from document_entries
    union all by name
    select * from payment_entries
    union all by name
    select * from bank_transaction_entries
    union all by name
    select * from journal_entries
) as entries
{{ tombstones('entry_group_key', "select document_key as entry_group_key from changed_documents
    union all select payment_key from changed_payments
    union all select entry_group_key from " ~ this ~ " where source_type = 'payment'
        and split_part(entry_group_key, ':', 4) in (select native_id from changed_documents)
    union all select 'kashflow:bank_transaction:' || cast(bank_transaction_id as varchar) from " ~ ref('stg_kashflow__bank_transactions') ~ "
    union all select 'kashflow:journal:' || cast(journal_id as varchar) from " ~ ref('stg_kashflow__journals')) }}

{{ config(materialized='incremental', incremental_strategy='replace_groups', unique_key='entry_group_key',
    on_schema_change='append_new_columns') }}
-- Xero's postings derived from its documents, in document and base currency: invoices, bills and
-- credit notes (lines, tax, receivable/payable control), payments (bank, control, realized FX),
-- bank transactions (lines, tax, bank) and manual journals (their lines, plus tax); sales of tracked
-- inventory items also move their cost from inventory to cost of goods sold.
-- Only documents in a posted status (status_map.is_posted) post.
-- Incremental: the posting groups of changed documents and payments are replaced; bank transactions and
-- manual journals (few) are rebuilt on every run (macros/incremental.sql).
with changed_documents as (
    select * from {{ ref('int_xero__documents') }}
    where {{ in_change_set('xero', 'documents', 'native_id') }}
),

changed_payments as (
    select * from {{ ref('int_xero__payments') }}
    where {{ in_change_set('xero', 'payments', 'native_id') }}
),

document_entries as (
    {{ document_gl_entries('changed_documents', ref('int_xero__document_lines'), 'xero') }}
),

credit_allocations as (
    -- credit notes allocated to invoices and bills settle them at the document's rate
    select d.document_key, a.allocation_date as credit_date, a.amount
    from {{ ref('stg_xero__credit_note_allocations') }} as a
    inner join {{ ref('stg_xero__credit_notes') }} as c on c._dlt_id = a._dlt_parent_id
    inner join {{ ref('int_xero__documents') }} as d on d.native_id = a.invoice_id
    where c.is_posted and not coalesce(a.is_deleted, false) and a.amount is not null
),

payment_entries as (
    {{ payment_gl_entries('changed_payments', ref('int_xero__documents'), 'xero', credits='select * from credit_allocations') }}
),

controls as (
    select role, account_code from {{ ref('int_ledger__control_accounts') }} where system = 'xero'
),

base as (
    select base_currency from {{ ref('int_base_currencies') }} where system = 'xero'
),

bank_transactions_raw as (
    select
        t.*,
        -- money in credits the lines and debits the bank
        case when t.transaction_type like 'RECEIVE%' then -1 else 1 end as direction
    from {{ ref('stg_xero__bank_transactions') }} as t
    where t.is_posted
),

bank_transactions as (
    -- a foreign-currency transaction without a rate took the day's rate (int_xero__currency_rates)
    select
        t.* replace (
            coalesce(
                nullif(t.currency_rate, 0),
                case when t.currency_code = base.base_currency or t.currency_code is null then 1 end,
                r.currency_rate,
                1) as currency_rate
        )
    from bank_transactions_raw as t
    cross join base
    asof left join {{ ref('int_xero__currency_rates') }} as r
        on r.currency_code = t.currency_code and t.transaction_date >= r.rate_date
),

bank_lines as (
    select
        cast(l.list_index + 1 as varchar) as gl_entry_suffix,
        'xero:bank_transaction:' || t.bank_transaction_id as entry_group_key,
        cast(l.list_index + 1 as integer) as line_number,
        'line' as entry_role,
        l.account_code,
        l.description,
        t.direction * (case when t.line_amount_types = 'Inclusive' then coalesce(l.line_amount, 0) - coalesce(l.tax_amount, 0)
                            else coalesce(l.line_amount, 0) end) as amount,
        t.direction * {{ to_base_currency(
            "case when t.line_amount_types = 'Inclusive' then coalesce(l.line_amount, 0) - coalesce(l.tax_amount, 0) else coalesce(l.line_amount, 0) end",
            't.currency_rate', "'divide'") }} as base_amount
    from {{ ref('stg_xero__bank_transaction_line_items') }} as l
    inner join bank_transactions as t on t._dlt_id = l._dlt_parent_id
    union all
    select
        'tax',
        'xero:bank_transaction:' || t.bank_transaction_id,
        100000, 'tax', c.account_code, 'Tax',
        t.direction * coalesce(t.total_tax, 0),
        t.direction * {{ to_base_currency('coalesce(t.total_tax, 0)', 't.currency_rate', "'divide'") }}
    from bank_transactions as t
    left join controls as c on c.role = case when t.direction = -1 then 'sales_tax' else 'purchase_tax' end
    where coalesce(t.total_tax, 0) <> 0
),

bank_totals as (
    select entry_group_key, sum(amount) as amount, sum(base_amount) as base_amount
    from bank_lines
    group by entry_group_key
),

bank_entries as (
    select * from bank_lines
    union all
    select
        'bank',
        'xero:bank_transaction:' || t.bank_transaction_id,
        0, 'bank', t.bank_account_code, 'Bank', -coalesce(b.amount, 0), -coalesce(b.base_amount, 0)
    from bank_transactions as t
    left join bank_totals as b on b.entry_group_key = 'xero:bank_transaction:' || t.bank_transaction_id
),

bank_transaction_entries as (
    select
        e.gl_entry_suffix,
        e.entry_group_key,
        'xero' as system,
        'bank_transaction' as source_type,
        t.bank_transaction_id as source_native_id,
        t.reference as document_number,
        t.transaction_date as posting_date,
        strftime(t.transaction_date, '%Y-%m') as period,
        e.account_code,
        e.description,
        -- the contact's party in the role of the money's direction, else in the role it has (a bank or
        -- a supplier can send money); null when the contact is no party at all (not in Contacts)
        case when t.direction = -1 then coalesce(pc.party_key, pv.party_key) else coalesce(pv.party_key, pc.party_key) end as party_key,
        e.line_number,
        e.entry_role,
        cast(e.amount as decimal(18, 2)) as amount,
        coalesce(t.currency_code, base.base_currency) as currency_code,
        cast(e.base_amount as decimal(18, 2)) as base_amount,
        base.base_currency,
        t._dlt_load_id
    from bank_entries as e
    inner join bank_transactions as t on 'xero:bank_transaction:' || t.bank_transaction_id = e.entry_group_key
    cross join base
    left join {{ ref('int_xero__parties') }} as pc on pc.party_key = 'xero:customer:' || t.contact_id
    left join {{ ref('int_xero__parties') }} as pv on pv.party_key = 'xero:vendor:' || t.contact_id
),

inventory_items as (
    select item_code, purchase_unit_price as unit_cost, cogs_account_code, inventory_asset_account_code
    from {{ ref('stg_xero__items') }}
    where is_tracked_as_inventory and item_code is not null
),

cost_of_sales as (
    -- tracked items sold move their cost (quantity x purchase unit price, per line rounded half up)
    -- from inventory to cost of goods sold, in base currency, as Xero posts it with the invoice
    select
        d.document_key,
        sum(cast(round(cast(i.unit_cost as decimal(38, 6)) * cast(l.quantity as decimal(38, 6)), 2) as decimal(18, 2))) as cost,
        i.cogs_account_code,
        i.inventory_asset_account_code
    from {{ ref('int_xero__document_lines') }} as l
    inner join changed_documents as d on d.document_key = l.document_key
    inner join inventory_items as i on i.item_code = l.item_code
    where d.document_type in ('sales_invoice', 'sales_credit_note')
        and (d.is_posted or d.status_normalized = 'voided')
    group by d.document_key, i.cogs_account_code, i.inventory_asset_account_code
),

cost_of_sales_entries as (
    -- beside the document's control entry (and its reversal when voided), from the documents themselves
    select
        'cogs:' || c.cogs_account_code || ':' || c.inventory_asset_account_code
            || case when v.is_reversal then ':void' else '' end || ':' || x.side as gl_entry_suffix,
        d.document_key as entry_group_key,
        'xero' as system,
        d.document_type as source_type,
        d.native_id as source_native_id,
        d.document_number,
        case when v.is_reversal then {{ void_posting_date('d') }} else d.posting_date end as posting_date,
        case when v.is_reversal then strftime({{ void_posting_date('d') }}, '%Y-%m') else d.period end as period,
        case when x.side = 'cogs' then c.cogs_account_code else c.inventory_asset_account_code end as account_code,
        'Cost of goods sold' as description,
        d.party_key,
        200000 as line_number,
        'cogs' as entry_role,
        -- a sale debits cost of sales; a credit note (goods back) and a void reverse it (DECIMAL(18, 2)
        -- like every other entry: the sum above is wider, and would widen the whole table's amounts)
        cast((case when x.side = 'cogs' then 1 else -1 end)
            * (case when d.document_type = 'sales_credit_note' then -1 else 1 end)
            * (case when v.is_reversal then -1 else 1 end) * c.cost as decimal(18, 2)) as amount,
        d.base_currency as currency_code,
        cast((case when x.side = 'cogs' then 1 else -1 end)
            * (case when d.document_type = 'sales_credit_note' then -1 else 1 end)
            * (case when v.is_reversal then -1 else 1 end) * c.cost as decimal(18, 2)) as base_amount,
        d.base_currency,
        d._dlt_load_id
    from cost_of_sales as c
    inner join changed_documents as d on d.document_key = c.document_key
    {{ reversal_join('d') }}
    cross join (values ('cogs'), ('inventory')) as x (side)
),

journals as (
    select * from {{ ref('stg_xero__manual_journals') }} where is_posted
),

journal_lines as (
    select
        j.manual_journal_id,
        l.list_index,
        l.account_code,
        l.description,
        l.tax_amount,
        case when j.line_amount_types = 'Inclusive' then coalesce(l.line_amount, 0) - coalesce(l.tax_amount, 0)
             else coalesce(l.line_amount, 0) end as net_amount,
        case when j.line_amount_types in ('Inclusive', 'Exclusive') then coalesce(l.tax_amount, 0) else 0 end as posted_tax
    from {{ ref('stg_xero__manual_journal_lines') }} as l
    inner join journals as j on j._dlt_id = l._dlt_parent_id
),

manual_journal_entries_raw as (
    select
        cast(list_index + 1 as varchar) as gl_entry_suffix,
        'xero:manual_journal:' || manual_journal_id as entry_group_key,
        manual_journal_id,
        cast(list_index + 1 as integer) as line_number,
        'line' as entry_role,
        account_code,
        description,
        net_amount as amount
    from journal_lines
    union all
    select
        cast(list_index + 1 as varchar) || ':tax',
        'xero:manual_journal:' || manual_journal_id,
        manual_journal_id,
        cast(100000 + list_index + 1 as integer),
        'tax',
        (select account_code from controls where role = 'sales_tax'),
        'Tax',
        posted_tax
    from journal_lines
    where posted_tax <> 0
),

manual_journal_entries as (
    select
        e.gl_entry_suffix,
        e.entry_group_key,
        'xero' as system,
        'manual_journal' as source_type,
        j.manual_journal_id as source_native_id,
        j.narration as document_number,
        j.journal_date as posting_date,
        strftime(j.journal_date, '%Y-%m') as period,
        e.account_code,
        coalesce(e.description, j.narration) as description,
        cast(null as varchar) as party_key,
        e.line_number,
        e.entry_role,
        cast(e.amount as decimal(18, 2)) as amount,
        base.base_currency as currency_code,
        cast(e.amount as decimal(18, 2)) as base_amount,
        base.base_currency,
        j._dlt_load_id
    from manual_journal_entries_raw as e
    inner join journals as j on j.manual_journal_id = e.manual_journal_id
    cross join base
)

-- keys are stored only where they cannot be derived (macros/derived_keys.sql; core.gl_entries derives them)
select * replace ({{ compact_source_native_id() }}), {{ built_at() }} as _built_at from (
    select * from document_entries
    union all by name
    select * from cost_of_sales_entries
    union all by name
    select * from payment_entries
    union all by name
    select * from bank_transaction_entries
    union all by name
    select * from manual_journal_entries
) as entries
{{ tombstones('entry_group_key', "select document_key as entry_group_key from changed_documents
    union all select payment_key from changed_payments
    union all select 'xero:bank_transaction:' || bank_transaction_id from " ~ ref('stg_xero__bank_transactions') ~ "
    union all select 'xero:manual_journal:' || manual_journal_id from " ~ ref('stg_xero__manual_journals')) }}

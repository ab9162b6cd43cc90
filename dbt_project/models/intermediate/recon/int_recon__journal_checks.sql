-- Journals that do not balance, and Sage 100 general-journal registers with no counterpart in the
-- ledger. A Sage 100 register (source journal GJ) has a counterpart when the ledger holds a manual
-- journal or bank transaction within recon_date_window_days whose debits or credits total the same
-- (a journal that lost a line still agrees on the other side) — to the cent in base currency, within
-- recon_fx_tolerance_percent when the ledger entry is in another currency (converted at another rate) —
-- and that posts to at least one of the same accounts (ledger accounts mapped to Sage 100's).
with sage_accounts as (
    -- (tieout's own postings, approved journals writeback brought into Sage 100, are not compared)
    -- per register and account first: the register's account list is then built over a few rows each
    select sage100_source_journal as source_journal, sage100_journal_register_no as register_no, account_code,
        min(posting_date) as posting_date, sum(base_debit) as debit, sum(base_credit) as credit,
        min(period) as period
    from {{ ref('gl_entries') }}
    where system = 'sage100'
        and not (sage100_source_journal = 'GJ'
                 and document_number in (select entry_no from {{ ref('int_recon__posted_proposals') }}))
    group by all
),

sage as (
    select source_journal, register_no, min(posting_date) as posting_date, sum(debit) as debit,
        sum(credit) as credit, min(period) as period,
        string_agg(account_code, ', ' order by account_code) as accounts
    from sage_accounts
    group by all
),

-- every ledger posting group's debits and credits (the balance check needs nothing else) ...
ledger_balances as (
    select system, entry_group_key, sum(base_debit) as debit, sum(base_credit) as credit
    from {{ ref('gl_entries') }}
    where system <> 'sage100'
    group by system, entry_group_key
),

-- ... the groups worth describing: unbalanced ones, and the manual journals and bank transactions (the
-- counterparts of Sage 100 journals) ...
described as (
    select system, entry_group_key from ledger_balances where debit <> credit
    union
    select system, entry_group_key from {{ ref('gl_entries') }}
    where system <> 'sage100' and source_type in ('manual_journal', 'bank_transaction')
),

-- ... described from their postings: what they are and whether in a foreign currency
ledger as (
    select g.system, g.entry_group_key, min(g.source_type) as source_type, min(g.source_native_id) as native_id,
        min(g.document_number) as document_number, min(g.posting_date) as posting_date,
        sum(g.base_debit) as debit, sum(g.base_credit) as credit, min(g.period) as period,
        bool_or(g.currency_code <> g.base_currency) as is_foreign
    from {{ ref('gl_entries') }} as g
    inner join described as d on d.system = g.system and d.entry_group_key = g.entry_group_key
    where g.system <> 'sage100'
    group by g.system, g.entry_group_key
),

ledger_journals as (
    select * from ledger where source_type in ('manual_journal', 'bank_transaction')
),

-- the Sage 100 accounts a ledger journal posts to (its accounts mapped, or suggested)
journal_accounts as (
    select distinct g.system, g.entry_group_key, coalesce(a.sage100_account, a.suggested_sage100_account) as sage100_account
    from {{ ref('gl_entries') }} as g
    inner join ledger_journals as j on j.system = g.system and j.entry_group_key = g.entry_group_key
    inner join {{ ref('accounts') }} as a on a.system = g.system and a.account_code = g.account_code
    where coalesce(a.sage100_account, a.suggested_sage100_account) is not null
),

-- the amounts within recon_amount_tolerance of a total, in cents (amounts are in cents)
tolerance_steps as (
    {%- set cents = (var('recon_amount_tolerance', 0.01) * 100) | round(0, 'floor') | int %}
    select cast(k * 0.01 as decimal(18, 2)) as step from (select unnest(range(-{{ cents }}, {{ cents }} + 1)) as k)
),

same_totals as (
    -- equal debits or credits (within the tolerance) within the date window: in base currency found by
    -- hash joins on the amount (a range join on the dates would compare every pair of journals days apart)
    select s.register_no, l.entry_group_key, l.native_id, l.system
    from sage as s
    cross join tolerance_steps as t
    inner join ledger_journals as l on not coalesce(l.is_foreign, false) and l.debit = s.debit + t.step
    where s.source_journal = 'GJ' and abs({{ recon_days('s.posting_date', 'l.posting_date') }}) <= {{ var('recon_date_window_days', 10) }}
    union
    select s.register_no, l.entry_group_key, l.native_id, l.system
    from sage as s
    cross join tolerance_steps as t
    inner join ledger_journals as l on not coalesce(l.is_foreign, false) and l.credit = s.credit + t.step
    where s.source_journal = 'GJ' and abs({{ recon_days('s.posting_date', 'l.posting_date') }}) <= {{ var('recon_date_window_days', 10) }}
    union
    -- in a foreign currency the total may also differ by the rate used (recon_fx_tolerance_percent)
    select s.register_no, l.entry_group_key, l.native_id, l.system
    from sage as s
    inner join ledger_journals as l
        on coalesce(l.is_foreign, false)
        and l.posting_date between cast(s.posting_date - interval {{ var('recon_date_window_days', 10) }} day as date)
                              and cast(s.posting_date + interval {{ var('recon_date_window_days', 10) }} day as date)
    where s.source_journal = 'GJ'
        and (abs(l.debit - s.debit) <= greatest({{ var('recon_amount_tolerance', 0.01) }},
                 s.debit * {{ var('recon_fx_tolerance_percent', 1.0) }} / 100)
             or abs(l.credit - s.credit) <= greatest({{ var('recon_amount_tolerance', 0.01) }},
                 s.credit * {{ var('recon_fx_tolerance_percent', 1.0) }} / 100))
),

shared_accounts as (
    -- ... the pairs where both post to at least one of the same accounts ...
    select distinct t.register_no, t.entry_group_key, t.system
    from same_totals as t
    inner join journal_accounts as ja on ja.system = t.system and ja.entry_group_key = t.entry_group_key
    inner join sage_accounts as sa
        on sa.source_journal = 'GJ' and sa.register_no = t.register_no and sa.account_code = ja.sage100_account
),

counterparts as (
    -- ... are counterparts (and so is any pair whose ledger journal has no mapped account)
    select t.*
    from same_totals as t
    left join (select distinct system, entry_group_key from journal_accounts) as mapped
        on mapped.system = t.system and mapped.entry_group_key = t.entry_group_key
    left join shared_accounts as sh
        on sh.system = t.system and sh.entry_group_key = t.entry_group_key and sh.register_no = t.register_no
    where mapped.entry_group_key is null or sh.register_no is not null
),

best_counterpart as (
    select register_no, min(native_id) as ledger_native_id, min(system) as ledger_system
    from counterparts group by register_no
)

select 'unbalanced_journal' as check_type, 'sage100' as system, s.source_journal || '-' || s.register_no as journal_ref,
    s.register_no, c.ledger_native_id as related_ref, s.posting_date, s.period, s.debit - s.credit as amount,
    'Sage 100 ' || s.source_journal || ' register ' || s.register_no || ' debits ' || cast(s.debit as varchar)
        || ' but credits ' || cast(s.credit as varchar)
        || coalesce('; ledger counterpart ' || c.ledger_native_id || ' balances', '') as details
from sage as s
left join best_counterpart as c on c.register_no = s.register_no
where s.debit <> s.credit
union all
select 'unbalanced_journal', l.system, l.native_id, null, null, l.posting_date, l.period, l.debit - l.credit,
    l.system || ' ' || l.source_type || ' ' || coalesce(l.document_number, l.native_id) || ' debits '
        || cast(l.debit as varchar) || ' but credits ' || cast(l.credit as varchar)
from ledger as l
where l.debit <> l.credit
union all
select 'trial_balance_difference', 'sage100', s.source_journal || '-' || s.register_no, s.register_no, null,
    s.posting_date, s.period, s.debit,
    'Sage 100 journal ' || s.register_no || ' (' || s.accounts || ', ' || cast(s.debit as varchar)
        || ') has no counterpart in the ledger'
from sage as s
left join best_counterpart as c on c.register_no = s.register_no
where s.source_journal = 'GJ' and c.register_no is null and s.debit = s.credit

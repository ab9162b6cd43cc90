-- Journals that do not balance, and Sage 100 general-journal registers with no counterpart in the
-- ledger. A Sage 100 register (source journal GJ) has a counterpart when the ledger holds a manual
-- journal or bank transaction within recon_date_window_days whose debits or credits total the same
-- (a journal that lost a line still agrees on the other side) — to the cent in base currency, within
-- recon_fx_tolerance_percent when the ledger entry is in another currency (converted at another rate) —
-- and that posts to at least one of the same accounts (ledger accounts mapped to Sage 100's).
with sage as (
    -- (tieout's own postings, approved journals writeback brought into Sage 100, are not compared)
    select sage100_source_journal as source_journal, sage100_journal_register_no as register_no,
        min(posting_date) as posting_date, sum(base_debit) as debit, sum(base_credit) as credit,
        min(period) as period, string_agg(distinct account_code, ', ' order by account_code) as accounts,
        list(distinct account_code) as account_list
    from {{ ref('gl_entries') }}
    where system = 'sage100'
        and not (sage100_source_journal = 'GJ'
                 and document_number in (select entry_no from {{ ref('int_recon__posted_proposals') }}))
    group by all
),

ledger as (
    select g.system, g.entry_group_key, min(g.source_type) as source_type, min(g.source_native_id) as native_id,
        min(g.document_number) as document_number, min(g.posting_date) as posting_date,
        sum(g.base_debit) as debit, sum(g.base_credit) as credit, min(g.period) as period,
        bool_or(g.currency_code <> g.base_currency) as is_foreign,
        list(distinct coalesce(a.sage100_account, a.suggested_sage100_account))
            filter (where coalesce(a.sage100_account, a.suggested_sage100_account) is not null) as sage100_accounts
    from {{ ref('gl_entries') }} as g
    left join {{ ref('accounts') }} as a on a.system = g.system and a.account_code = g.account_code
    where g.system <> 'sage100'
    group by g.system, g.entry_group_key
),

ledger_journals as (
    select * from ledger where source_type in ('manual_journal', 'bank_transaction')
),

counterparts as (
    -- equal debits or credits; a foreign-currency journal may differ by the rate used (recon_fx_tolerance_percent)
    select s.register_no, l.entry_group_key, l.native_id, l.system
    from sage as s
    inner join ledger_journals as l
        on l.posting_date between s.posting_date - interval {{ var('recon_date_window_days', 10) }} day
                              and s.posting_date + interval {{ var('recon_date_window_days', 10) }} day
    where s.source_journal = 'GJ'
        and (abs(l.debit - s.debit) <= greatest({{ var('recon_amount_tolerance', 0.01) }},
                 case when l.is_foreign then s.debit * {{ var('recon_fx_tolerance_percent', 1.0) }} / 100 else 0 end)
             or abs(l.credit - s.credit) <= greatest({{ var('recon_amount_tolerance', 0.01) }},
                 case when l.is_foreign then s.credit * {{ var('recon_fx_tolerance_percent', 1.0) }} / 100 else 0 end))
        and (coalesce(len(l.sage100_accounts), 0) = 0 or list_has_any(l.sage100_accounts, s.account_list))
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

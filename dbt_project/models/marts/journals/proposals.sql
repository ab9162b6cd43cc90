-- Summarized, balanced journals that would bring Sage 100 in line with the ledger: one per kind
-- (sales_summary, purchases_summary, cash_receipts_summary, payments_summary), period (month, or day
-- with var journal_period: day) and currency. proposal_id is stable (target, kind, period, currency);
-- content_hash changes whenever a line changes, so an approval of an older version lapses.
-- requires_second_approval: the total exceeds var approval_threshold (base currency, default 5,000).
with lines as (
    select * from {{ ref('proposal_lines') }}
),

sources as (
    select proposal_id, min(target) as target, min(kind) as kind, min(period) as period, min(currency) as currency,
        count(*) as source_count, max(source_date) as last_source_date
    from {{ ref('proposal_sources') }}
    group by proposal_id
),

totals as (
    select proposal_id, sum(debit) as total_debit, sum(credit) as total_credit, count(*) as line_count,
        md5(string_agg(account || '|' || cast(debit as varchar) || '|' || cast(credit as varchar) || '|' || currency, '\n'
            order by account, debit, credit)) as content_hash,
        bool_or(account like 'UNMAPPED:%') as has_unmapped_account
    from lines
    group by proposal_id
)

select
    s.proposal_id,
    t.content_hash,
    s.target,
    s.period,
    {% if var('journal_period', 'month') == 'day' %}cast(s.period as date){% else %}last_day(cast(s.period || '-01' as date)){% endif %} as posting_date,
    s.kind,
    s.currency,
    t.total_debit,
    t.total_credit,
    t.total_debit = t.total_credit as is_balanced,
    t.line_count,
    s.source_count,
    t.total_debit > {{ var('approval_threshold', 5000) }} as requires_second_approval,
    t.has_unmapped_account,
    replace(s.kind, '_', ' ') || ' ' || s.period || ': ' || cast(s.source_count as varchar) || ' ledger record(s) missing in Sage 100' as description
from sources as s
inner join totals as t on t.proposal_id = s.proposal_id

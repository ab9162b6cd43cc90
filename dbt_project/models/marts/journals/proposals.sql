-- Summarized, balanced journals that would bring the target in line with the other system: one per
-- target, kind (sales_summary, purchases_summary, cash_receipts_summary, payments_summary, adjustments
-- for Sage 100; cash_receipt for Xero), period (month, or day with var journal_period: day) and currency.
-- proposal_id is stable (target, kind, period, currency); content_hash changes whenever a line changes,
-- so an approval of an older version lapses. amount_base is the size in base currency;
-- requires_second_approval: it exceeds var approval_threshold (base currency, default 5,000).
with lines as (
    select * from {{ ref('proposal_lines') }}
),

sources as (
    select proposal_id, min(target) as target, min(kind) as kind, min(period) as period, min(currency) as currency,
        count(distinct source_key) as source_count, max(source_date) as last_source_date,
        sum(source_base_amount) as source_base_amount, bool_and(source_base_amount is not null) as has_base_amounts,
        count(distinct exception_id) as exception_count
    from {{ ref('proposal_sources') }}
    group by proposal_id
),

base as (
    select min(base_currency) as base_currency from {{ ref('gl_entries') }} where system = 'sage100'
),

totals as (
    select proposal_id, sum(debit) as total_debit, sum(credit) as total_credit, count(*) as line_count,
        md5(string_agg(account || '|' || cast(debit as varchar) || '|' || cast(credit as varchar) || '|' || currency
                || '|' || coalesce(document_number, '') || '|' || coalesce(party, ''), '\n'
            order by account, debit, credit, document_number, party)) as content_hash,
        bool_or(account like 'UNMAPPED:%') as has_unmapped_account
    from lines
    group by proposal_id
),

sized as (
    select s.*, t.* exclude (proposal_id),
        case when s.currency = b.base_currency or not s.has_base_amounts then t.total_debit
             else s.source_base_amount end as amount_base
    from sources as s
    inner join totals as t on t.proposal_id = s.proposal_id
    cross join base as b
)

select
    proposal_id,
    content_hash,
    target,
    period,
    {% if var('journal_period', 'month') == 'day' %}cast(period as date){% else %}last_day(cast(period || '-01' as date)){% endif %} as posting_date,
    kind,
    currency,
    total_debit,
    total_credit,
    total_debit = total_credit as is_balanced,
    line_count,
    source_count,
    exception_count,
    cast(amount_base as decimal(18, 2)) as amount_base,
    amount_base > {{ var('approval_threshold', 5000) }} as requires_second_approval,
    has_unmapped_account,
    case kind
        when 'adjustments' then 'adjustments ' || period || ': ' || cast(source_count as varchar)
            || ' document(s) Sage 100 holds with another amount or tax'
        when 'cash_receipt' then 'cash receipts ' || period || ': ' || cast(source_count as varchar)
            || ' Sage 100 receipt(s) missing in the ledger'
        else replace(kind, '_', ' ') || ' ' || period || ': ' || cast(source_count as varchar)
            || ' ledger record(s) missing in Sage 100'
    end as description
from sized

-- Summarized, balanced journals that would bring the target in line with the other system: one per
-- target, kind (sales_summary, purchases_summary, cash_receipts_summary, payments_summary, adjustments
-- for Sage 100; cash_receipt for Xero), period (month, or day with var journal_period: day) and currency.
-- proposal_id is stable (target, kind, period, currency); content_hash changes whenever a line changes,
-- so an approval of an older version lapses. amount_base is the size in base currency;
-- requires_second_approval: it exceeds var approval_threshold (base currency, default 5,000).
-- posting_date is the end of the period (or the day), unless the target has closed that date: a Sage 100
-- proposal whose date falls in a closed fiscal period (or closed fiscal year) is dated on the first day of
-- the first open period after it, a Xero one on the day after the organisation's lock date; `period` stays
-- the period the records belong to, `closed_period_moved` says so and the description names both. The
-- warehouse knows the target's periods as of the last load: writeback's guard asks the target again and
-- still refuses anything dated in a closed period.
-- content_hash covers the lines (amounts, currencies, accounts, documents), the posting date and the
-- description, so a moved date or another line needs a fresh approval.
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

sage100_open_periods as (
    select d.period_starting_date, d.period_ending_date,
        d.period_closed = 'Y' or coalesce(y.year_closed, 'N') = 'Y' as is_closed
    from {{ ref('stg_sage100__gl_fiscal_year_details') }} as d
    left join {{ ref('stg_sage100__gl_fiscal_years') }} as y on y.fiscal_year = d.fiscal_year
),

xero_lock as (
    select max(greatest(coalesce(period_lock_date, date '0001-01-01'), coalesce(end_of_year_lock_date, date '0001-01-01')))
        as lock_date
    from {{ ref('stg_xero__organisations') }}
),

totals as (
    select proposal_id, sum(debit) as total_debit, sum(credit) as total_credit, count(*) as line_count,
        sum(base_debit) as total_base_debit,
        md5(string_agg(account || '|' || cast(debit as varchar) || '|' || cast(credit as varchar) || '|' || currency
                || '|' || cast(base_debit as varchar) || '|' || cast(base_credit as varchar) || '|' || base_currency
                || '|' || coalesce(document_number, '') || '|' || coalesce(party, ''), '\n'
            order by account, debit, credit, document_number, party)) as lines_hash,
        bool_or(account like 'UNMAPPED:%') as has_unmapped_account
    from lines
    group by proposal_id
),

sized as (
    select s.*, t.* exclude (proposal_id),
        t.total_base_debit as amount_base,
        {% if var('journal_period', 'month') == 'day' %}cast(s.period as date){% else %}last_day(cast(s.period || '-01' as date)){% endif %}
            as natural_date
    from sources as s
    inner join totals as t on t.proposal_id = s.proposal_id
),

dated as (
    select z.*,
        case
            when z.target = 'sage100' and exists (
                select 1 from sage100_open_periods as c
                where c.is_closed and z.natural_date between c.period_starting_date and c.period_ending_date)
            then (select min(o.period_starting_date) from sage100_open_periods as o
                  where not o.is_closed and o.period_starting_date > z.natural_date)
            when z.target = 'xero' and z.natural_date <= (select lock_date from xero_lock)
            then (select lock_date from xero_lock) + 1
        end as moved_to
    from sized as z
),

described as (
    select *,
        coalesce(moved_to, natural_date) as posting_date,
        moved_to is not null as closed_period_moved,
        case kind
            when 'adjustments' then 'adjustments ' || period || ': ' || cast(source_count as varchar)
                || ' document(s) Sage 100 holds with another amount or tax'
            when 'cash_receipt' then 'cash receipts ' || period || ': ' || cast(source_count as varchar)
                || ' Sage 100 receipt(s) missing in the ledger'
            else replace(kind, '_', ' ') || ' ' || period || ': ' || cast(source_count as varchar)
                || ' ledger record(s) missing in Sage 100'
        end || case when moved_to is not null
            then ' (period ' || period || ' is closed in ' || case target when 'xero' then 'Xero' else 'Sage 100' end
                || '; posted on ' || strftime(moved_to, '%Y-%m-%d') || ')'
            else '' end as description
    from dated
)

select
    proposal_id,
    md5(lines_hash || '|' || strftime(posting_date, '%Y-%m-%d') || '|' || description) as content_hash,
    target,
    period,
    posting_date,
    closed_period_moved,
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
    description
from described

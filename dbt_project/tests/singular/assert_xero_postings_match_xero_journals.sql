-- The double entry derived from Xero's documents agrees with the journals Xero itself posted
-- (Journals endpoint): per account and period, base-currency movements are equal within one cent per
-- posting (the rounding of multi-payment settlements). Foreign-currency bank transactions that state no
-- rate are left out: the model converts them at the day's rate it can see, Xero at its own day rate.
-- Only the periods whose journals were loaded are compared: /Journals is Xero's costliest endpoint (100
-- journals a call) and a load may leave it out or start it later; without journals there is nothing to
-- compare.
with inferred_rate as (
    select t.bank_transaction_id as source_id
    from {{ ref('stg_xero__bank_transactions') }} as t
    cross join (select base_currency from {{ ref('int_base_currencies') }} where system = 'xero') as base
    where coalesce(t.currency_rate, 0) = 0 and t.currency_code <> base.base_currency
),

journal_periods as (
    select distinct strftime(journal_date, '%Y-%m') as period from {{ ref('stg_xero__journals') }}
),

derived as (
    select period, account_code, sum(base_amount) as amount, count(*) as n
    from {{ ref('gl_entries') }}
    where system = 'xero' and source_native_id not in (select source_id from inferred_rate)
        and period in (select period from journal_periods)
    group by all
),

journals as (
    select strftime(j.journal_date, '%Y-%m') as period, l.account_code, sum(l.net_amount) as amount
    from {{ ref('stg_xero__journal_lines') }} as l
    inner join {{ ref('stg_xero__journals') }} as j on j._dlt_id = l._dlt_parent_id
    where coalesce(j.source_id, '') not in (select source_id from inferred_rate)
    group by all
)

select
    coalesce(d.period, j.period) as period,
    coalesce(d.account_code, j.account_code) as account_code,
    d.amount as derived_amount,
    j.amount as xero_journal_amount
from derived as d
full outer join journals as j on j.period = d.period and j.account_code = d.account_code
where abs(coalesce(d.amount, 0) - coalesce(j.amount, 0)) > 0.01 * greatest(coalesce(d.n, 1), 1)

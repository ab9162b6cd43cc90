-- Trial balance per system, period and account in base currency, each account also under its Sage 100
-- account (confirmed or suggested mapping; mapping_status says which), so the ledgers can be compared
-- account by account. closing_base_balance runs across periods in order.
with entries as (
    select system, period, account_code, base_currency, base_debit, base_credit, base_amount
    from {{ ref('gl_entries') }}
),

accounts as (
    select system, account_code, account_name, account_class, sage100_account, mapping_status
    from {{ ref('accounts') }}
),

per_period as (
    select
        system, period, account_code, base_currency,
        sum(base_debit) as base_debit,
        sum(base_credit) as base_credit,
        sum(base_amount) as base_net_movement,
        count(*) as posting_count
    from entries
    group by all
)

select
    p.system || ':' || p.period || ':' || coalesce(p.account_code, '?') as trial_balance_key,
    p.system,
    p.period,
    p.account_code,
    a.account_name,
    a.account_class,
    a.sage100_account as mapped_account,
    coalesce(a.mapping_status, 'unmapped') as mapping_status,
    p.base_currency,
    p.base_debit,
    p.base_credit,
    p.base_net_movement,
    sum(p.base_net_movement) over (
        partition by p.system, p.account_code order by p.period rows between unbounded preceding and current row
    ) as closing_base_balance,
    p.posting_count
from per_period as p
left join accounts as a on a.system = p.system and a.account_code = p.account_code

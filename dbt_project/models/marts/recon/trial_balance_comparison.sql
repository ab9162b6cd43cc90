-- Trial balance per period and mapped Sage 100 account: the ledger's movement (its accounts mapped to
-- Sage 100 accounts, confirmed or suggested), Sage 100's movement, and the difference, in base currency.
with tb as (
    select * from {{ ref('trial_balance') }}
),

source as (
    select system, period, coalesce(mapped_account, 'unmapped:' || coalesce(account_code, '?')) as account,
        base_currency, sum(base_net_movement) as source_movement, min(mapping_status) as mapping_status
    from tb where system <> 'sage100'
    group by all
),

sage as (
    select period, account_code as account, base_currency, sum(base_net_movement) as sage100_movement
    from tb where system = 'sage100'
    group by all
),

ledger_system as (
    select coalesce(min(system), 'ledger') as system from tb where system <> 'sage100'
)

select
    coalesce(s.system, ls.system) as system,
    coalesce(s.period, g.period) as period,
    coalesce(s.account, g.account) as account,
    coalesce(s.base_currency, g.base_currency) as currency,
    s.mapping_status,
    coalesce(s.source_movement, 0) as source_amount,
    coalesce(g.sage100_movement, 0) as sage100_amount,
    coalesce(g.sage100_movement, 0) - coalesce(s.source_movement, 0) as difference
from source as s
full outer join sage as g on g.period = s.period and g.account = s.account
cross join ledger_system as ls

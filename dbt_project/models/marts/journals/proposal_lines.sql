-- Lines of the journal proposals: the ledger's own postings of the summarized records (core.gl_entries,
-- base currency), each account mapped to its Sage 100 account (confirmed or suggested; an unmapped
-- account shows as UNMAPPED:<code> and blocks posting), summed per proposal, account and side.
-- Every proposal balances because every summarized posting group does.
with sources as (
    select * from {{ ref('proposal_sources') }}
),

entries as (
    select s.proposal_id, s.currency, g.account_code, g.base_amount, g.system
    from sources as s
    inner join {{ ref('gl_entries') }} as g
        on g.system = s.source_system and g.source_native_id = s.source_native_id
        and g.source_type = case when s.kind in ('sales_summary', 'purchases_summary') then s.document_type else 'payment' end
    union all
    -- a batch payment posts per allocation: its entries carry the allocations' ids
    select s.proposal_id, s.currency, g.account_code, g.base_amount, g.system
    from sources as s
    inner join {{ ref('payments') }} as p on p.system = s.source_system and p.payment_group_ref = s.source_native_id
    inner join {{ ref('gl_entries') }} as g on g.system = p.system and g.source_native_id = p.native_id and g.source_type = 'payment'
    where s.kind in ('cash_receipts_summary', 'payments_summary')
),

mapped as (
    select e.*, coalesce(a.sage100_account, 'UNMAPPED:' || coalesce(e.account_code, '?')) as account
    from entries as e
    left join {{ ref('accounts') }} as a on a.system = e.system and a.account_code = e.account_code
),

summed as (
    select proposal_id, account, currency, sum(base_amount) as net
    from mapped
    group by all
    having sum(base_amount) <> 0
)

select
    proposal_id,
    row_number() over (partition by proposal_id order by case when net > 0 then 0 else 1 end, account) as line_no,
    account,
    cast(case when net > 0 then net else 0 end as decimal(18, 2)) as debit,
    cast(case when net < 0 then -net else 0 end as decimal(18, 2)) as credit,
    currency,
    case when net > 0 then 'debit ' else 'credit ' end || account || ' (summary of ledger postings missing in Sage 100)' as description
from summed

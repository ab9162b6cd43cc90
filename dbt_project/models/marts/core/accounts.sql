-- Chart of accounts of every system, each ledger account with its Sage 100 account: confirmed
-- (account_map seed), suggested (best-scoring Sage 100 account with its evidence) or unmapped.
with accounts as (
    select * from {{ ref('int_xero__accounts') }}
    union all by name
    select * from {{ ref('int_kashflow__accounts') }}
    union all by name
    select * from {{ ref('int_sage100__accounts') }}
),

mapping as (
    select * from {{ ref('int_account_mapping__suggestions') }}
)

select
    a.account_key,
    a.system,
    a.native_id,
    a.account_code,
    a.account_name,
    a.native_type,
    a.account_class,
    a.system_account,
    a.status,
    a.status_normalized,
    a.is_active,
    a.is_bank,
    a.currency_code,
    case when a.system = 'sage100' then a.account_code else m.sage100_account end as sage100_account,
    case when a.system = 'sage100' then 'native' else coalesce(m.mapping_status, 'unmapped') end as mapping_status,
    m.suggested_sage100_account,
    m.suggestion_score,
    m.evidence as mapping_evidence,
    a.tenant_id,
    a.updated_at,
    a._loaded_at
from accounts as a
left join mapping as m on m.account_key = a.account_key

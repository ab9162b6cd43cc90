-- Sage 100 GL accounts: native id is the internal AccountKey, the code is the formatted Account.
select
    'sage100:' || a.account as account_key,
    'sage100' as system,
    a.account_key as native_id,
    a.account as account_code,
    a.account_desc as account_name,
    a.account_type as native_type,
    m.account_class,
    cast(null as varchar) as system_account,
    a.status,
    s.status as status_normalized,
    coalesce(s.status, 'active') = 'active' as is_active,
    coalesce(
        a.account_key in (select cash_acct_key from {{ ref('stg_sage100__ar_divisions') }} where cash_acct_key is not null),
        false) as is_bank,
    cast(null as varchar) as currency_code,
    cast(null as varchar) as tax_type,
    cast(null as varchar) as tenant_id,
    a.updated_at,
    a._loaded_at
from {{ ref('stg_sage100__gl_accounts') }} as a
left join {{ ref('account_class_map') }} as m
    on m.system = 'sage100' and m.native_type = a.account_type
left join {{ ref('status_map') }} as s
    on s.system = 'sage100' and s.entity = 'account' and s.native_status = a.status
where a.account is not null

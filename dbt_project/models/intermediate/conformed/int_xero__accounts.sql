-- Xero accounts with their account class.
select
    'xero:' || a.account_code as account_key,
    'xero' as system,
    a.account_id as native_id,
    a.account_code,
    a.account_name,
    a.account_type as native_type,
    m.account_class,
    a.system_account,
    a.status,
    a.status_normalized,
    coalesce(a.status_normalized = 'active', true) as is_active,
    a.account_type = 'BANK' as is_bank,
    a.currency_code,
    a.tax_type,
    a.tenant_id,
    a.updated_at,
    a._loaded_at
from {{ ref('stg_xero__accounts') }} as a
left join {{ ref('account_class_map') }} as m
    on m.system = 'xero' and m.native_type = a.account_type
where a.account_code is not null

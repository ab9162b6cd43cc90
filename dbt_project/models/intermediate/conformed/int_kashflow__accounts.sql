-- KashFlow nominal codes with their account class; bank accounts are nominals too (their Code).
with banks as (
    select bank_account_code, min(currency_code) as currency_code
    from {{ ref('stg_kashflow__bank_accounts') }}
    group by bank_account_code
)

select
    'kashflow:' || n.nominal_code as account_key,
    'kashflow' as system,
    cast(n.nominal_id as varchar) as native_id,
    n.nominal_code as account_code,
    n.nominal_name as account_name,
    coalesce(n.nominal_type, n.nominal_sub_type) as native_type,
    coalesce(m.account_class, m2.account_class, case when b.bank_account_code is not null then 'asset' end) as account_class,
    -- KashFlow flags its control accounts (Debtors, Creditors, VAT, Bank): kept like Xero's SystemAccount
    upper(n.control_account_classification) as system_account,
    case when coalesce(n.is_archived, false) then 'archived' else 'active' end as status,
    case when coalesce(n.is_archived, false) then 'inactive' else 'active' end as status_normalized,
    not coalesce(n.is_archived, false) as is_active,
    b.bank_account_code is not null or coalesce(n.nominal_type, n.nominal_sub_type) = 'Bank'
        or upper(n.control_account_classification) = 'BANK' as is_bank,
    b.currency_code,
    cast(null as varchar) as tax_type,
    cast(null as varchar) as tenant_id,
    cast(null as timestamp) as updated_at,
    n._loaded_at
from {{ ref('stg_kashflow__nominals') }} as n
left join {{ ref('account_class_map') }} as m
    on m.system = 'kashflow' and m.native_type = n.nominal_type
left join {{ ref('account_class_map') }} as m2
    on m2.system = 'kashflow' and m2.native_type = n.nominal_sub_type
left join banks as b on b.bank_account_code = n.nominal_code
where n.nominal_code is not null

-- Sage 100 customers (AR_Customer) and vendors (AP_Vendor) as parties; native id = division-number.
with customers as (
    select * from {{ ref('stg_sage100__ar_customers') }}
),

vendors as (
    select * from {{ ref('stg_sage100__ap_vendors') }}
),

unioned as (
    select
        'customer' as party_role, ar_division_no as division_no, customer_no as party_code, customer_name as party_name,
        email_address, telephone_no, address_line1, address_line2, address_line3, city, state, zip_code,
        country_code, tax_exempt_no as tax_id, currency_code, customer_status as status, updated_at, _loaded_at
    from customers
    union all
    select
        'vendor', ap_division_no, vendor_no, vendor_name, email_address, telephone_no, address_line1, address_line2,
        address_line3, city, state, zip_code, country_code, taxpayer_idss_no, currency_code, vendor_status,
        updated_at, _loaded_at
    from vendors
)

select
    'sage100:' || u.party_role || ':' || u.division_no || '-' || u.party_code as party_key,
    'sage100' as system,
    u.party_role,
    u.division_no || '-' || u.party_code as native_id,
    u.party_code,
    u.division_no,
    u.party_name,
    u.email_address as email,
    u.telephone_no as phone,
    u.address_line1,
    nullif(concat_ws(', ', u.address_line2, u.address_line3), '') as address_line2,
    u.city,
    u.state as region,
    u.zip_code as postal_code,
    u.country_code as country,
    u.tax_id,
    u.currency_code,
    u.status,
    s.status as status_normalized,
    coalesce(s.status, 'active') in ('active', 'temporary') as is_active,
    cast(null as varchar) as xref_code_1,
    cast(null as varchar) as xref_code_2,
    cast(null as varchar) as tenant_id,
    u.updated_at,
    u._loaded_at
from unioned as u
left join {{ ref('status_map') }} as s
    on s.system = 'sage100' and s.entity = u.party_role and s.native_status = u.status

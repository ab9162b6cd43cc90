-- KashFlow customers and suppliers as parties.
with customers as (
    select * from {{ ref('stg_kashflow__customers') }}
),

suppliers as (
    select * from {{ ref('stg_kashflow__suppliers') }}
),

unioned as (
    select
        'customer' as party_role, cast(customer_id as varchar) as native_id, customer_code as party_code,
        customer_name as party_name, email, telephone, address_line1, address_line2, address_line3,
        address_line4, postal_code, coalesce(country_code, country_name) as country, vat_number,
        currency_code, is_archived, updated_at, _loaded_at
    from customers
    union all
    select
        'vendor' as party_role, cast(supplier_id as varchar), supplier_code, supplier_name, email, telephone,
        address_line1, address_line2, address_line3, address_line4, postal_code,
        coalesce(country_code, country_name), vat_number, currency_code, is_archived, updated_at, _loaded_at
    from suppliers
)

select
    'kashflow:' || party_role || ':' || party_code as party_key,
    'kashflow' as system,
    party_role,
    native_id,
    party_code,
    cast(null as varchar) as division_no,
    party_name,
    email,
    telephone as phone,
    address_line1,
    address_line2,
    -- KashFlow addresses are four free lines: town in line 3, county in line 4 by convention
    address_line3 as city,
    address_line4 as region,
    postal_code,
    country,
    vat_number as tax_id,
    currency_code,
    case when coalesce(is_archived, false) then 'archived' else 'active' end as status,
    case when coalesce(is_archived, false) then 'inactive' else 'active' end as status_normalized,
    not coalesce(is_archived, false) as is_active,
    party_code as xref_code_1,
    cast(null as varchar) as xref_code_2,
    cast(null as varchar) as tenant_id,
    updated_at,
    _loaded_at
from unioned

-- KashFlow customers and suppliers as parties. Address: the flattened Address object or the first of
-- the Addresses list; email and phone: the party's own, else its primary contact's.
with customers as (
    select * from {{ ref('stg_kashflow__customers') }}
),

suppliers as (
    select * from {{ ref('stg_kashflow__suppliers') }}
),

first_address as (
    select * from (
        select a.*, row_number() over (partition by a._dlt_parent_id order by a.list_index) as rn
        from {{ ref('stg_kashflow__customer_addresses') }} as a
    ) where rn = 1
),

primary_contact as (
    select * from (
        select c.*, row_number() over (partition by c._dlt_parent_id order by coalesce(c.is_primary, false) desc, c.list_index) as rn
        from (
            select * from {{ ref('stg_kashflow__customer_contacts') }}
            union all
            select * from {{ ref('stg_kashflow__supplier_contacts') }}
        ) as c
    ) where rn = 1
),

unioned as (
    select
        'customer' as party_role, cast(c.customer_id as varchar) as native_id, c.customer_code as party_code,
        coalesce(c.customer_name, c.display_name) as party_name, coalesce(c.email, pc.email) as email,
        coalesce(c.telephone, c.mobile, pc.telephone) as telephone,
        coalesce(c.address_line1, a.address_line1) as address_line1, coalesce(c.address_line2, a.address_line2) as address_line2,
        coalesce(c.address_line3, a.address_line3) as address_line3, coalesce(c.address_line4, a.address_line4) as address_line4,
        coalesce(c.postal_code, a.postal_code) as postal_code,
        coalesce(c.country_code, a.country_code, c.country_name, a.country_name) as country,
        c.vat_number, c.currency_code, c.is_archived, c.deleted_at, c.updated_at, c._loaded_at
    from customers as c
    left join first_address as a on a._dlt_parent_id = c._dlt_id
    left join primary_contact as pc on pc._dlt_parent_id = c._dlt_id
    union all
    select
        'vendor', cast(s.supplier_id as varchar), s.supplier_code, coalesce(s.supplier_name, s.display_name),
        coalesce(s.email, pc.email), coalesce(s.telephone, s.mobile, pc.telephone), s.address_line1, s.address_line2,
        s.address_line3, s.address_line4, s.postal_code, coalesce(s.country_code, s.country_name), s.vat_number,
        s.currency_code, s.is_archived, s.deleted_at, s.updated_at, s._loaded_at
    from suppliers as s
    left join primary_contact as pc on pc._dlt_parent_id = s._dlt_id
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
    -- KashFlow addresses are four free lines (line 1 may hold several, separated by a line break);
    -- the town is line 3 and the county line 4 by convention
    replace(address_line1, chr(10), ', ') as address_line1,
    address_line2,
    address_line3 as city,
    address_line4 as region,
    postal_code,
    country,
    vat_number as tax_id,
    currency_code,
    -- a party KashFlow no longer lists (the loader's deletion mark) is deleted, not active
    case when deleted_at is not null then 'deleted' when coalesce(is_archived, false) then 'archived' else 'active' end
        as status,
    case when deleted_at is not null then 'deleted' when coalesce(is_archived, false) then 'inactive' else 'active' end
        as status_normalized,
    deleted_at is null and not coalesce(is_archived, false) as is_active,
    party_code as xref_code_1,
    cast(null as varchar) as xref_code_2,
    cast(null as varchar) as tenant_id,
    updated_at,
    _loaded_at
from unioned

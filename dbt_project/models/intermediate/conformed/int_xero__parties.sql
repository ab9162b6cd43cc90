-- Xero contacts as parties: one row per contact and role (customer and/or vendor). A contact flagged
-- as neither, but used on documents, takes the role of its documents; one never used is a customer.
with contacts as (
    select * from {{ ref('stg_xero__contacts') }}
),

addresses as (
    -- the street address when there is one, else the postal (POBOX) one
    select *
    from (
        select
            a.*,
            row_number() over (
                partition by a._dlt_parent_id
                order by case a.address_type when 'STREET' then 0 when 'POBOX' then 1 else 2 end, a.list_index
            ) as rn
        from {{ ref('stg_xero__contact_addresses') }} as a
        where coalesce(a.address_line1, a.city, a.postal_code) is not null
    )
    where rn = 1
),

phones as (
    select *
    from (
        select
            p.*,
            row_number() over (
                partition by p._dlt_parent_id
                order by case p.phone_type when 'DEFAULT' then 0 when 'MOBILE' then 1 else 2 end, p.list_index
            ) as rn
        from {{ ref('stg_xero__contact_phones') }} as p
        where p.phone_number is not null
    )
    where rn = 1
),

used_roles as (
    select contact_id, max(invoice_type = 'ACCREC') as on_sales, max(invoice_type = 'ACCPAY') as on_purchases
    from {{ ref('stg_xero__invoices') }}
    group by contact_id
),

roles as (
    select c.contact_id, 'customer' as party_role
    from contacts as c
    left join used_roles as u on u.contact_id = c.contact_id
    where coalesce(c.is_customer, false) or coalesce(u.on_sales, false)
        or not (coalesce(c.is_supplier, false) or coalesce(u.on_purchases, false))
    union all
    select c.contact_id, 'vendor' as party_role
    from contacts as c
    left join used_roles as u on u.contact_id = c.contact_id
    where coalesce(c.is_supplier, false) or coalesce(u.on_purchases, false)
)

select
    'xero:' || r.party_role || ':' || c.contact_id as party_key,
    'xero' as system,
    r.party_role,
    c.contact_id as native_id,
    coalesce(c.account_number, c.contact_number) as party_code,
    cast(null as varchar) as division_no,
    c.contact_name as party_name,
    c.email_address as email,
    concat_ws(' ', p.phone_country_code, p.phone_area_code, p.phone_number) as phone,
    a.address_line1,
    nullif(concat_ws(', ', a.address_line2, a.address_line3, a.address_line4), '') as address_line2,
    a.city,
    a.region,
    a.postal_code,
    a.country,
    c.tax_number as tax_id,
    c.default_currency as currency_code,
    c.status,
    c.status_normalized,
    coalesce(c.status_normalized = 'active', true) as is_active,
    c.contact_number as xref_code_1,
    c.account_number as xref_code_2,
    c.tenant_id,
    c.updated_at,
    c._loaded_at
from roles as r
inner join contacts as c on c.contact_id = r.contact_id
left join addresses as a on a._dlt_parent_id = c._dlt_id
left join phones as p on p._dlt_parent_id = c._dlt_id

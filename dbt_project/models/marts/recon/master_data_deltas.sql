-- Customers, vendors and items missing or different in the other system, one row per difference:
--   delta_type field_mismatch (a matched party's email, postal code, tax id or phone, compared after
--   normalization; an item's unit price), quantity_mismatch (an item's quantity on hand),
--   missing_in_sage100 / missing_in_source (no counterpart), duplicate (two parties of one system that
--   are the same company by normalized name).
with parties as (
    select *,
        {{ normalize_email('email') }} as email_key,
        {{ normalize_postal('postal_code') }} as postal_key,
        {{ normalize_tax_id('tax_id') }} as tax_key,
        {{ normalize_phone('phone') }} as phone_key,
        -- the name with legal forms spelled one way (Co = Company, Inc = Incorporated, & = and), so that
        -- 'Acme Co' and 'ACME COMPANY' are one company but 'Acme LLC' and 'Acme Group' are two
        nullif(trim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
            regexp_replace(regexp_replace(
                lower(strip_accents(coalesce(party_name, ''))), '&', ' and ', 'g'), '[.,'']', '', 'g'),
            '\bincorporated\b', 'inc', 'g'), '\bcompany\b', 'co', 'g'), '\blimited\b', 'ltd', 'g'),
            '\bcorporation\b', 'corp', 'g'), '\bgrp\b', 'group', 'g'), '[^a-z0-9]+', ' ', 'g'), '\s+', ' ', 'g')), '') as name_key
    from {{ ref('parties') }}
),

ledger as (select * from parties where system <> 'sage100'),
sage as (select * from parties where system = 'sage100'),

party_fields as (
    select l.system, l.party_role as entity, l.party_code as source_code, s.native_id as sage100_code,
        f.field, f.source_value, f.sage100_value
    from ledger as l
    inner join sage as s on s.party_key = l.matched_party_key
    cross join lateral (
        select * from (values
            ('email', l.email, s.email, l.email_key, s.email_key),
            ('postal_code', l.postal_code, s.postal_code, l.postal_key, s.postal_key),
            -- Sage 100 keeps a vendor's taxpayer id (a customer's field is a resale certificate)
            ('tax_id', l.tax_id, s.tax_id, case when l.party_role = 'vendor' then l.tax_key end, s.tax_key)
        ) as v(field, source_value, sage100_value, source_key, sage100_key)
        where v.source_key is not null and v.sage100_key is not null and v.source_key <> v.sage100_key
    ) as f
),

missing_parties as (
    select l.system, l.party_role, l.party_code, l.party_name, 'missing_in_sage100' as delta_type
    from ledger as l where l.match_status = 'unmatched'
    union all
    select 'sage100', s.party_role, s.native_id, s.party_name, 'missing_in_source'
    from sage as s where s.match_status = 'unmatched'
),

-- two parties of one system that are one company: the same name once legal forms are spelled one way
-- and the same e-mail, phone, postal code or tax id (two companies may share a name, not their contact
-- details), or identity resolution says so — two ledger parties resolved to one Sage 100 party, or two
-- Sage 100 parties equally strong (name, e-mail, phone, address) for one ledger party
duplicate_pairs as (
    select a.party_key as party_key_a, b.party_key as party_key_b
    from parties as a
    inner join parties as b
        on b.system = a.system and b.party_role = a.party_role and b.name_key = a.name_key and b.party_key > a.party_key
    where a.name_key is not null
        and (a.email_key = b.email_key or a.phone_key = b.phone_key or a.postal_key = b.postal_key
             or a.tax_key = b.tax_key)
    union
    select a.party_key, b.party_key
    from ledger as a
    inner join ledger as b
        on b.system = a.system and b.party_role = a.party_role and b.matched_party_key = a.matched_party_key
        and b.party_key > a.party_key
    union
    select a.sage100_party_key, b.sage100_party_key
    from {{ ref('int_identity__party_matches') }} as a
    inner join {{ ref('int_identity__party_matches') }} as b
        on b.ledger_party_key = a.ledger_party_key and b.sage100_party_key > a.sage100_party_key
    where a.decision = 'review' and b.decision = 'review'
        and least(a.match_score, b.match_score) >= {{ var('identity_auto_threshold', 0.90) }}
),

duplicates as (
    select a.system, a.party_role, a.party_code, a.party_name, b.party_code as other_code, b.party_name as other_name
    from duplicate_pairs as d
    inner join parties as a on a.party_key = d.party_key_a
    inner join parties as b on b.party_key = d.party_key_b
),

items as (
    select * from {{ ref('items') }}
),

item_pairs as (
    select l.system, l.item_code, l.sage100_item_code, l.unit_price as source_price, s.unit_price as sage100_price,
        l.quantity_on_hand as source_qty, s.quantity_on_hand as sage100_qty, l.is_tracked
    from items as l
    inner join items as s on s.system = 'sage100' and s.item_code = l.sage100_item_code
    where l.system <> 'sage100'
),

deltas as (
    select system, entity, source_code, sage100_code, 'field_mismatch' as delta_type, field,
        cast(source_value as varchar) as source_value, cast(sage100_value as varchar) as sage100_value,
        cast(null as decimal(18, 2)) as difference, cast(null as varchar) as other_code
    from party_fields
    union all
    select system, party_role, case when system = 'sage100' then null else party_code end,
        case when system = 'sage100' then party_code end, delta_type, null, party_name, null, null, null
    from missing_parties
    union all
    select system, party_role, case when system = 'sage100' then null else party_code end,
        case when system = 'sage100' then party_code end, 'duplicate', 'party',
        party_code || ' ' || party_name, other_code || ' ' || other_name, null, other_code
    from duplicates
    union all
    select system, 'item', item_code, sage100_item_code, 'field_mismatch', 'unit_price',
        cast(source_price as varchar), cast(sage100_price as varchar), cast(sage100_price - source_price as decimal(18, 2)), null
    from item_pairs
    where source_price is not null and sage100_price is not null and source_price <> sage100_price
    union all
    select system, 'item', item_code, sage100_item_code, 'quantity_mismatch', 'quantity_on_hand',
        cast(source_qty as varchar), cast(sage100_qty as varchar), cast(sage100_qty - source_qty as decimal(18, 2)), null
    from item_pairs
    where is_tracked and source_qty is not null and sage100_qty is not null and source_qty <> sage100_qty
    union all
    select l.system, 'item', l.item_code, null, 'missing_in_sage100', null, l.item_name, null, null, null
    from items as l
    where l.system <> 'sage100' and l.sage100_item_code is null
)

select
    -- (a party in two duplicate pairs has a row per pair: the other party is part of the key)
    case when delta_type = 'duplicate'
         then {{ recon_hash(['system', 'entity', 'source_code', 'sage100_code', 'delta_type', 'field', 'other_code']) }}
         else {{ recon_hash(['system', 'entity', 'source_code', 'sage100_code', 'delta_type', 'field']) }}
    end as delta_id,
    *
from deltas

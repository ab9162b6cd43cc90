-- Every party of every system with the normalized values identity resolution compares
-- (see macros/identity_normalization.sql). One row per party_key.
with parties as (
    select * from {{ ref('int_xero__parties') }}
    union all by name
    select * from {{ ref('int_kashflow__parties') }}
    union all by name
    select * from {{ ref('int_sage100__parties') }}
)

select
    party_key,
    system,
    party_role,
    native_id,
    party_code,
    division_no,
    party_name,
    {{ normalize_name('party_name') }} as norm_name,
    {{ name_key('party_name') }} as norm_name_key,
    {{ normalize_email('email') }} as norm_email,
    split_part({{ normalize_email('email') }}, '@', 2) as email_domain,
    {{ normalize_tax_id('tax_id') }} as norm_tax_id,
    {{ normalize_phone('phone') }} as norm_phone,
    {{ normalize_postal('postal_code') }} as norm_postal,
    {{ normalize_address('address_line1') }} as norm_address,
    {{ normalize_code('party_code') }} as norm_code,
    -- Sage 100's full key (division + number) and the ledger's cross-reference fields, normalized
    {{ normalize_code("coalesce(division_no, '') || party_code") }} as norm_full_code,
    {{ normalize_code('xref_code_1') }} as norm_xref_1,
    {{ normalize_code('xref_code_2') }} as norm_xref_2
from parties

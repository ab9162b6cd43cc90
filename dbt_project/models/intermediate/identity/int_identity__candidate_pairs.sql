-- Candidate pairs (ledger party, Sage 100 party of the same role) found by blocking: two parties are
-- compared only when they share a blocking key (a code, a name word, the email, its domain, the tax id,
-- the phone, the postal code or the street address). Keys shared by more than `identity_block_max_size`
-- parties on a side (common words, free-mail domains) are too unspecific to block on.
-- Each pair gets its evidence and a score in 0..1 (noisy-or of the evidence; see docs/model.md).
{%- set max_block = var('identity_block_max_size', 40) %}
with parties as (
    select * from {{ ref('int_identity__parties') }}
),

keys as (
    select party_key, system, party_role, 'code:' || norm_code as block_key from parties where norm_code is not null
    union all
    select party_key, system, party_role, 'code:' || norm_full_code from parties where system = 'sage100' and norm_full_code is not null
    union all
    select party_key, system, party_role, 'code:' || norm_xref_1 from parties where norm_xref_1 is not null
    union all
    select party_key, system, party_role, 'code:' || norm_xref_2 from parties where norm_xref_2 is not null
    union all
    select party_key, system, party_role, 'name:' || norm_name_key from parties where norm_name_key is not null
    union all
    select party_key, system, party_role, 'word:' || word
    from (select party_key, system, party_role, unnest(string_split(norm_name, ' ')) as word from parties)
    where length(word) >= 3
    union all
    select party_key, system, party_role, 'email:' || norm_email from parties where norm_email is not null
    union all
    select party_key, system, party_role, 'domain:' || email_domain from parties where nullif(email_domain, '') is not null
    union all
    select party_key, system, party_role, 'tax:' || norm_tax_id from parties where norm_tax_id is not null
    union all
    select party_key, system, party_role, 'phone:' || norm_phone from parties where norm_phone is not null
    union all
    select party_key, system, party_role, 'postal:' || norm_postal from parties where norm_postal is not null
    union all
    select party_key, system, party_role, 'address:' || norm_address from parties where norm_address is not null
),

distinct_keys as (
    select distinct party_key, system, party_role, block_key,
        case when system = 'sage100' then 'sage100' else 'ledger' end as side
    from keys
),

sized as (
    select *, count(*) over (partition by party_role, side, block_key) as block_size
    from distinct_keys
),

pairs as (
    select distinct l.party_key as ledger_party_key, s.party_key as sage100_party_key
    from sized as l
    inner join sized as s
        on s.block_key = l.block_key
        and s.party_role = l.party_role
        and s.side = 'sage100'
    where l.side = 'ledger'
        and l.block_size <= {{ max_block }}
        and s.block_size <= {{ max_block }}
),

domain_sizes as (
    select email_domain, count(*) as n from parties where nullif(email_domain, '') is not null group by email_domain
),

features as (
    select
        p.ledger_party_key,
        p.sage100_party_key,
        l.system as ledger_system,
        l.party_role,
        l.party_name as ledger_name,
        s.party_name as sage100_name,
        coalesce(
            l.norm_xref_1 in (s.norm_code, s.norm_full_code)
            or l.norm_xref_2 in (s.norm_code, s.norm_full_code)
            or l.norm_code in (s.norm_code, s.norm_full_code),
            false) as code_match,
        coalesce(l.norm_name_key = s.norm_name_key, false) as name_exact,
        coalesce(
            least(length(l.norm_name_key), length(s.norm_name_key)) >= 10
            and (starts_with(l.norm_name_key, s.norm_name_key) or starts_with(s.norm_name_key, l.norm_name_key)),
            false) as name_prefix,
        round({{ name_similarity('l.norm_name', 's.norm_name') }}, 4) as name_similarity,
        coalesce(l.norm_email = s.norm_email, false) as email_match,
        coalesce(l.email_domain = s.email_domain and d.n <= 4, false) as email_domain_match,
        coalesce(l.norm_tax_id = s.norm_tax_id, false) as tax_id_match,
        coalesce(l.norm_phone = s.norm_phone, false) as phone_match,
        coalesce(l.norm_postal = s.norm_postal, false) as postal_match,
        coalesce(l.norm_address = s.norm_address, false) as address_match
    from pairs as p
    inner join parties as l on l.party_key = p.ledger_party_key
    inner join parties as s on s.party_key = p.sage100_party_key
    left join domain_sizes as d on d.email_domain = l.email_domain
),

evidence as (
    select
        *,
        -- probability-like weight of each piece of evidence; names: exact (after normalization) or a
        -- truncation of the other count fully, otherwise the similarity above 0.7 counts linearly
        case
            when name_exact or name_prefix then {{ var('identity_weight_name_exact', 0.90) }}
            else greatest(0.0, (name_similarity - 0.70) / 0.30) * {{ var('identity_weight_name_fuzzy', 0.85) }}
        end as w_name,
        case when code_match then {{ var('identity_weight_code', 0.80) }} else 0 end as w_code,
        case when tax_id_match then {{ var('identity_weight_tax_id', 0.85) }} else 0 end as w_tax,
        case when email_match then {{ var('identity_weight_email', 0.80) }}
             when email_domain_match then {{ var('identity_weight_email_domain', 0.35) }} else 0 end as w_email,
        case when phone_match then {{ var('identity_weight_phone', 0.55) }} else 0 end as w_phone,
        case when address_match then {{ var('identity_weight_address', 0.55) }}
             when postal_match then {{ var('identity_weight_postal', 0.25) }} else 0 end as w_address
    from features
)

select
    ledger_party_key,
    sage100_party_key,
    ledger_system,
    party_role,
    ledger_name,
    sage100_name,
    code_match,
    name_exact,
    name_prefix,
    name_similarity,
    email_match,
    email_domain_match,
    tax_id_match,
    phone_match,
    postal_match,
    address_match,
    -- noisy-or of the evidence; names that clearly disagree halve it (a shared code or email alone
    -- does not make two differently named companies one)
    round(
        (1 - (1 - w_name) * (1 - w_code) * (1 - w_tax) * (1 - w_email) * (1 - w_phone) * (1 - w_address))
        * case when name_similarity < {{ var('identity_name_disagreement', 0.60) }} and not (name_exact or name_prefix)
               then 0.5 else 1.0 end,
        4) as match_score,
    concat_ws(', ',
        case when code_match then 'code' end,
        case when name_exact then 'name' when name_prefix then 'name (truncated)'
             when name_similarity >= 0.85 then 'similar name' end,
        case when tax_id_match then 'tax id' end,
        case when email_match then 'email' when email_domain_match then 'email domain' end,
        case when phone_match then 'phone' end,
        case when address_match then 'address' when postal_match then 'postal code' end
    ) as evidence
from evidence

-- Customers and vendors of every system with a resolved party_id: a ledger party matched to a Sage 100
-- party (int_identity__party_matches, decision 'matched') shares that party's id; everything else is
-- its own party. Pairs left for review are shown (match_status 'review') but never merged.
with parties as (
    select * from {{ ref('int_xero__parties') }}
    union all by name
    select * from {{ ref('int_kashflow__parties') }}
    union all by name
    select * from {{ ref('int_sage100__parties') }}
),

matched as (
    select * from {{ ref('int_identity__party_matches') }} where decision = 'matched'
),

review as (
    select ledger_party_key, max(match_score) as match_score,
        string_agg(sage100_party_key || ' (' || cast(match_score as varchar) || ')', '; ' order by match_score desc, sage100_party_key) as candidates
    from {{ ref('int_identity__party_matches') }}
    where decision = 'review'
    group by ledger_party_key
),

matched_by as (
    select sage100_party_key, count(*) as n from matched group by sage100_party_key
)

select
    coalesce(m.sage100_party_key, p.party_key) as party_id,
    p.party_key,
    p.system,
    p.party_role,
    p.native_id,
    p.party_code,
    p.division_no,
    p.party_name,
    p.email,
    p.phone,
    p.address_line1,
    p.address_line2,
    p.city,
    p.region,
    p.postal_code,
    p.country,
    p.tax_id,
    p.currency_code,
    p.status,
    p.status_normalized,
    p.is_active,
    case
        when p.system = 'sage100' then (case when mb.n > 0 then 'matched' else 'unmatched' end)
        when m.ledger_party_key is not null then 'matched'
        when r.ledger_party_key is not null then 'review'
        else 'unmatched'
    end as match_status,
    coalesce(m.match_score, r.match_score) as match_score,
    m.evidence as match_evidence,
    m.sage100_party_key as matched_party_key,
    r.candidates as review_candidates,
    coalesce(mb.n, 0) as matched_ledger_parties,
    p.tenant_id,
    p.updated_at,
    p._loaded_at
from parties as p
left join matched as m on m.ledger_party_key = p.party_key
left join review as r on r.ledger_party_key = p.party_key and m.ledger_party_key is null
left join matched_by as mb on mb.sage100_party_key = p.party_key

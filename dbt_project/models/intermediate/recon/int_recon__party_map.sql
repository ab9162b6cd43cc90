-- Which Sage 100 party stands for each ledger party. Identity resolution (core.parties) says it first;
-- the documents say it too: when most of a ledger party's documents that agree with a Sage 100 document
-- on number and amount sit on one Sage 100 party, that party counts as the same customer or vendor
-- (this covers parties identity resolution left for review and duplicates kept in Sage 100).
-- When Sage 100 keeps two records of one company, identity resolution finds both strong and leaves the
-- choice for review; each of them stands for the ledger party (documents posted to either are not
-- posted to another customer; the duplicate itself is a duplicate_party exception).
with candidates as (
    select * from {{ ref('int_recon__document_candidates') }}
    where number_strength >= 2 and amount_agrees
),

votes as (
    select ledger_party_key, sage100_party_key, count(distinct ledger_document_key) as documents
    from candidates
    group by all
),

shares as (
    select *,
        documents * 1.0 / sum(documents) over (partition by ledger_party_key) as share,
        row_number() over (partition by ledger_party_key order by documents desc, sage100_party_key) as rn
    from votes
),

identity as (
    select party_key as ledger_party_key, matched_party_key as sage100_party_key
    from {{ ref('parties') }}
    where system <> 'sage100' and matched_party_key is not null
),

-- strong candidates identity resolution could not choose between (they score alike: one company twice)
ambiguous as (
    select m.ledger_party_key, m.sage100_party_key, m.match_score
    from {{ ref('int_identity__party_matches') }} as m
    left join identity as i on i.ledger_party_key = m.ledger_party_key
    where m.decision = 'review' and i.ledger_party_key is null
        and m.match_score >= {{ var('identity_auto_threshold', 0.90) }}
),

mapped as (
    select ledger_party_key, sage100_party_key, 'identity' as evidence, cast(null as double) as share, 1 as evidence_rank
    from identity
    union all
    select a.ledger_party_key, a.sage100_party_key, 'identity_ambiguous', s.share, 2
    from ambiguous as a
    left join shares as s on s.ledger_party_key = a.ledger_party_key and s.sage100_party_key = a.sage100_party_key
    union all
    select s.ledger_party_key, s.sage100_party_key, 'documents', s.share, 3
    from shares as s
    left join identity as i on i.ledger_party_key = s.ledger_party_key and i.sage100_party_key = s.sage100_party_key
    left join ambiguous as a on a.ledger_party_key = s.ledger_party_key and a.sage100_party_key = s.sage100_party_key
    where i.ledger_party_key is null and a.ledger_party_key is null
        and s.documents >= {{ var('recon_party_evidence_min_documents', 2) }}
        and s.share >= {{ var('recon_party_evidence_min_share', 0.6) }}
)

-- is_primary: the one Sage 100 party that stands for the ledger party where one is needed (identity first,
-- then the party most of its documents sit on)
select ledger_party_key, sage100_party_key, evidence, share,
    row_number() over (partition by ledger_party_key order by evidence_rank, share desc nulls last, sage100_party_key) = 1
        as is_primary
from mapped

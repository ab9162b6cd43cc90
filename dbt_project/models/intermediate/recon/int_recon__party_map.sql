-- Which Sage 100 party stands for each ledger party. Identity resolution (core.parties) says it first;
-- the documents say it too: when most of a ledger party's documents that agree with a Sage 100 document
-- on number and amount sit on one Sage 100 party, that party counts as the same customer or vendor
-- (this covers parties identity resolution left for review and duplicates kept in Sage 100).
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
)

select ledger_party_key, sage100_party_key, 'identity' as evidence, cast(null as double) as share
from identity
union all
select s.ledger_party_key, s.sage100_party_key, 'documents', s.share
from shares as s
left join identity as i on i.ledger_party_key = s.ledger_party_key and i.sage100_party_key = s.sage100_party_key
where i.ledger_party_key is null
    and s.documents >= {{ var('recon_party_evidence_min_documents', 2) }}
    and s.share >= {{ var('recon_party_evidence_min_share', 0.6) }}

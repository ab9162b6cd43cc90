-- Decisions on candidate pairs. For each ledger party the best Sage 100 candidate is
--   matched  when its score reaches identity_auto_threshold and beats the runner-up by identity_ambiguity_margin;
--   review   when it reaches identity_review_threshold but is not matched (too weak or ambiguous) —
--            also every runner-up within the margin, so a person sees all the contenders;
-- and nothing is merged otherwise. A Sage 100 party may be matched by several ledger parties (a
-- duplicate contact in the ledger); match_rank / shared_by says so.
with candidates as (
    select * from {{ ref('int_identity__candidate_pairs') }}
    where match_score >= {{ var('identity_review_threshold', 0.60) }}
),

ranked as (
    select
        *,
        row_number() over (partition by ledger_party_key order by match_score desc, sage100_party_key) as candidate_rank,
        max(match_score) over (partition by ledger_party_key) as best_score,
        coalesce(
            nth_value(match_score, 2) over (
                partition by ledger_party_key order by match_score desc, sage100_party_key
                rows between unbounded preceding and unbounded following),
            0) as second_score
    from candidates
),

decided as (
    select
        *,
        case
            when candidate_rank = 1
                and match_score >= {{ var('identity_auto_threshold', 0.90) }}
                and match_score - second_score >= {{ var('identity_ambiguity_margin', 0.05) }}
                then 'matched'
            when candidate_rank = 1 then 'review'
            when best_score - match_score < {{ var('identity_ambiguity_margin', 0.05) }} then 'review'
        end as decision,
        case
            when candidate_rank = 1 and match_score >= {{ var('identity_auto_threshold', 0.90) }}
                and match_score - second_score < {{ var('identity_ambiguity_margin', 0.05) }}
                then 'ambiguous: another Sage 100 party scores within the margin'
            when candidate_rank = 1 and match_score < {{ var('identity_auto_threshold', 0.90) }}
                then 'score below the automatic threshold'
            when candidate_rank > 1 then 'runner-up within the margin of the best candidate'
        end as review_reason
    from ranked
)

select
    ledger_party_key || '|' || sage100_party_key as match_key,
    ledger_party_key,
    sage100_party_key,
    ledger_system,
    party_role,
    ledger_name,
    sage100_name,
    match_score,
    second_score as runner_up_score,
    candidate_rank,
    decision,
    review_reason,
    evidence,
    code_match,
    name_exact,
    name_similarity,
    email_match,
    tax_id_match,
    phone_match,
    address_match,
    postal_match,
    count(*) filter (where decision = 'matched') over (partition by sage100_party_key) as shared_by
from decided
where decision is not null

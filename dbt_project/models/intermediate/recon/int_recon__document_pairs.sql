{{ config(materialized='incremental', incremental_strategy='replace_changed', unique_key='sage100_document_key',
    on_schema_change='sync_all_columns', post_hook="{{ record_inputs_signature() }}") }}
-- One-to-one pairing of ledger and Sage 100 documents. A candidate qualifies when a number key is
-- shared and the pair also agrees on the party or on the amount (a reference-only match needs both),
-- or when party, amount and date agree without any number. Pairs are taken when each side is the
-- other's best candidate (number strength, party, amount, currency, closeness in time), in two rounds
-- so that a document whose best partner was taken gets its next best. A Sage 100 document left over
-- whose best candidate is a ledger document already paired on equal terms is a duplicate posting.
{% call replace_changed_select('final') -%}
with candidates as (
    select
        c.*,
        coalesce(c.identity_party_agrees, false) or pm.ledger_party_key is not null as party_agrees
    from {{ ref('int_recon__document_candidates') }} as c
    left join {{ ref('int_recon__party_map') }} as pm
        on pm.ledger_party_key = c.ledger_party_key and pm.sage100_party_key = c.sage100_party_key
),

qualified as (
    select
        *,
        -- one comparable score: number evidence first, then party, amount, currency
        number_strength * 1000 + (case when party_agrees then 100 else 0 end)
            + (case when amount_agrees then 10 else 0 end) + (case when currency_agrees then 1 else 0 end) as score
    from candidates
    where (number_strength >= 2 and (party_agrees or amount_agrees))
        or (number_strength = 1 and party_agrees and amount_agrees)
        or (number_strength = 0 and party_agrees and amount_agrees)
),

round1_ranked as (
    select *,
        row_number() over (partition by ledger_document_key order by score desc, days_apart, sage100_document_key) as rank_for_ledger,
        row_number() over (partition by sage100_document_key order by score desc, days_apart, ledger_document_key) as rank_for_sage100
    from qualified
),

round1 as (
    select * from round1_ranked where rank_for_ledger = 1 and rank_for_sage100 = 1
),

round2_ranked as (
    select q.*,
        row_number() over (partition by q.ledger_document_key order by q.score desc, q.days_apart, q.sage100_document_key) as rank_for_ledger,
        row_number() over (partition by q.sage100_document_key order by q.score desc, q.days_apart, q.ledger_document_key) as rank_for_sage100
    from qualified as q
    where q.ledger_document_key not in (select ledger_document_key from round1)
        and q.sage100_document_key not in (select sage100_document_key from round1)
),

paired as (
    select *, 1 as pairing_round from round1
    union all
    select *, 2 from round2_ranked where rank_for_ledger = 1 and rank_for_sage100 = 1
),

leftover_sage100 as (
    -- unpaired Sage 100 documents whose best qualifying candidate is a ledger document paired with another
    -- Sage 100 document that agrees on number (at least digits), party and amount just as well
    select q.sage100_document_key, q.ledger_document_key, p.sage100_document_key as paired_sage100_document_key,
        row_number() over (partition by q.sage100_document_key order by q.score desc, q.days_apart, q.ledger_document_key) as rn
    from qualified as q
    inner join paired as p on p.ledger_document_key = q.ledger_document_key
    where q.sage100_document_key not in (select sage100_document_key from paired)
        and q.number_strength >= 2 and q.party_agrees and q.amount_agrees
        and p.party_agrees and p.amount_agrees
),

final as (
    select
        ledger_document_key,
        sage100_document_key,
        'pair' as relation,
        cast(null as varchar) as duplicate_of_sage100_document_key,
        number_strength,
        party_agrees,
        amount_agrees,
        currency_agrees,
        days_apart,
        pairing_round
    from paired
    union all
    select
        ledger_document_key,
        sage100_document_key,
        'sage100_duplicate',
        paired_sage100_document_key,
        null, null, null, null, null, null
    from leftover_sage100
    where rn = 1
)
{%- endcall %}

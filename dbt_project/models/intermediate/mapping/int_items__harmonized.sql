-- Item code harmonization: each ledger item (Xero item / KashFlow product) and the Sage 100 item
-- (CI_Item) it is. A row of the `item_map` seed is confirmed. Otherwise Sage items are scored:
--   code       the same code once case and punctuation are ignored (HW-1001 = HW1001) scores 1;
--   digits     the same number part (HW-1001 ~ HDW-1001) counts with the description similarity;
--   name       description similarity (Jaro-Winkler, word order ignored) and the same unit price;
--   evidence   share of the item's lines on linked documents whose Sage line (same amount) has that item.
-- The best candidate is matched at item_fuzzy_auto_threshold when it beats the runner-up by the
-- identity margin; otherwise it is left for review.
with ledger_items as (
    select * from {{ ref('int_xero__items') }}
    union all by name
    select * from {{ ref('int_kashflow__items') }}
),

sage_items as (
    select * from {{ ref('int_sage100__items') }}
),

links as (
    select * from {{ ref('int_documents__links') }}
),

line_pairs as (
    select l.system, l.item_code as source_item_code, s.item_code as sage100_item_code, count(*) as n
    from links as k
    inner join (
        select * from {{ ref('int_xero__document_lines') }}
        union all by name
        select * from {{ ref('int_kashflow__document_lines') }}
    ) as l on l.document_key = k.ledger_document_key
    inner join {{ ref('int_sage100__document_lines') }} as s
        on s.document_key = k.sage100_document_key and abs(s.net_amount - l.net_amount) <= 0.01
    where l.item_code is not null and s.item_code is not null
    group by all
),

line_totals as (
    select system, source_item_code, sum(n) as total from line_pairs group by all
),

scored as (
    select
        l.system,
        l.item_code as source_item_code,
        l.item_name as source_item_name,
        s.item_code as sage100_item_code,
        s.item_name as sage100_item_name,
        coalesce({{ normalize_code('l.item_code') }} = {{ normalize_code('s.item_code') }}, false) as code_match,
        coalesce(
            nullif(regexp_replace(l.item_code, '[^0-9]', '', 'g'), '') = nullif(regexp_replace(s.item_code, '[^0-9]', '', 'g'), ''),
            false) as digits_match,
        round({{ name_similarity(normalize_text('l.item_name'), normalize_text('s.item_name')) }}, 4) as name_similarity,
        coalesce(abs(l.unit_price - s.unit_price) <= 0.01, false) as price_match,
        case when t.total > 0 then coalesce(p.n, 0) / t.total end as evidence_share
    from ledger_items as l
    cross join sage_items as s
    left join line_pairs as p
        on p.system = l.system and p.source_item_code = l.item_code and p.sage100_item_code = s.item_code
    left join line_totals as t on t.system = l.system and t.source_item_code = l.item_code
),

scores as (
    select
        *,
        round(greatest(
            case when code_match then 1.0 else 0 end,
            case when digits_match then 0.55 + 0.35 * name_similarity + 0.10 * cast(price_match as integer) else 0 end,
            0.55 * name_similarity + 0.15 * cast(price_match as integer) + 0.30 * coalesce(evidence_share, 0)
        ), 4) as score
    from scored
),

ranked as (
    select
        *,
        row_number() over (partition by system, source_item_code order by score desc, sage100_item_code) as rank,
        lead(score) over (partition by system, source_item_code order by score desc, sage100_item_code) as runner_up_score
    from scores
    where score >= {{ var('item_fuzzy_review_threshold', 0.80) }}
)

select
    l.system || ':' || l.item_code as item_key,
    l.system,
    l.item_code as source_item_code,
    l.item_name as source_item_name,
    coalesce(m.sage100_item_code, case when r.score >= {{ var('item_fuzzy_auto_threshold', 0.92) }}
        and r.score - coalesce(r.runner_up_score, 0) >= {{ var('identity_ambiguity_margin', 0.05) }} then r.sage100_item_code end)
        as sage100_item_code,
    r.sage100_item_code as candidate_sage100_item_code,
    r.sage100_item_name as candidate_sage100_item_name,
    r.score as match_score,
    r.runner_up_score,
    concat_ws(', ',
        case when r.code_match then 'same code' when r.digits_match then 'same number' end,
        case when r.name_similarity >= 0.85 then 'similar description' end,
        case when r.price_match then 'same price' end,
        case when r.evidence_share > 0 then 'same lines on ' || cast(round(100 * r.evidence_share) as varchar) || '% of linked documents' end
    ) as evidence,
    case
        when m.sage100_item_code is not null then 'confirmed'
        when r.score >= {{ var('item_fuzzy_auto_threshold', 0.92) }}
            and r.score - coalesce(r.runner_up_score, 0) >= {{ var('identity_ambiguity_margin', 0.05) }} then 'matched'
        when r.score is not null then 'review'
        else 'unmatched'
    end as match_status
from ledger_items as l
left join ranked as r on r.system = l.system and r.source_item_code = l.item_code and r.rank = 1
left join {{ ref('item_map') }} as m on m.system = l.system and m.source_item_code = l.item_code

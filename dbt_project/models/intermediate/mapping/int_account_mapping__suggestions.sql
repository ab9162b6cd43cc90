-- Account mapping of every ledger account (Xero / KashFlow) to a Sage 100 account.
-- A row of the `account_map` seed is a confirmed mapping. Otherwise every Sage 100 account is scored
-- for the ledger account and the best one suggested, for a person to confirm:
--   evidence share  which share of the ledger account's linked postings land on that Sage account
--                   (int_account_mapping__evidence: same documents, same amounts) or a shared control role;
--   name similarity of the normalized names (Jaro-Winkler, word order ignored);
--   class           whether both are assets / liabilities / equity / revenue / cost of sales / expenses.
-- score = 0.60 evidence + 0.25 name + 0.15 class when there is evidence, else 0.70 name + 0.30 class.
with ledger_accounts as (
    select * from {{ ref('int_xero__accounts') }}
    union all by name
    select * from {{ ref('int_kashflow__accounts') }}
),

sage_accounts as (
    select * from {{ ref('int_sage100__accounts') }}
),

evidence as (
    select system, source_account_code, sage100_account,
        sum(case when kind like 'role:%' then 0 else occurrences end) as postings,
        max(case when kind like 'role:%' then replace(kind, 'role:', '') end) as shared_role
    from {{ ref('int_account_mapping__evidence') }}
    group by all
),

evidence_totals as (
    select system, source_account_code, sum(postings) as total_postings
    from evidence
    group by all
),

scored as (
    select
        l.system,
        l.account_code as source_account_code,
        l.account_name as source_account_name,
        l.account_class as source_account_class,
        s.account_code as sage100_account,
        s.account_name as sage100_account_name,
        s.account_class as sage100_account_class,
        round({{ text_similarity(normalize_text('l.account_name'), normalize_text('s.account_name')) }}, 4) as name_similarity,
        coalesce(l.account_class = s.account_class, false) as class_match,
        coalesce(e.postings, 0) as matching_postings,
        coalesce(t.total_postings, 0) as source_postings,
        e.shared_role,
        case
            when e.shared_role is not null then 1.0
            when coalesce(t.total_postings, 0) > 0 then coalesce(e.postings, 0) / t.total_postings
        end as evidence_share
    from ledger_accounts as l
    inner join sage_accounts as s on s.is_active or s.account_code is not null
    left join evidence as e
        on e.system = l.system and e.source_account_code = l.account_code and e.sage100_account = s.account_code
    left join evidence_totals as t
        on t.system = l.system and t.source_account_code = l.account_code
),

scores as (
    select
        *,
        round(case
            when evidence_share is not null then 0.60 * evidence_share + 0.25 * name_similarity + 0.15 * cast(class_match as integer)
            else 0.70 * name_similarity + 0.30 * cast(class_match as integer)
        end, 4) as score
    from scored
),

ranked as (
    select
        *,
        row_number() over (partition by system, source_account_code order by score desc, sage100_account) as rank,
        lead(score) over (partition by system, source_account_code order by score desc, sage100_account) as runner_up_score,
        lead(sage100_account) over (partition by system, source_account_code order by score desc, sage100_account) as runner_up_account
    from scores
),

best as (
    select * from ranked where rank = 1
)

select
    l.system || ':' || l.account_code as account_key,
    l.system,
    l.account_code as source_account_code,
    l.account_name as source_account_name,
    l.account_class as source_account_class,
    m.sage100_account as confirmed_sage100_account,
    m.confirmed_by,
    case when b.score >= {{ var('account_suggestion_min_score', 0.35) }} then b.sage100_account end as suggested_sage100_account,
    b.sage100_account_name as suggested_sage100_account_name,
    b.score as suggestion_score,
    b.runner_up_account,
    b.runner_up_score,
    b.name_similarity,
    b.class_match,
    b.matching_postings,
    b.source_postings,
    concat_ws('; ',
        'name "' || l.account_name || '" ~ "' || b.sage100_account_name || '" (' || cast(round(b.name_similarity, 2) as varchar) || ')',
        case when b.class_match then 'both ' || b.sage100_account_class
             else 'class ' || coalesce(l.account_class, '?') || ' vs ' || coalesce(b.sage100_account_class, '?') end,
        case when b.shared_role is not null then 'both are the ' || replace(b.shared_role, '_', ' ') || ' account' end,
        case when b.source_postings > 0
             then cast(b.matching_postings as varchar) || ' of ' || cast(b.source_postings as varchar)
                  || ' matched postings of the same documents hit ' || b.sage100_account end
    ) as evidence,
    coalesce(m.sage100_account,
        case when b.score >= {{ var('account_suggestion_min_score', 0.35) }} then b.sage100_account end) as sage100_account,
    case
        when m.sage100_account is not null then 'confirmed'
        when b.score >= {{ var('account_suggestion_min_score', 0.35) }} then 'suggested'
        else 'unmapped'
    end as mapping_status
from ledger_accounts as l
left join best as b on b.system = l.system and b.source_account_code = l.account_code
left join {{ ref('account_map') }} as m on m.system = l.system and m.source_account_code = l.account_code

-- Identity resolution finds the true cross-system pairs of a generated scenario. Runs only when the
-- var `truth_dir` points at a scenario's truth/ folder (the tests set it; production has no truth):
-- reads truth/party_pairs.csv, logs precision and recall of the automatic matches (and the share of
-- true pairs matched or left for review), and fails when precision or recall is below
-- identity_min_precision / identity_min_recall.
{%- set truth_dir = var('truth_dir', none) %}
{%- if truth_dir %}
{%- set metrics_sql %}
with truth as (
    select
        source_system || ':' || party_kind || ':' || case when source_system = 'xero' then source_id else source_code end
            as ledger_party_key,
        'sage100:' || party_kind || ':' || sage100_division || '-' || sage100_party as sage100_party_key
    from read_csv('{{ truth_dir }}/party_pairs.csv', header = true, all_varchar = true)
),

found as (
    select ledger_party_key, sage100_party_key, decision from {{ ref('int_identity__party_matches') }}
),

scores as (
    select
        (select count(*) from truth) as true_pairs,
        (select count(*) from found where decision = 'matched') as matched_pairs,
        (select count(*) from found as f inner join truth as t using (ledger_party_key, sage100_party_key)
         where f.decision = 'matched') as correct_matches,
        (select count(*) from found as f inner join truth as t using (ledger_party_key, sage100_party_key)) as matched_or_review
)

select
    *,
    round(correct_matches / nullif(matched_pairs, 0), 4) as match_precision,
    round(correct_matches / nullif(true_pairs, 0), 4) as match_recall,
    round(matched_or_review / nullif(true_pairs, 0), 4) as recall_with_review
from scores
{%- endset %}
{%- if execute %}
{%- set result = run_query(metrics_sql) %}
{%- set row = result.rows[0] %}
{%- do log('identity resolution vs truth: precision ' ~ row['match_precision'] ~ ', recall ' ~ row['match_recall']
    ~ ' (' ~ row['correct_matches'] ~ ' of ' ~ row['true_pairs'] ~ ' true pairs matched, ' ~ row['matched_pairs']
    ~ ' matches), recall with review ' ~ row['recall_with_review'], info=True) %}
{%- endif %}

select *
from ({{ metrics_sql }}) as metrics
where coalesce(match_precision, 0) < {{ var('identity_min_precision', 0.98) }}
    or coalesce(match_recall, 0) < {{ var('identity_min_recall', 0.95) }}
{%- else %}
-- no truth to compare with: nothing to check
select 1 as nothing where false
{%- endif %}

{{ config(materialized='incremental', incremental_strategy='replace_changed', unique_key='ledger_payment_id',
    on_schema_change='sync_all_columns', post_hook="{{ record_inputs_signature() }}") }}
-- A ledger payment paired with its Sage 100 cash receipt or check. Candidates come through blocking
-- keys only: the documents they pay are paired (int_recon__document_pairs), or the same party paid
-- the same amount within recon_payment_date_window_days. Pairs are taken when each is the other's
-- best candidate (shared documents, equal amount, closeness in time), in two rounds.
-- (CTEs read twice are `not materialized`: DuckDB would otherwise keep every column of them in memory)
{% call replace_changed_select('final') -%}
with doc_pairs as (
    select ledger_document_key, sage100_document_key from {{ ref('int_recon__document_pairs') }}
),

allocations as not materialized (
    select * from {{ ref('int_recon__native_allocations') }} where payment_kind in ('payment', 'on_account')
),

via_documents as (
    select l.payment_system as ledger_system, l.payment_ref as ledger_ref, s.payment_ref as sage100_ref,
        count(distinct dp.ledger_document_key) as shared_documents
    from allocations as l
    inner join doc_pairs as dp on dp.ledger_document_key = l.document_key
    inner join allocations as s on s.document_key = dp.sage100_document_key and s.payment_system = 'sage100'
    where l.payment_system <> 'sage100'
    group by all
),

ledger as (
    select * from {{ ref('int_recon__payments') }} as payments where side = 'ledger' and expected_in_sage100
),

sage as (
    select * from {{ ref('int_recon__payments') }} as payments where side = 'sage100'
),

via_party_amount as (
    select l.payment_system as ledger_system, l.payment_ref as ledger_ref, s.payment_ref as sage100_ref,
        0 as shared_documents
    from ledger as l
    inner join {{ ref('int_recon__party_map') }} as pm on pm.ledger_party_key = l.party_key
    inner join sage as s on s.sage100_party_key = pm.sage100_party_key and s.amount = l.amount
    where abs({{ recon_days('l.payment_date', 's.payment_date') }}) <= {{ var('recon_payment_date_window_days', 10) }}
),

candidates as (
    select ledger_system, ledger_ref, sage100_ref, max(shared_documents) as shared_documents
    from (select * from via_documents union all select * from via_party_amount)
    group by all
),

scored as (
    select
        c.*,
        l.payment_id as ledger_payment_id,
        s.payment_id as sage100_payment_id,
        l.amount as ledger_amount,
        s.amount as sage100_amount,
        abs(l.amount - s.amount) <= {{ var('recon_amount_tolerance', 0.01) }} as amount_agrees,
        abs({{ recon_days('l.payment_date', 's.payment_date') }}) as days_apart,
        c.shared_documents * 100
            + case when abs(l.amount - s.amount) <= {{ var('recon_amount_tolerance', 0.01) }} then 10 else 0 end as score
    from candidates as c
    inner join ledger as l on l.payment_system = c.ledger_system and l.payment_ref = c.ledger_ref
    inner join sage as s on s.payment_ref = c.sage100_ref
),

round1_ranked as (
    select *,
        row_number() over (partition by ledger_payment_id order by score desc, abs(ledger_amount - sage100_amount), days_apart, sage100_payment_id) as rank_for_ledger,
        row_number() over (partition by sage100_payment_id order by score desc, abs(ledger_amount - sage100_amount), days_apart, ledger_payment_id) as rank_for_sage100
    from scored
),

round1 as (
    select * from round1_ranked where rank_for_ledger = 1 and rank_for_sage100 = 1
),

round2_ranked as (
    select s.*,
        row_number() over (partition by s.ledger_payment_id order by s.score desc, abs(s.ledger_amount - s.sage100_amount), s.days_apart, s.sage100_payment_id) as rank_for_ledger,
        row_number() over (partition by s.sage100_payment_id order by s.score desc, abs(s.ledger_amount - s.sage100_amount), s.days_apart, s.ledger_payment_id) as rank_for_sage100
    from scored as s
    where s.ledger_payment_id not in (select ledger_payment_id from round1)
        and s.sage100_payment_id not in (select sage100_payment_id from round1)
),

final as (
    select ledger_payment_id, sage100_payment_id, ledger_system, ledger_ref, sage100_ref, shared_documents,
        ledger_amount, sage100_amount, amount_agrees, days_apart, 1 as pairing_round
    from round1
    union all
    select ledger_payment_id, sage100_payment_id, ledger_system, ledger_ref, sage100_ref, shared_documents,
        ledger_amount, sage100_amount, amount_agrees, days_apart, 2
    from round2_ranked
    where rank_for_ledger = 1 and rank_for_sage100 = 1
)
{%- endcall %}

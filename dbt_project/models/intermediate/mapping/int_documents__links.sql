{{ config(materialized='incremental', incremental_strategy='replace_changed', unique_key='ledger_document_key',
    on_schema_change='sync_all_columns', post_hook="{{ record_inputs_signature() }}") }}
-- Links between ledger documents (Xero / KashFlow) and Sage 100 documents that record the same
-- transaction, used as evidence for account and item mapping. A pair qualifies when the document
-- numbers agree once reduced to a key (digits without leading zeros for sales documents, the
-- alphanumerics for bills), the document kinds agree, and the pair also agrees on the party (resolved)
-- or on the total. Each ledger document keeps its best link.
{% call replace_changed_select('final') -%}
with ledger as (
    select d.*, m.sage100_party_key
    from {{ ref('int_xero__documents') }} as d
    left join {{ ref('int_identity__party_matches') }} as m on m.ledger_party_key = d.party_key and m.decision = 'matched'
    union all by name
    select d.*, m.sage100_party_key
    from {{ ref('int_kashflow__documents') }} as d
    left join {{ ref('int_identity__party_matches') }} as m on m.ledger_party_key = d.party_key and m.decision = 'matched'
),

sage as (
    select * from {{ ref('int_sage100__documents') }}
),

keyed_ledger as (
    select *,
        nullif(ltrim(regexp_replace(document_number, '[^0-9]', '', 'g'), '0'), '') as digits_key,
        {{ normalize_code('document_number') }} as code_key
    from ledger
),

keyed_sage as (
    select *,
        nullif(ltrim(regexp_replace(document_number, '[^0-9]', '', 'g'), '0'), '') as digits_key,
        {{ normalize_code('document_number') }} as code_key
    from sage
),

-- two equi-joins (digits, code) instead of one join on "digits or code": an OR condition cannot use a hash
-- join and turns into a nested loop over every pair of documents of a type
keyed_pairs as (
    select l.document_key as ledger_document_key, s.document_key as sage100_document_key
    from keyed_ledger as l
    inner join keyed_sage as s on s.document_type = l.document_type and s.digits_key = l.digits_key
    union
    select l.document_key, s.document_key
    from keyed_ledger as l
    inner join keyed_sage as s on s.document_type = l.document_type and s.code_key = l.code_key
),

pairs as (
    select
        l.document_key as ledger_document_key,
        s.document_key as sage100_document_key,
        l.system as ledger_system,
        l.document_type,
        l.document_number as ledger_document_number,
        s.document_number as sage100_document_number,
        coalesce(l.sage100_party_key = s.party_key, false) as party_agrees,
        abs(l.total_amount - s.total_amount) <= 0.01 as total_agrees,
        case when l.code_key = s.code_key then 'number' else 'number digits' end as number_rule
    from keyed_pairs as k
    inner join keyed_ledger as l on l.document_key = k.ledger_document_key
    inner join keyed_sage as s on s.document_key = k.sage100_document_key
),

final as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by ledger_document_key
                order by party_agrees desc, total_agrees desc, number_rule, sage100_document_key
            ) as rn
        from pairs
        where party_agrees or total_agrees
    )
    where rn = 1
)
{%- endcall %}

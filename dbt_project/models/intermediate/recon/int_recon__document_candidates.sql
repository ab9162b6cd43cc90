-- Candidate pairs of a ledger document and a Sage 100 document of the same type, found through blocking
-- keys only:
--   * a shared number key (see int_recon__document_keys, a view; the strongest kind pair wins) that is not
--     too common to tell documents apart (int_recon__common_keys), or
--   * the same resolved party and the same total within recon_date_window_days (no number evidence).
-- Each candidate carries what agrees (number, party by identity resolution, amount, dates) for the
-- pairing in int_recon__document_pairs.
-- Incremental: the pairs of the documents int_recon__documents rebuilt since this model's last run are
-- replaced, on either side (strategy replace_pairs, macros/incremental.sql): their keys (computed for them
-- alone) meet every other document's keys again; pairs of documents no longer there are deleted. A key
-- that became common, or no longer is, since the last run changes the pairs of every document holding it:
-- those documents are paired again too.
{{ config(materialized='incremental', incremental_strategy='replace_pairs',
    replace_keys=['ledger_document_key', 'sage100_document_key'], tombstone_column='ledger_system',
    on_schema_change='append_new_columns') }}
{%- set keys = ref('int_recon__document_keys') %}
{%- set common = ref('int_recon__common_keys') %}
{%- set incremental = incremental_with_columns(['_built_at']) %}
{%- set common_changed = recon_common_keys_changed(common) if incremental else false %}
-- (ledger and sage are read twice: `not materialized`, or DuckDB keeps every column of them in memory)
with ledger as not materialized (
    select * from {{ ref('int_recon__documents') }} where side = 'ledger'
),

sage as not materialized (
    select * from {{ ref('int_recon__documents') }} where side = 'sage100'
),

-- the keys that may pair documents: every key but the common ones
usable_keys as not materialized (
    {{ recon_usable_keys(keys, common) }}
),

kind_pairs as (
    -- (ledger key kind, Sage 100 key kind, strength)
    select * from (values
        ('number', 'number', 3),
        ('number_digits', 'number_digits', 2),
        ('number', 'comment', 2),
        ('number_digits', 'comment', 2),
        ('number_tail', 'number_tail', 2),
        ('number_tail', 'comment', 2),
        ('reference_tail', 'number_tail', 2),
        ('reference', 'number', 2),
        ('reference_digits', 'number_digits', 2),
        ('reference', 'comment', 2),
        ('reference', 'reference', 1)
    ) as t(ledger_kind, sage100_kind, strength)
),

{%- if incremental %}
changed as materialized (
    select * from {{ ref('int_recon__documents') }}
    where _built_at > {{ built_watermark() }}
    {%- if common_changed %}
        or document_key in (
            select k.document_key
            from {{ keys }} as k
            semi join (select * from {{ common }} where _built_at > {{ built_watermark() }}) as c
                on {{ recon_same_key('c', 'k') }})
    {%- endif %}
),

changed_keys as materialized (
    {{ recon_usable_keys('(' ~ recon_document_keys('changed') ~ ')', common) }}
),

by_number as (
    -- keys of a changed ledger document against every Sage 100 key, and of a changed Sage 100 document
    -- against every ledger key
    select l.document_key as ledger_document_key, s.document_key as sage100_document_key, k.strength as number_strength
    from changed_keys as l
    inner join kind_pairs as k on k.ledger_kind = l.key_kind
    inner join usable_keys as s
        on s.key_value = l.key_value and s.document_type = l.document_type and s.key_kind = k.sage100_kind
        and s.side = 'sage100'
    where l.side = 'ledger'
    union all
    select l.document_key, s.document_key, k.strength
    from changed_keys as s
    inner join kind_pairs as k on k.sage100_kind = s.key_kind
    inner join usable_keys as l
        on l.key_value = s.key_value and l.document_type = s.document_type and l.key_kind = k.ledger_kind
        and l.side = 'ledger'
    where s.side = 'sage100'
),
{%- else %}
ledger_keys as materialized (
    -- each ledger key with the Sage 100 kinds it may meet, so that the join on the key meets only those
    -- (joining every kind and filtering after multiplies the rows of common keys; materialized, or the
    -- optimizer moves the kind join after the key join again)
    select l.document_key, l.document_type, l.key_value, k.sage100_kind, k.strength
    from usable_keys as l
    inner join kind_pairs as k on k.ledger_kind = l.key_kind
    where l.side = 'ledger'
),

by_number as (
    select l.document_key as ledger_document_key, s.document_key as sage100_document_key, l.strength as number_strength
    from ledger_keys as l
    inner join usable_keys as s
        on s.key_value = l.key_value and s.document_type = l.document_type and s.key_kind = l.sage100_kind
        and s.side = 'sage100'
),
{%- endif %}

-- the Sage 100 parties identity resolution accepted, or found equally strong (one company kept twice)
identity_parties as (
    select ledger_party_key, sage100_party_key
    from {{ ref('int_identity__party_matches') }}
    where {{ recon_identity_accepted() }}
),

by_party_amount as (
    select l.document_key as ledger_document_key, s.document_key as sage100_document_key, 0 as number_strength
    from ledger as l
    inner join identity_parties as ip on ip.ledger_party_key = l.party_key
    inner join sage as s
        on s.party_key = ip.sage100_party_key
        and s.total_amount = l.total_amount
        and s.document_type = l.document_type
    where abs({{ recon_days('l.issue_date', 's.posting_date') }}) <= {{ var('recon_date_window_days', 10) }}
    {%- if incremental %}
        and (l.document_key in (select document_key from changed) or s.document_key in (select document_key from changed))
    {%- endif %}
),

candidates as (
    select ledger_document_key, sage100_document_key, max(number_strength) as number_strength
    from (select * from by_number union all select * from by_party_amount)
    group by all
)

select
    c.ledger_document_key,
    c.sage100_document_key,
    c.number_strength,
    l.system as ledger_system,
    l.document_type,
    l.party_key as ledger_party_key,
    s.party_key as sage100_party_key,
    coalesce(l.identity_sage100_party_key = s.party_key, false) or ipa.ledger_party_key is not null as identity_party_agrees,
    abs(l.total_amount - s.total_amount) <= {{ var('recon_amount_tolerance', 0.01) }} as amount_agrees,
    l.currency_code = s.currency_code as currency_agrees,
    abs({{ recon_days('l.issue_date', 's.posting_date') }}) as days_apart,
    s.posting_date as sage100_posting_date,
    {{ built_at() }} as _built_at
from candidates as c
inner join ledger as l on l.document_key = c.ledger_document_key
inner join sage as s on s.document_key = c.sage100_document_key
left join identity_parties as ipa on ipa.ledger_party_key = l.party_key and ipa.sage100_party_key = s.party_key
where l.document_type = s.document_type
{%- if incremental %}
union all by name
select document_key as ledger_document_key from changed where side = 'ledger'
union all by name
select document_key as sage100_document_key from changed where side = 'sage100'
union all by name
select distinct t.ledger_document_key from {{ this }} as t
where t.ledger_document_key not in (select document_key from {{ ref('int_recon__documents') }})
union all by name
select distinct t.sage100_document_key from {{ this }} as t
where t.sage100_document_key not in (select document_key from {{ ref('int_recon__documents') }})
{%- elif is_incremental() %}
-- built before this model was incremental: every pair is replaced
union all by name
select distinct t.ledger_document_key from {{ this }} as t
{%- endif %}

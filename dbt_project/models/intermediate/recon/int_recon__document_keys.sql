-- Number keys of every document (the blocking keys of the document tie-out): its own number reduced
-- to alphanumerics, to digits and to its last run of digits, its reference (a bill's supplier number, a customer PO) and, for
-- Sage 100, the tokens of its comment (integrations often write the source number there).
-- key_kind says where a key came from; document_type lets the candidates block on the type too (an
-- invoice is never the counterpart of a bill, so their keys need not meet).
-- Incremental: the keys of the documents int_recon__documents rebuilt since this model's last run are
-- replaced (a key is a function of its document's row); keys of documents no longer there are deleted.
{{ config(materialized='incremental', incremental_strategy='replace_groups', unique_key='document_key',
    on_schema_change='append_new_columns') }}
-- (the changed documents are few and read seven times: materialized; in a full build, read where used)
{%- set incremental = incremental_with_columns(['_built_at']) %}
with docs as {{ 'materialized' if incremental else 'not materialized' }} (
    select document_key, system, side, document_type, number_code, number_digits, number_tail,
        reference_tail, reference_code, reference_digits, comment
    from {{ ref('int_recon__documents') }}
    {%- if incremental %}
    where _built_at > {{ built_watermark() }}
    {%- endif %}
),

keys as (
    select document_key, system, side, document_type, number_code as key_value, 'number' as key_kind from docs where number_code is not null
    union all
    select document_key, system, side, document_type, number_digits, 'number_digits' from docs where number_digits is not null
    union all
    select document_key, system, side, document_type, number_tail, 'number_tail' from docs where number_tail is not null
    union all
    select document_key, system, side, document_type, reference_tail, 'reference_tail' from docs where reference_tail is not null
    union all
    select document_key, system, side, document_type, reference_code, 'reference' from docs where reference_code is not null
    union all
    select document_key, system, side, document_type, reference_digits, 'reference_digits' from docs where reference_digits is not null
    union all
    -- tokens of 4+ characters of a Sage 100 comment; two tokens can reduce to one key ("0042", "42")
    select distinct document_key, system, side, document_type, {{ recon_code_key('tok') }}, 'comment'
    from (select document_key, system, side, document_type, unnest({{ recon_tokens('comment') }}) as tok
          from docs where side = 'sage100' and comment is not null)
    where length(tok) >= 4 and {{ recon_code_key('tok') }} is not null
)

-- one row per document and kind but for comment tokens (made distinct above): no distinct over every key
select document_key, system, side, document_type, key_value, key_kind, {{ built_at() }} as _built_at
from keys
where length(key_value) >= 1
{{ tombstones('document_key', "select document_key from docs
    union all select distinct t.document_key from " ~ this ~ " as t
    where t.document_key not in (select document_key from " ~ ref('int_recon__documents') ~ ")") }}

-- Number keys of every document (the blocking keys of the document tie-out): its own number reduced
-- to alphanumerics, to digits and to its last run of digits, its reference (a bill's supplier number, a customer PO) and, for
-- Sage 100, the tokens of its comment (integrations often write the source number there).
-- key_kind says where a key came from; document_type lets the candidates block on the type too (an
-- invoice is never the counterpart of a bill, so their keys need not meet).
with keys as (
    select document_key, side, document_type, number_code as key_value, 'number' as key_kind from {{ ref('int_recon__documents') }} as docs where number_code is not null
    union all
    select document_key, side, document_type, number_digits, 'number_digits' from {{ ref('int_recon__documents') }} as docs where number_digits is not null
    union all
    select document_key, side, document_type, number_tail, 'number_tail' from {{ ref('int_recon__documents') }} as docs where number_tail is not null
    union all
    select document_key, side, document_type, reference_tail, 'reference_tail' from {{ ref('int_recon__documents') }} as docs where reference_tail is not null
    union all
    select document_key, side, document_type, reference_code, 'reference' from {{ ref('int_recon__documents') }} as docs where reference_code is not null
    union all
    select document_key, side, document_type, reference_digits, 'reference_digits' from {{ ref('int_recon__documents') }} as docs where reference_digits is not null
    union all
    -- tokens of 4+ characters of a Sage 100 comment; two tokens can reduce to one key ("0042", "42")
    select distinct document_key, side, document_type, {{ recon_code_key('tok') }}, 'comment'
    from (select document_key, side, document_type, unnest({{ recon_tokens('comment') }}) as tok
          from {{ ref('int_recon__documents') }} as docs where side = 'sage100' and comment is not null)
    where length(tok) >= 4 and {{ recon_code_key('tok') }} is not null
)

-- one row per document and kind but for comment tokens (made distinct above): no distinct over every key
select document_key, side, document_type, key_value, key_kind
from keys
where length(key_value) >= 1

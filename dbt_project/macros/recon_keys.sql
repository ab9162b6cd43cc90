{#- Keys for reconciliation: ways two systems write the same document or payment number.
    Rules, not data: they apply to any company's numbering. -#}

{#- Alphanumerics, upper case, leading zeros dropped: "inv-0042" = "INV0042", "0000042" = "42". -#}
{% macro recon_code_key(expr) -%}
    nullif(ltrim(regexp_replace(upper(coalesce(cast({{ expr }} as varchar), '')), '[^A-Z0-9]', '', 'g'), '0'), '')
{%- endmacro %}

{#- The digits only, leading zeros dropped: "INV-0042" = "IN00042" = "0000042" = "42". -#}
{% macro recon_digits_key(expr) -%}
    nullif(ltrim(regexp_replace(coalesce(cast({{ expr }} as varchar), ''), '[^0-9]', '', 'g'), '0'), '')
{%- endmacro %}

{#- The last run of digits, leading zeros dropped: "SI-2025-00042" = "AR-42" = "INV-0042" = "42" (numbering
    schemes that prefix a year, a series or a branch keep the running number last). -#}
{% macro recon_tail_key(expr) -%}
    nullif(ltrim(regexp_extract(coalesce(cast({{ expr }} as varchar), ''), '([0-9]+)[^0-9]*$', 1), '0'), '')
{%- endmacro %}

{#- Tokens of free text (a remittance, a comment): runs of letters and digits, and the digit runs inside
    them ("Remit: INV-0042, INV-0043" -> INV, 0042, INV, 0043; "inv#42" -> INV, 42), as a list. -#}
{% macro recon_tokens(expr) -%}
    list_distinct(list_concat(
        regexp_extract_all(upper(coalesce(cast({{ expr }} as varchar), '')), '[A-Z0-9]+'),
        regexp_extract_all(coalesce(cast({{ expr }} as varchar), ''), '[0-9]+')
    ))
{%- endmacro %}

{#- recon_code_key of a token of recon_tokens (upper case letters and digits already): its leading zeros dropped. -#}
{% macro recon_token_key(token) -%}
    nullif(ltrim({{ token }}, '0'), '')
{%- endmacro %}

{#- The number keys free text may hold (a Sage 100 comment: integrations often write the source number
    there): its tokens of 4+ characters reduced like a number (recon_code_key), each once ("0042" and
    "00042" are one key), as a sorted list; an empty list for text without any. A token is already upper
    case letters and digits, so reducing it is dropping its leading zeros (no regular expression per token). -#}
{% macro recon_comment_keys(expr) -%}
    list_sort(list_distinct(list_filter(
        list_transform(list_filter({{ recon_tokens(expr) }}, lambda tok: length(tok) >= 4), lambda tok: {{ recon_token_key('tok') }}),
        lambda k: k is not null)))
{%- endmacro %}

{#- A stable id: md5 of the parts joined with '|' (nulls as empty). -#}
{% macro recon_hash(parts) -%}
    md5(concat_ws('|'{% for p in parts %}, coalesce(cast({{ p }} as varchar), ''){% endfor %}))
{%- endmacro %}

{#- Whole days between two dates (b - a). -#}
{% macro recon_days(a, b) -%}
    date_diff('day', cast({{ a }} as date), cast({{ b }} as date))
{%- endmacro %}

{#- A party match identity resolution accepted, or found as strong (one company kept twice in Sage 100). -#}
{% macro recon_identity_accepted() -%}
    (decision = 'matched' or (decision = 'review' and match_score >= {{ var('identity_auto_threshold', 0.90) }}))
{%- endmacro %}

{#- The blocking keys of the documents in `documents` (a relation or CTE with int_recon__documents' key
    columns): its own number reduced to alphanumerics, to digits and to its last run of digits, its
    reference (whole, digits, tail) and, for Sage 100, the keys of its comment (`comment_keys`, made
    distinct per document when the document was built). One row per document, kind and key: a column
    unpivoted, so cheap to compute where it is read. Shared by the int_recon__document_keys view and the
    candidates' incremental run, which computes only its changed documents' keys. -#}
{% macro recon_document_keys(documents) -%}
    with docs as not materialized (
        select document_key, system, side, document_type, number_code, number_digits, number_tail,
            reference_tail, reference_code, reference_digits, comment_keys
        from {{ documents }}
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
        select document_key, system, side, document_type, unnest(comment_keys), 'comment'
        from docs where side = 'sage100' and len(comment_keys) > 0
    )

    select document_key, system, side, document_type, key_value, key_kind
    from keys
    where length(key_value) >= 1
{%- endmacro %}

{#- The same number key in the relations aliased `a` and `b`: side, document type, kind and value (a common
    key's identity, int_recon__common_keys' unique key). -#}
{% macro recon_same_key(a, b) -%}
    {{ a }}.side = {{ b }}.side and {{ a }}.document_type = {{ b }}.document_type and {{ a }}.key_kind = {{ b }}.key_kind
        and {{ a }}.key_value = {{ b }}.key_value
{%- endmacro %}

{#- The keys of `keys` (a relation or a parenthesized query with int_recon__document_keys' columns) that may
    pair documents: all but the keys `common` (int_recon__common_keys) holds as common. -#}
{% macro recon_usable_keys(keys, common) -%}
    select k.*
    from {{ keys }} as k
    anti join (select * from {{ common }} where is_common) as c on {{ recon_same_key('c', 'k') }}
{%- endmacro %}

{#- In an incremental run of the candidates: whether a key became common, or stopped being common, since
    their last run (decided when the model runs, so that the query reads the keys again only then). -#}
{% macro recon_common_keys_changed(common) -%}
    {%- if not execute -%}{{ return(false) }}{%- endif -%}
    {%- set found = run_query("select count(*) from " ~ common ~ " where _built_at > " ~ built_watermark()) -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}

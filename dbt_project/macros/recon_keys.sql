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

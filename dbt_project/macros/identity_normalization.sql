{#- Normalizers for identity resolution. Each one removes a kind of difference that does not change
    who a party is: case, accents, punctuation, legal-form suffixes, street-type abbreviations,
    formatting of tax ids and phone numbers. Rules, not data: they apply to any company's records. -#}

{#- Legal forms and filler words dropped from company names (after punctuation is removed, so that
    L.L.C. -> llc). `and`/`&` are dropped too: "Smith & Sons" = "Smith and Sons". -#}

{% macro normalize_name(expr) -%}
    nullif(trim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        lower(strip_accents(coalesce(cast({{ expr }} as varchar), ''))),
        '&', ' and ', 'g'),
        '[.'']', '', 'g'),
        '[^a-z0-9]+', ' ', 'g'),
        '\b(inc|incorporated|llc|ltd|limited|corp|corporation|co|company|plc|llp|lp|group|grp|gmbh|ag|sa|sarl|bv|nv|srl|spa|pty|pvt|the|and)\b', ' ', 'g')
    ), '')
{%- endmacro %}

{#- Name without spaces: "Smith Bros" = "SmithBros". -#}
{% macro name_key(expr) -%}
    nullif(replace({{ normalize_name(expr) }}, ' ', ''), '')
{%- endmacro %}

{#- Street address: lower case, no punctuation, street types and directions abbreviated the USPS way. -#}
{% macro normalize_address(expr) -%}
    nullif(trim(regexp_replace(
        {%- set abbreviations = [
            ('street', 'st'), ('avenue', 'ave'), ('road', 'rd'), ('drive', 'dr'), ('boulevard', 'blvd'),
            ('suite', 'ste'), ('lane', 'ln'), ('court', 'ct'), ('place', 'pl'), ('apartment', 'apt'),
            ('highway', 'hwy'), ('parkway', 'pkwy'), ('square', 'sq'), ('terrace', 'ter'), ('circle', 'cir'),
            ('north', 'n'), ('south', 's'), ('east', 'e'), ('west', 'w'), ('floor', 'fl'), ('building', 'bldg'),
            ('strasse', 'str'), ('number', 'no')
        ] -%}
        {%- for _ in abbreviations %}regexp_replace({% endfor -%}
        regexp_replace(lower(strip_accents(coalesce(cast({{ expr }} as varchar), ''))), '[^a-z0-9]+', ' ', 'g')
        {%- for full, short in abbreviations %}, '\b{{ full }}\b', '{{ short }}', 'g'){% endfor %},
        '\s+', ' ', 'g')), '')
{%- endmacro %}

{#- Postal code: upper case, no spaces or dashes. -#}
{% macro normalize_postal(expr) -%}
    nullif(regexp_replace(upper(coalesce(cast({{ expr }} as varchar), '')), '[^A-Z0-9]', '', 'g'), '')
{%- endmacro %}

{#- Tax id: its digits only (12-3456789 = 123456789; GB 123 4567 89 = 123456789); short ones are ignored. -#}
{% macro normalize_tax_id(expr) -%}
    case when length(regexp_replace(coalesce(cast({{ expr }} as varchar), ''), '[^0-9]', '', 'g')) >= 6
         then regexp_replace(cast({{ expr }} as varchar), '[^0-9]', '', 'g') end
{%- endmacro %}

{#- Phone: the last 9 digits (drops country and trunk prefixes and formatting). -#}
{% macro normalize_phone(expr) -%}
    case when length(regexp_replace(coalesce(cast({{ expr }} as varchar), ''), '[^0-9]', '', 'g')) >= 9
         then right(regexp_replace(cast({{ expr }} as varchar), '[^0-9]', '', 'g'), 9) end
{%- endmacro %}

{#- Email: lower case, trimmed. -#}
{% macro normalize_email(expr) -%}
    nullif(lower(trim(coalesce(cast({{ expr }} as varchar), ''))), '')
{%- endmacro %}

{#- Codes / keys: upper case, alphanumerics only, leading zeros dropped (0000123 = 123). -#}
{% macro normalize_code(expr) -%}
    nullif(ltrim(regexp_replace(upper(coalesce(cast({{ expr }} as varchar), '')), '[^A-Z0-9]', '', 'g'), '0'), '')
{%- endmacro %}

{#- Item and account descriptions: like names but keeping every word. -#}
{% macro normalize_text(expr) -%}
    nullif(trim(regexp_replace(lower(strip_accents(coalesce(cast({{ expr }} as varchar), ''))), '[^a-z0-9]+', ' ', 'g')), '')
{%- endmacro %}

{#- Similarity of two strings in 0..1 (Jaro-Winkler), the larger of as-is and word-sorted, so that
    "Smith Hardware" ~ "Hardware Smith". -#}
{% macro name_similarity(a, b) -%}
    {{ return(adapter.dispatch('name_similarity', 'tieout')(a, b)) }}
{%- endmacro %}
{% macro default__name_similarity(a, b) -%}
    greatest(
        jaro_winkler_similarity(coalesce({{ a }}, ''), coalesce({{ b }}, '')),
        jaro_winkler_similarity(
            array_to_string(list_sort(string_split(coalesce({{ a }}, ''), ' ')), ' '),
            array_to_string(list_sort(string_split(coalesce({{ b }}, ''), ' ')), ' ')
        )
    )
{%- endmacro %}

{#- Similarity of two descriptions (accounts, items) in 0..1: half Jaro-Winkler of the texts, half the
    share of words they have in common (Jaccard), so a shared generic word ("account") weighs little. -#}
{% macro text_similarity(a, b) -%}
    (0.5 * jaro_winkler_similarity(coalesce({{ a }}, ''), coalesce({{ b }}, ''))
     + 0.5 * coalesce(
        len(list_intersect(list_distinct(string_split(coalesce({{ a }}, ''), ' ')), list_distinct(string_split(coalesce({{ b }}, ''), ' '))))
        / nullif(len(list_distinct(list_concat(string_split(coalesce({{ a }}, ''), ' '), string_split(coalesce({{ b }}, ''), ' ')))), 0),
        0))
{%- endmacro %}

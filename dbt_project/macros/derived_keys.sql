{#- Keys written once. A Xero or KashFlow posting's `gl_entry_key` is, by construction, its
    `entry_group_key`, ':' and a short suffix (a line number, 'tax', 'control', ...), and its
    `source_native_id` the part of `entry_group_key` after `<system>:<source_type>:`; a Sage 100 posting's
    `source_native_id` is the parts of its `gl_entry_key` joined by '-'; a document line's
    `document_line_key` is its `document_key`, ':' and its line number. Long unique texts are most of what
    writing these tables costs (DuckDB compresses every text column), so the incremental tables store only
    what cannot be derived: the suffix, and a key itself only where it does not follow its pattern (null
    otherwise). Core's views put them back together with the macros below; a row written before the tables
    stored the suffix holds its full keys, and reads as it is. -#}

{#- The postings tables build `gl_entry_suffix` rather than the key, and `gl_entry_key` only where the key
    is not `entry_group_key:gl_entry_suffix` (a line whose lines table stores its own key). The native id
    is stored only where it is not the one in the group key (compared as a whole: one concatenation). -#}
{% macro compact_source_native_id() -%}
    case when entry_group_key = system || ':' || source_type || ':' || source_native_id then null
         else source_native_id end as source_native_id
{%- endmacro %}

{#- The native id a posting group's key holds when it is `<system>:<source_type>:<native id>`, else null. -#}
{% macro native_id_from_group(group_key, system, source_type) -%}
    case when starts_with({{ group_key }}, {{ system }} || ':' || {{ source_type }} || ':')
         then substr({{ group_key }}, length({{ system }}) + length({{ source_type }}) + 3) end
{%- endmacro %}

{#- A posting's `gl_entry_key` and `source_native_id`, read from the columns of the row `alias`. -#}
{% macro posting_gl_entry_key(alias) -%}
    coalesce({{ alias }}.gl_entry_key, {{ alias }}.entry_group_key || ':' || {{ alias }}.gl_entry_suffix)
{%- endmacro %}

{#- (Sage 100's GL detail: the parts of its key `sage100:gl:<account>:<date>:<journal>:<register>:<sequence>`
    joined by '-', stored where a part holds a ':') -#}
{% macro posting_source_native_id(alias) -%}
    coalesce({{ alias }}.source_native_id,
        case when {{ alias }}.system = 'sage100' then replace(substr({{ alias }}.gl_entry_key, 12), ':', '-')
             else {{ native_id_from_group(alias ~ '.entry_group_key', alias ~ '.system', alias ~ '.source_type') }} end)
{%- endmacro %}

{#- A document line's key, read from the columns of the row `alias`; and the value a lines table stores. -#}
{% macro line_document_line_key(alias) -%}
    coalesce({{ alias }}.document_line_key, {{ alias }}.document_key || ':' || cast({{ alias }}.line_number as varchar))
{%- endmacro %}

{% macro compact_document_line_key() -%}
    case when document_line_key = document_key || ':' || cast(line_number as varchar) then null
         else document_line_key end as document_line_key
{%- endmacro %}

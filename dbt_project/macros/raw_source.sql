{#- Select `columns` from a raw (dlt) source table, tolerating what dlt and the ledger choice leave out:
    - a ledger that is not in use (a scenario has Xero or KashFlow, not both) has no raw schema at all;
    - dlt creates no column for a field that was null in every row loaded so far.
    Timestamps with time zone (a loader that parsed dates) become UTC timestamps without one.
    A missing relation gives an empty result with the same columns; a missing column is null.
    The dlt bookkeeping columns (_dlt_load_id, _dlt_id, _dlt_parent_id) come along when asked for. -#}
{% macro raw_source(source_name, table_name, columns, dlt_columns=['_dlt_load_id', '_dlt_id']) -%}
    {%- set rel = source(source_name, table_name) -%}
    {%- set wanted = dlt_columns + columns -%}
    {%- set existing = {} -%}
    {%- set found = none -%}
    {%- if execute -%}
        {%- set found = adapter.get_relation(database=rel.database, schema=rel.schema, identifier=rel.identifier) -%}
        {%- if found is not none -%}
            {%- for col in adapter.get_columns_in_relation(found) -%}
                {%- do existing.update({col.name | lower: col}) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    select
    {%- for name in wanted %}
        {% if name | lower in existing -%}
            {%- set col = existing[name | lower] -%}
            {%- if 'time zone' in (col.dtype | lower) or (col.dtype | lower) == 'timestamptz' -%}
            {{ utc_timestamp(adapter.quote(col.name)) }} as {{ name }}
            {%- else -%}
            {{ adapter.quote(col.name) }} as {{ name }}
            {%- endif -%}
        {%- else -%}
            cast(null as varchar) as {{ name }}
        {%- endif -%}{{ "," if not loop.last }}
    {%- endfor %}
    {% if found is not none -%}
    from {{ rel }}
    {%- else -%}
    {#- the source does not exist (yet): empty, same columns -#}
    where false
    {%- endif %}
{%- endmacro %}

{% macro utc_timestamp(expr) -%}
    {{ return(adapter.dispatch('utc_timestamp', 'tieout')(expr)) }}
{%- endmacro %}
{% macro default__utc_timestamp(expr) -%}
    cast(timezone('UTC', {{ expr }}) as timestamp)
{%- endmacro %}

{#- Incremental runs read only rows loaded after the newest load already in the model, per system
    (dlt stamps each row with the load that wrote it; the systems load at different times). -#}
{% macro loaded_since_last_run(alias='src') -%}
    {%- if is_incremental() %}
    where cast({{ alias }}._dlt_load_id as double) > coalesce(
        (select max(cast(t._dlt_load_id as double)) from {{ this }} as t where t.system = {{ alias }}.system), -1)
    {%- endif %}
{%- endmacro %}

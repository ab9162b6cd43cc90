{# DuckDB spills beyond memory_limit to <warehouse>.tmp by default; TIEOUT_DUCKDB_TEMP_DIRECTORY names another
   folder. Set once, when the run starts (DuckDB refuses to change it after a model has spilled). #}
{% macro set_spill_directory() %}
    {%- set folder = env_var('TIEOUT_DUCKDB_TEMP_DIRECTORY', '') -%}
    {%- if execute and target.type == 'duckdb' and folder -%}
        {% do run_query("set temp_directory = '" ~ folder | replace("'", "''") ~ "'") %}
    {%- endif -%}
{% endmacro %}

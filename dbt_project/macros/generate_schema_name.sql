{#- Schemas are exactly the configured names (staging, intermediate, core, recon, journals):
    no target-schema prefix, so SQL users and the app see stable names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

{#- Shared parsing for staging models: every cast from a raw (dlt) column goes through one of these,
    so each quirk of the source systems is handled once. Dispatched, so another adapter can override.
    The DuckDB versions read a column that is already typed (a loader that parsed numbers or dates)
    directly and take the text path only for text: `typeof()` of a column is a constant DuckDB folds
    while planning, so a typed column never makes the round trip through text (on a large company's
    Sage 100 GL detail that round trip was most of the staging view's cost). Same results either way. -#}

{#- Trimmed string, blank -> null (Sage 100 pads varchar columns; ledgers send "" for absent values). -#}
{% macro clean_string(expr) -%}
    {{ return(adapter.dispatch('clean_string', 'tieout')(expr)) }}
{%- endmacro %}
{% macro default__clean_string(expr) -%}
    nullif(trim(cast({{ expr }} as varchar)), '')
{%- endmacro %}

{#- Money: DECIMAL(18,2), rounded half away from zero (ROUND_HALF_UP) from whatever the loader stored
    (decimal, double or text). A value that is not a number fails the model loudly. -#}
{% macro to_money(expr) -%}
    {{ return(adapter.dispatch('to_money', 'tieout')(expr)) }}
{%- endmacro %}
{% macro default__to_money(expr) -%}
    cast(round(cast(nullif(trim(cast({{ expr }} as varchar)), '') as decimal(38, 10)), {{ var('money_scale', 2) }}) as decimal(18, 2))
{%- endmacro %}

{% macro duckdb__to_money(expr) -%}
    cast(round({{ duckdb__as_wide_decimal(expr) }}, {{ var('money_scale', 2) }}) as decimal(18, 2))
{%- endmacro %}

{#- A raw value as DECIMAL(38, 10) before rounding: text trimmed (blank -> null), numbers cast directly. -#}
{% macro duckdb__as_wide_decimal(expr, scale=10) -%}
    case when typeof({{ expr }}) = 'VARCHAR' then cast(nullif(trim(cast({{ expr }} as varchar)), '') as decimal(38, {{ scale }}))
         else cast({{ expr }} as decimal(38, {{ scale }})) end
{%- endmacro %}

{#- Exchange rates, quantities and unit prices: DECIMAL(p, scale) with explicit rounding. -#}
{% macro to_decimal(expr, precision=18, scale=6) -%}
    {{ return(adapter.dispatch('to_decimal', 'tieout')(expr, precision, scale)) }}
{%- endmacro %}
{% macro default__to_decimal(expr, precision, scale) -%}
    cast(round(cast(nullif(trim(cast({{ expr }} as varchar)), '') as decimal(38, 12)), {{ scale }}) as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{% macro duckdb__to_decimal(expr, precision, scale) -%}
    cast(round({{ duckdb__as_wide_decimal(expr, 12) }}, {{ scale }}) as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{#- Booleans from true/false, 1/0, Y/N or text. -#}
{% macro to_bool(expr) -%}
    {{ return(adapter.dispatch('to_bool', 'tieout')(expr)) }}
{%- endmacro %}
{% macro default__to_bool(expr) -%}
    case lower(trim(cast({{ expr }} as varchar)))
        when 'true' then true when '1' then true when 'y' then true when 'yes' then true
        when 'false' then false when '0' then false when 'n' then false when 'no' then false
    end
{%- endmacro %}
{% macro duckdb__to_bool(expr) -%}
    case when typeof({{ expr }}) = 'BOOLEAN' then cast({{ expr }} as boolean) else {{ default__to_bool(expr) }} end
{%- endmacro %}

{#- Sage 100 (Premium) blank-date sentinel 1753-01-01, and empty strings, become null. -#}
{% macro blank_date_to_null(expr) -%}
    {{ return(adapter.dispatch('blank_date_to_null', 'tieout')(expr)) }}
{%- endmacro %}
{% macro default__blank_date_to_null(expr) -%}
    case
        when nullif(trim(cast({{ expr }} as varchar)), '') is null then null
        when cast(left(trim(cast({{ expr }} as varchar)), 10) as date) <= date '1753-01-01' then null
        else cast(left(trim(cast({{ expr }} as varchar)), 10) as date)
    end
{%- endmacro %}

{% macro duckdb__blank_date_to_null(expr) -%}
    case when typeof({{ expr }}) in ('DATE', 'TIMESTAMP') then
        (case when cast({{ expr }} as date) <= date '1753-01-01' then null else cast({{ expr }} as date) end)
    else {{ default__blank_date_to_null(expr) }} end
{%- endmacro %}

{#- Sage 100 date + decimal-hour time string ("14.50833" = 14:30:30) -> timestamp; blank date -> null. -#}
{% macro sage100_timestamp(date_expr, hours_expr) -%}
    {{ return(adapter.dispatch('sage100_timestamp', 'tieout')(date_expr, hours_expr)) }}
{%- endmacro %}
{% macro default__sage100_timestamp(date_expr, hours_expr) -%}
    (cast({{ blank_date_to_null(date_expr) }} as timestamp)
        + to_seconds(cast(round(coalesce(cast(nullif(trim(cast({{ hours_expr }} as varchar)), '') as decimal(18, 8)), 0) * 3600) as bigint)))
{%- endmacro %}

{#- Xero "/Date(1439434356790+0000)/": epoch milliseconds (UTC) plus the offset, giving the local
    timestamp Xero shows; the offset is the sign and four digits right after the milliseconds (a date
    before 1970, "/Date(-1000)/", has none). ISO strings and real timestamps pass through. -#}
{% macro xero_timestamp(expr) -%}
    {{ return(adapter.dispatch('xero_timestamp', 'tieout')(expr)) }}
{%- endmacro %}
{% macro default__xero_timestamp(expr) -%}
    case
        when nullif(trim(cast({{ expr }} as varchar)), '') is null then null
        when trim(cast({{ expr }} as varchar)) like '/Date(%' then
            epoch_ms(cast(regexp_extract(cast({{ expr }} as varchar), '/Date\((-?[0-9]+)', 1) as bigint))
            + to_minutes(
                coalesce(
                    (case when regexp_extract(cast({{ expr }} as varchar), '[0-9]([+-])[0-9]{4}\)/', 1) = '-' then -1 else 1 end)
                    * (cast(nullif(regexp_extract(cast({{ expr }} as varchar), '[0-9][+-]([0-9]{2})[0-9]{2}\)/', 1), '') as integer) * 60
                       + cast(nullif(regexp_extract(cast({{ expr }} as varchar), '[0-9][+-][0-9]{2}([0-9]{2})\)/', 1), '') as integer)),
                    0))
        else cast(left(replace(trim(cast({{ expr }} as varchar)), 'T', ' '), 19) as timestamp)
    end
{%- endmacro %}
{% macro xero_date(expr) -%}
    cast({{ xero_timestamp(expr) }} as date)
{%- endmacro %}

{#- KashFlow "2013-06-07 12:00:00", sometimes ISO with "T" and an offset ("...+01:00"): local timestamp. -#}
{% macro kashflow_timestamp(expr) -%}
    {{ return(adapter.dispatch('kashflow_timestamp', 'tieout')(expr)) }}
{%- endmacro %}
{% macro default__kashflow_timestamp(expr) -%}
    case
        when nullif(trim(cast({{ expr }} as varchar)), '') is null then null
        when length(trim(cast({{ expr }} as varchar))) = 10 then cast(cast(trim(cast({{ expr }} as varchar)) as date) as timestamp)
        else cast(left(replace(trim(cast({{ expr }} as varchar)), 'T', ' '), 19) as timestamp)
    end
{%- endmacro %}
{% macro kashflow_date(expr) -%}
    cast({{ kashflow_timestamp(expr) }} as date)
{%- endmacro %}

{#- dlt stamps every row with _dlt_load_id (epoch seconds as text): when the row was loaded. -#}
{% macro dlt_loaded_at(load_id_expr='_dlt_load_id') -%}
    {{ return(adapter.dispatch('dlt_loaded_at', 'tieout')(load_id_expr)) }}
{%- endmacro %}
{% macro default__dlt_loaded_at(load_id_expr) -%}
    cast(to_timestamp(cast({{ load_id_expr }} as double)) as timestamp)
{%- endmacro %}

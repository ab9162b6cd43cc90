{#- Currency conversion in exact decimal arithmetic (DuckDB divides decimals in floating point, so
    division is done on integers): results are DECIMAL(18,2) rounded half away from zero (ROUND_HALF_UP).
    Rates have at most 10 decimals. Systems quote rates two ways:
      divide   - document units per base unit (Xero CurrencyRate, KashFlow ExchangeRate): base = amount / rate
      multiply - base units per document unit (Sage 100 ExchangeRate):                      base = amount * rate -#}

{% macro money_times_rate(amount, rate) -%}
    cast(round(cast({{ amount }} as decimal(38, 6)) * cast({{ rate }} as decimal(38, 12)), 2) as decimal(18, 2))
{%- endmacro %}

{% macro money_div_rate(amount, rate) -%}
    {#- cents = amount*100 / rate, rounded half up on integers: (2|x|*10^10 + r) // (2r) with r = rate*10^10 -#}
    cast(
        cast(
            sign(cast(round(cast({{ amount }} as decimal(38, 2)) * 100) as hugeint))
            * ((2 * abs(cast(round(cast({{ amount }} as decimal(38, 2)) * 100) as hugeint)) * cast(10000000000 as hugeint)
                + cast(round(cast({{ rate }} as decimal(38, 10)) * 10000000000) as hugeint))
               // (2 * cast(round(cast({{ rate }} as decimal(38, 10)) * 10000000000) as hugeint)))
        as decimal(38, 0)) * cast(0.01 as decimal(3, 2))
    as decimal(18, 2))
{%- endmacro %}

{#- base amount of `amount` at `rate` quoted the `method` way (a column or a literal 'divide'/'multiply');
    a missing or zero rate means the document is in base currency. -#}
{% macro to_base_currency(amount, rate, method) -%}
    case
        when coalesce({{ rate }}, 0) = 0 or {{ rate }} = 1 then cast({{ amount }} as decimal(18, 2))
        when {{ method }} = 'multiply' then {{ money_times_rate(amount, rate) }}
        else {{ money_div_rate(amount, rate) }}
    end
{%- endmacro %}

{#- 1 / rate as DECIMAL(18,10), rounded half up (for showing rates both ways). -#}
{% macro inverse_rate(rate) -%}
    case when coalesce({{ rate }}, 0) = 0 then cast(1 as decimal(18, 10)) else
    cast(cast(
        (cast(200000000000000000000 as hugeint) + cast(round(cast({{ rate }} as decimal(38, 10)) * 10000000000) as hugeint))
        // (2 * cast(round(cast({{ rate }} as decimal(38, 10)) * 10000000000) as hugeint))
    as decimal(38, 0)) * cast(0.0000000001 as decimal(11, 10)) as decimal(18, 10)) end
{%- endmacro %}

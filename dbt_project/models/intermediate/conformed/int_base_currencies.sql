-- The base (home) currency of each system. Xero states it (Organisation.BaseCurrency); KashFlow and
-- Sage 100 do not expose it in the loaded tables, so it is the currency of the documents whose rate is 1
-- (the most frequent one). The var `base_currency` overrides all systems.
{%- set override = var('base_currency', none) %}
with xero as (
    select 'xero' as system, min(base_currency) as base_currency
    from {{ ref('stg_xero__organisations') }}
    where base_currency is not null
),

kashflow as (
    select 'kashflow' as system, currency_code as base_currency
    from (
        select currency_code, count(*) as n
        from (
            select currency_code, exchange_rate, gross_amount, home_currency_gross_amount from {{ ref('stg_kashflow__invoices') }}
            union all
            select currency_code, exchange_rate, gross_amount, home_currency_gross_amount from {{ ref('stg_kashflow__purchases') }}
        )
        where currency_code is not null and coalesce(exchange_rate, 1) = 1
            and coalesce(home_currency_gross_amount, gross_amount) = gross_amount
        group by currency_code
        order by n desc, currency_code
        limit 1
    )
),

sage100 as (
    select 'sage100' as system, currency_code as base_currency
    from (
        select currency_code, count(*) as n
        from (
            select currency_code, exchange_rate from {{ ref('stg_sage100__ar_invoice_history_headers') }}
            union all
            select currency_code, exchange_rate from {{ ref('stg_sage100__ap_invoice_history_headers') }}
            union all
            select currency_code, 1 from {{ ref('stg_sage100__gl_detail_postings') }}
        )
        where currency_code is not null and coalesce(exchange_rate, 1) = 1
        group by currency_code
        order by n desc, currency_code
        limit 1
    )
),

found as (
    select * from xero where base_currency is not null
    union all
    select * from kashflow
    union all
    select * from sage100
)

select
    systems.system,
    {% if override %}'{{ override }}'{% else %}coalesce(found.base_currency, ledger.base_currency){% endif %} as base_currency
from (values ('xero'), ('kashflow'), ('sage100')) as systems (system)
left join found on found.system = systems.system
-- Sage 100 runs beside one ledger in the same company currency: fall back to the ledger's
left join (select min(base_currency) as base_currency from found where system <> 'sage100') as ledger on true

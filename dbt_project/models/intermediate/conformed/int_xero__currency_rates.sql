-- The rates Xero used, per currency and day, from every document and payment that states one
-- (CurrencyRate, foreign units per base unit). A transaction in a foreign currency that states no rate
-- was converted by Xero at the day's rate: models take the latest rate known on or before its date.
with rates as (
    select currency_code, invoice_date as rate_date, currency_rate from {{ ref('stg_xero__invoices') }}
    union all
    select currency_code, credit_note_date, currency_rate from {{ ref('stg_xero__credit_notes') }}
    union all
    select invoice_currency_code, payment_date, currency_rate from {{ ref('stg_xero__payments') }}
    union all
    select currency_code, transaction_date, currency_rate from {{ ref('stg_xero__bank_transactions') }}
),

base as (
    select base_currency from {{ ref('int_base_currencies') }} where system = 'xero'
)

select
    r.currency_code,
    r.rate_date,
    -- several documents on one day: the rate most of them used
    mode(r.currency_rate order by r.currency_rate) as currency_rate,
    count(*) as observations
from rates as r
cross join base
where r.currency_code is not null and r.currency_code <> base.base_currency
    and r.currency_rate is not null and r.currency_rate not in (0, 1) and r.rate_date is not null
group by r.currency_code, r.rate_date

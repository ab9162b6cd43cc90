-- Xero organisation: The organisation of each connected tenant (base currency, tax basis, lock dates).
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10).
with source as (
    {{ raw_source('xero', 'organisation', ['organisation_id', 'tenant_id', 'name', 'legal_name', 'base_currency', 'country_code', 'short_code', 'timezone', 'financial_year_end_day', 'financial_year_end_month', 'sales_tax_basis', 'period_lock_date', 'end_of_year_lock_date'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('organisation_id') }} as organisation_id,
        {{ clean_string('tenant_id') }} as tenant_id,
        {{ clean_string('name') }} as organisation_name,
        {{ clean_string('legal_name') }} as legal_name,
        {{ clean_string('base_currency') }} as base_currency,
        {{ clean_string('country_code') }} as country_code,
        {{ clean_string('short_code') }} as short_code,
        {{ clean_string('timezone') }} as timezone,
        cast(financial_year_end_day as bigint) as financial_year_end_day,
        cast(financial_year_end_month as bigint) as financial_year_end_month,
        {{ clean_string('sales_tax_basis') }} as sales_tax_basis,
        {{ xero_date('period_lock_date') }} as period_lock_date,
        {{ xero_date('end_of_year_lock_date') }} as end_of_year_lock_date,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final

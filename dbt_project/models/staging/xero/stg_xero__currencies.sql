-- Xero currencies: Currencies enabled in the organisation.
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10).
with source as (
    {{ raw_source('xero', 'currencies', ['code', 'tenant_id', 'description'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('code') }} as currency_code,
        {{ clean_string('tenant_id') }} as tenant_id,
        {{ clean_string('description') }} as description,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final

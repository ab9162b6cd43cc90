-- KashFlow nominals: Nominal ledger accounts (chart of accounts).
-- KashFlow date strings as dates/timestamps, amounts as DECIMAL(18,2), codes as text.
with source as (
    {{ raw_source('kashflow', 'nominals', ['id', 'code', 'name', 'type', 'nominal_type', 'nom_type', 'control_account_classification', 'description', 'vat_rate', 'is_protected', 'archived', 'is_archived', 'display_order'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'kashflow' as system,
        cast(id as bigint) as nominal_id,
        {{ clean_string('code') }} as nominal_code,
        {{ clean_string('name') }} as nominal_name,
        {{ clean_string('type') }} as nominal_type,
        {{ clean_string('nominal_type') }} as nominal_sub_type,
        cast(nom_type as bigint) as nom_type,
        {{ clean_string('control_account_classification') }} as control_account_classification,
        {{ clean_string('description') }} as description,
        {{ to_decimal('vat_rate', 18, 4) }} as vat_rate,
        {{ to_bool('is_protected') }} as is_protected,
        coalesce({{ to_bool('archived') }}, {{ to_bool('is_archived') }}) as is_archived,
        cast(display_order as bigint) as display_order,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final

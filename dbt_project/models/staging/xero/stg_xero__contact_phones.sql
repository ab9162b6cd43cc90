-- Xero contacts__phones: Phone numbers of contacts (DEFAULT, DDI, MOBILE, FAX).
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10).
with source as (
    {{ raw_source('xero', 'contacts__phones', ['phone_type', 'phone_number', 'phone_area_code', 'phone_country_code'], dlt_columns=['_dlt_load_id', '_dlt_id', '_dlt_parent_id', '_dlt_root_id', '_dlt_list_idx']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('phone_type') }} as phone_type,
        {{ clean_string('phone_number') }} as phone_number,
        {{ clean_string('phone_area_code') }} as phone_area_code,
        {{ clean_string('phone_country_code') }} as phone_country_code,
        cast(_dlt_list_idx as bigint) as list_index,
        _dlt_parent_id,
        _dlt_root_id,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final

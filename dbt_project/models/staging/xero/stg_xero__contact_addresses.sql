-- Xero contacts__addresses: Addresses of contacts (POBOX, STREET, DELIVERY).
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10).
with source as (
    {{ raw_source('xero', 'contacts__addresses', ['address_type', 'address_line1', 'address_line2', 'address_line3', 'address_line4', 'city', 'region', 'postal_code', 'country', 'attention_to'], dlt_columns=['_dlt_load_id', '_dlt_id', '_dlt_parent_id', '_dlt_root_id', '_dlt_list_idx']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('address_type') }} as address_type,
        {{ clean_string('address_line1') }} as address_line1,
        {{ clean_string('address_line2') }} as address_line2,
        {{ clean_string('address_line3') }} as address_line3,
        {{ clean_string('address_line4') }} as address_line4,
        {{ clean_string('city') }} as city,
        {{ clean_string('region') }} as region,
        {{ clean_string('postal_code') }} as postal_code,
        {{ clean_string('country') }} as country,
        {{ clean_string('attention_to') }} as attention_to,
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

-- KashFlow customers__addresses: Addresses of customers.
-- KashFlow date strings as dates/timestamps, amounts as DECIMAL(18,2), codes as text.
with source as (
    {{ raw_source('kashflow', 'customers__addresses', ['name', 'line1', 'line2', 'line3', 'line4', 'post_code', 'country_code', 'country_name'], dlt_columns=['_dlt_load_id', '_dlt_id', '_dlt_parent_id', '_dlt_root_id', '_dlt_list_idx']) }}
),

renamed as (
    select
        'kashflow' as system,
        {{ clean_string('name') }} as address_name,
        {{ clean_string('line1') }} as address_line1,
        {{ clean_string('line2') }} as address_line2,
        {{ clean_string('line3') }} as address_line3,
        {{ clean_string('line4') }} as address_line4,
        {{ clean_string('post_code') }} as postal_code,
        {{ clean_string('country_code') }} as country_code,
        {{ clean_string('country_name') }} as country_name,
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

-- KashFlow journals__lines: Lines of nominal journals.
-- KashFlow date strings as dates/timestamps, amounts as DECIMAL(18,2), codes as text.
with source as (
    {{ raw_source('kashflow', 'journals__lines', ['nominal_code', 'nominal_id', 'description', 'debit', 'credit'], dlt_columns=['_dlt_load_id', '_dlt_id', '_dlt_parent_id', '_dlt_root_id', '_dlt_list_idx']) }}
),

renamed as (
    select
        'kashflow' as system,
        {{ clean_string('nominal_code') }} as nominal_code,
        cast(nominal_id as bigint) as nominal_id,
        {{ clean_string('description') }} as description,
        {{ to_money('debit') }} as debit,
        {{ to_money('credit') }} as credit,
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

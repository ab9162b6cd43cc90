-- KashFlow journals: Nominal journals.
-- KashFlow date strings as dates/timestamps, amounts as DECIMAL(18,2), codes as text.
with source as (
    {{ raw_source('kashflow', 'journals', ['id', 'number', 'date', 'narrative'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'kashflow' as system,
        cast(id as bigint) as journal_id,
        {{ clean_string('number') }} as journal_number,
        {{ kashflow_date('date') }} as journal_date,
        {{ clean_string('narrative') }} as narrative,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final

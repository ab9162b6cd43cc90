-- KashFlow invoices__line_items: Lines of sales invoices (Rate = unit price net of VAT).
-- KashFlow date strings as dates/timestamps, amounts as DECIMAL(18,2), codes as text.
with source as (
    {{ raw_source('kashflow', 'invoices__line_items', ['id', 'number', 'nominal_id', 'nominal_code', 'nominal_name', 'description', 'product_code', 'quantity', 'rate', 'vat_amount', 'vat_level', 'vat_rate', 'project_number'], dlt_columns=['_dlt_load_id', '_dlt_id', '_dlt_parent_id', '_dlt_root_id', '_dlt_list_idx']) }}
),

renamed as (
    select
        'kashflow' as system,
        cast(id as bigint) as line_id,
        cast(number as bigint) as line_number,
        cast(nominal_id as bigint) as nominal_id,
        {{ clean_string('nominal_code') }} as nominal_code,
        {{ clean_string('nominal_name') }} as nominal_name,
        {{ clean_string('description') }} as description,
        {{ clean_string('product_code') }} as product_code,
        {{ to_decimal('quantity', 18, 6) }} as quantity,
        {{ to_decimal('rate', 18, 6) }} as rate,
        {{ to_money('vat_amount') }} as vat_amount,
        {{ to_decimal('vat_level', 18, 4) }} as vat_level,
        {{ to_decimal('vat_rate', 18, 4) }} as vat_rate,
        cast(project_number as bigint) as project_number,
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

-- Xero invoices__line_items: Lines of invoices and bills.
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10).
with source as (
    {{ raw_source('xero', 'invoices__line_items', ['line_item_id', 'description', 'quantity', 'unit_amount', 'item_code', 'account_code', 'tax_type', 'tax_amount', 'line_amount', 'discount_rate', 'discount_amount'], dlt_columns=['_dlt_load_id', '_dlt_id', '_dlt_parent_id', '_dlt_root_id', '_dlt_list_idx']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('line_item_id') }} as line_item_id,
        {{ clean_string('description') }} as description,
        {{ to_decimal('quantity', 18, 6) }} as quantity,
        {{ to_decimal('unit_amount', 18, 6) }} as unit_amount,
        {{ clean_string('item_code') }} as item_code,
        {{ clean_string('account_code') }} as account_code,
        {{ clean_string('tax_type') }} as tax_type,
        {{ to_money('tax_amount') }} as tax_amount,
        {{ to_money('line_amount') }} as line_amount,
        {{ to_decimal('discount_rate', 18, 4) }} as discount_rate,
        {{ to_money('discount_amount') }} as discount_amount,
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

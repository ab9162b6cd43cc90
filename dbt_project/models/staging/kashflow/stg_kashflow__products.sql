-- KashFlow products: Products and services.
-- KashFlow date strings as dates/timestamps, amounts as DECIMAL(18,2), codes as text.
with source as (
    {{ raw_source('kashflow', 'products', ['id', 'code', 'name', 'description', 'price', 'whole_sale_price', 'purchase_price', 'vat_rate', 'nominal_code', 'manage_stock_level', 'quantity_in_stock', 'archived', 'is_archived'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'kashflow' as system,
        cast(id as bigint) as product_id,
        {{ clean_string('code') }} as product_code,
        {{ clean_string('name') }} as product_name,
        {{ clean_string('description') }} as description,
        {{ to_decimal('price', 18, 6) }} as price,
        {{ to_decimal('whole_sale_price', 18, 6) }} as wholesale_price,
        {{ to_decimal('purchase_price', 18, 6) }} as purchase_price,
        {{ to_decimal('vat_rate', 18, 4) }} as vat_rate,
        {{ clean_string('nominal_code') }} as nominal_code,
        {{ to_bool('manage_stock_level') }} as manage_stock_level,
        {{ to_decimal('quantity_in_stock', 18, 6) }} as quantity_in_stock,
        coalesce({{ to_bool('archived') }}, {{ to_bool('is_archived') }}) as is_archived,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final

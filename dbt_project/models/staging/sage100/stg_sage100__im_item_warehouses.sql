-- Sage 100 IM_ItemWarehouse: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: ItemCode, WarehouseCode.
-- Open-item table: rows Sage 100 removed stay in raw with _is_open = false (is_open here).
with source as (
    {{ raw_source('sage100', 'im_item_warehouse', ['item_code', 'warehouse_code', 'quantity_on_hand', 'quantity_on_sales_order', 'quantity_on_purchase_order', 'quantity_on_back_order', 'average_cost', 'total_warehouse_value', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash', '_is_open', '_closed_at']) }}
)

select
    'sage100' as system,
    {{ clean_string('item_code') }} as item_code,
    {{ clean_string('warehouse_code') }} as warehouse_code,
    {{ to_decimal('quantity_on_hand', 16, 6) }} as quantity_on_hand,
    {{ to_decimal('quantity_on_sales_order', 16, 6) }} as quantity_on_sales_order,
    {{ to_decimal('quantity_on_purchase_order', 16, 6) }} as quantity_on_purchase_order,
    {{ to_decimal('quantity_on_back_order', 16, 6) }} as quantity_on_back_order,
    {{ to_decimal('average_cost', 16, 6) }} as average_cost,
    {{ to_money('total_warehouse_value') }} as total_warehouse_value,
    {{ blank_date_to_null('date_created') }} as date_created,
    {{ clean_string('user_created_key') }} as user_created_key,
    {{ blank_date_to_null('date_updated') }} as date_updated,
    {{ clean_string('user_updated_key') }} as user_updated_key,
    {{ sage100_timestamp('date_created', 'time_created') }} as created_at,
    {{ sage100_timestamp('date_updated', 'time_updated') }} as updated_at,
    coalesce({{ to_bool('_is_open') }}, true) as is_open,
    cast(_closed_at as timestamp) as closed_at,
    _row_hash,
    _dlt_load_id,
    {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
from source

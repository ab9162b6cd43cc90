-- Sage 100 SO_SalesOrderDetail: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: SalesOrderNo, LineKey.
with source as (
    {{ raw_source('sage100', 'so_sales_order_detail', ['sales_order_no', 'line_key', 'line_seq_no', 'item_code', 'warehouse_code', 'quantity_ordered', 'quantity_shipped', 'unit_price', 'extension_amt', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('sales_order_no') }} as sales_order_no,
    {{ clean_string('line_key') }} as line_key,
    {{ clean_string('line_seq_no') }} as line_seq_no,
    {{ clean_string('item_code') }} as item_code,
    {{ clean_string('warehouse_code') }} as warehouse_code,
    {{ to_decimal('quantity_ordered', 16, 6) }} as quantity_ordered,
    {{ to_decimal('quantity_shipped', 16, 6) }} as quantity_shipped,
    {{ to_decimal('unit_price', 16, 6) }} as unit_price,
    {{ to_money('extension_amt') }} as extension_amt,
    {{ blank_date_to_null('date_created') }} as date_created,
    {{ clean_string('user_created_key') }} as user_created_key,
    {{ blank_date_to_null('date_updated') }} as date_updated,
    {{ clean_string('user_updated_key') }} as user_updated_key,
    {{ sage100_timestamp('date_created', 'time_created') }} as created_at,
    {{ sage100_timestamp('date_updated', 'time_updated') }} as updated_at,
    _row_hash,
    _dlt_load_id,
    {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
from source

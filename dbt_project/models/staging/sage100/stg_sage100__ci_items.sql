-- Sage 100 CI_Item: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: ItemCode.
with source as (
    {{ raw_source('sage100', 'ci_item', ['item_code', 'item_type', 'item_code_desc', 'product_line', 'valuation', 'sales_acct_key', 'inventory_acct_key', 'standard_unit_cost', 'standard_unit_price', 'total_quantity_on_hand', 'inactive_item', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('item_code') }} as item_code,
    {{ clean_string('item_type') }} as item_type,
    {{ clean_string('item_code_desc') }} as item_code_desc,
    {{ clean_string('product_line') }} as product_line,
    {{ clean_string('valuation') }} as valuation,
    {{ clean_string('sales_acct_key') }} as sales_acct_key,
    {{ clean_string('inventory_acct_key') }} as inventory_acct_key,
    {{ to_decimal('standard_unit_cost', 16, 6) }} as standard_unit_cost,
    {{ to_decimal('standard_unit_price', 16, 6) }} as standard_unit_price,
    {{ to_decimal('total_quantity_on_hand', 16, 6) }} as total_quantity_on_hand,
    {{ clean_string('inactive_item') }} as inactive_item,
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

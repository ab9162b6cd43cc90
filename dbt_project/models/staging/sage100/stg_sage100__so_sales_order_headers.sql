-- Sage 100 SO_SalesOrderHeader: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: SalesOrderNo.
with source as (
    {{ raw_source('sage100', 'so_sales_order_header', ['sales_order_no', 'order_date', 'order_type', 'order_status', 'ar_division_no', 'customer_no', 'customer_po_no', 'warehouse_code', 'taxable_amt', 'non_taxable_amt', 'sales_tax_amt', 'freight_amt', 'comment', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('sales_order_no') }} as sales_order_no,
    {{ blank_date_to_null('order_date') }} as order_date,
    {{ clean_string('order_type') }} as order_type,
    {{ clean_string('order_status') }} as order_status,
    {{ clean_string('ar_division_no') }} as ar_division_no,
    {{ clean_string('customer_no') }} as customer_no,
    {{ clean_string('customer_po_no') }} as customer_po_no,
    {{ clean_string('warehouse_code') }} as warehouse_code,
    {{ to_money('taxable_amt') }} as taxable_amt,
    {{ to_money('non_taxable_amt') }} as non_taxable_amt,
    {{ to_money('sales_tax_amt') }} as sales_tax_amt,
    {{ to_money('freight_amt') }} as freight_amt,
    {{ clean_string('comment') }} as comment,
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

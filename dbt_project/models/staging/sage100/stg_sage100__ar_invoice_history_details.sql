-- Sage 100 AR_InvoiceHistoryDetail: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: InvoiceNo, HeaderSeqNo, DetailSeqNo.
with source as (
    {{ raw_source('sage100', 'ar_invoice_history_detail', ['invoice_no', 'header_seq_no', 'detail_seq_no', 'item_code', 'item_type', 'item_code_desc', 'sales_acct_key', 'warehouse_code', 'quantity_shipped', 'unit_price', 'extension_amt', 'tax_class', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('invoice_no') }} as invoice_no,
    {{ clean_string('header_seq_no') }} as header_seq_no,
    {{ clean_string('detail_seq_no') }} as detail_seq_no,
    {{ clean_string('item_code') }} as item_code,
    {{ clean_string('item_type') }} as item_type,
    {{ clean_string('item_code_desc') }} as item_code_desc,
    {{ clean_string('sales_acct_key') }} as sales_acct_key,
    {{ clean_string('warehouse_code') }} as warehouse_code,
    {{ to_decimal('quantity_shipped', 15, 6) }} as quantity_shipped,
    {{ to_decimal('unit_price', 16, 6) }} as unit_price,
    {{ to_money('extension_amt') }} as extension_amt,
    {{ clean_string('tax_class') }} as tax_class,
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

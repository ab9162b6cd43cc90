-- Sage 100 AR_OpenInvoice: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: ARDivisionNo, CustomerNo, InvoiceNo, InvoiceType.
-- Open-item table: rows Sage 100 removed stay in raw with _is_open = false (is_open here).
with source as (
    {{ raw_source('sage100', 'ar_open_invoice', ['ar_division_no', 'customer_no', 'invoice_no', 'invoice_type', 'invoice_date', 'invoice_due_date', 'invoice_discount_date', 'invoice_history_header_seq_no', 'posting_date', 'check_no', 'taxable_amt', 'non_taxable_amt', 'sales_tax_amt', 'freight_amt', 'discount_amt', 'balance', 'currency_code', 'exchange_rate', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash', '_is_open', '_closed_at']) }}
)

select
    'sage100' as system,
    {{ clean_string('ar_division_no') }} as ar_division_no,
    {{ clean_string('customer_no') }} as customer_no,
    {{ clean_string('invoice_no') }} as invoice_no,
    {{ clean_string('invoice_type') }} as invoice_type,
    {{ blank_date_to_null('invoice_date') }} as invoice_date,
    {{ blank_date_to_null('invoice_due_date') }} as invoice_due_date,
    {{ blank_date_to_null('invoice_discount_date') }} as invoice_discount_date,
    {{ clean_string('invoice_history_header_seq_no') }} as invoice_history_header_seq_no,
    {{ blank_date_to_null('posting_date') }} as posting_date,
    {{ clean_string('check_no') }} as check_no,
    {{ to_money('taxable_amt') }} as taxable_amt,
    {{ to_money('non_taxable_amt') }} as non_taxable_amt,
    {{ to_money('sales_tax_amt') }} as sales_tax_amt,
    {{ to_money('freight_amt') }} as freight_amt,
    {{ to_money('discount_amt') }} as discount_amt,
    {{ to_money('balance') }} as balance,
    {{ clean_string('currency_code') }} as currency_code,
    {{ to_decimal('exchange_rate', 16, 8) }} as exchange_rate,
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

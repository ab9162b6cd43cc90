-- Sage 100 AP_OpenInvoice: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: APDivisionNo, VendorNo, InvoiceNo.
-- Open-item table: rows Sage 100 removed stay in raw with _is_open = false (is_open here).
with source as (
    {{ raw_source('sage100', 'ap_open_invoice', ['ap_division_no', 'vendor_no', 'invoice_no', 'invoice_date', 'invoice_due_date', 'invoice_amt', 'balance', 'check_no', 'check_type', 'check_date', 'comment', 'currency_code', 'exchange_rate', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash', '_is_open', '_closed_at']) }}
)

select
    'sage100' as system,
    {{ clean_string('ap_division_no') }} as ap_division_no,
    {{ clean_string('vendor_no') }} as vendor_no,
    {{ clean_string('invoice_no') }} as invoice_no,
    {{ blank_date_to_null('invoice_date') }} as invoice_date,
    {{ blank_date_to_null('invoice_due_date') }} as invoice_due_date,
    {{ to_money('invoice_amt') }} as invoice_amt,
    {{ to_money('balance') }} as balance,
    {{ clean_string('check_no') }} as check_no,
    {{ clean_string('check_type') }} as check_type,
    {{ blank_date_to_null('check_date') }} as check_date,
    {{ clean_string('comment') }} as comment,
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

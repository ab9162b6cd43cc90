-- Sage 100 AP_InvoiceHistoryHeader: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: APDivisionNo, VendorNo, InvoiceNo, HeaderSeqNo.
with source as (
    {{ raw_source('sage100', 'ap_invoice_history_header', ['ap_division_no', 'vendor_no', 'invoice_no', 'header_seq_no', 'invoice_date', 'posting_date', 'purchase_order_no', 'terms_code', 'taxable_amt', 'non_taxable_amt', 'freight_amt', 'sales_tax_amt', 'invoice_amt', 'expense_acct_key', 'comment', 'currency_code', 'exchange_rate', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('ap_division_no') }} as ap_division_no,
    {{ clean_string('vendor_no') }} as vendor_no,
    {{ clean_string('invoice_no') }} as invoice_no,
    {{ clean_string('header_seq_no') }} as header_seq_no,
    {{ blank_date_to_null('invoice_date') }} as invoice_date,
    {{ blank_date_to_null('posting_date') }} as posting_date,
    {{ clean_string('purchase_order_no') }} as purchase_order_no,
    {{ clean_string('terms_code') }} as terms_code,
    {{ to_money('taxable_amt') }} as taxable_amt,
    {{ to_money('non_taxable_amt') }} as non_taxable_amt,
    {{ to_money('freight_amt') }} as freight_amt,
    {{ to_money('sales_tax_amt') }} as sales_tax_amt,
    {{ to_money('invoice_amt') }} as invoice_amt,
    {{ clean_string('expense_acct_key') }} as expense_acct_key,
    {{ clean_string('comment') }} as comment,
    {{ clean_string('currency_code') }} as currency_code,
    {{ to_decimal('exchange_rate', 16, 8) }} as exchange_rate,
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

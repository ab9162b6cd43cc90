-- Sage 100 AR_InvoiceHistoryHeader: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: InvoiceNo, HeaderSeqNo.
with source as (
    {{ raw_source('sage100', 'ar_invoice_history_header', ['invoice_no', 'header_seq_no', 'ar_division_no', 'customer_no', 'module_code', 'invoice_type', 'invoice_date', 'transaction_date', 'source_journal', 'journal_no_gl_batch_no', 'sales_order_no', 'customer_po_no', 'taxable_sales_amt', 'non_taxable_sales_amt', 'freight_amt', 'sales_tax_amt', 'comment', 'currency_code', 'exchange_rate', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('invoice_no') }} as invoice_no,
    {{ clean_string('header_seq_no') }} as header_seq_no,
    {{ clean_string('ar_division_no') }} as ar_division_no,
    {{ clean_string('customer_no') }} as customer_no,
    {{ clean_string('module_code') }} as module_code,
    {{ clean_string('invoice_type') }} as invoice_type,
    {{ blank_date_to_null('invoice_date') }} as invoice_date,
    {{ blank_date_to_null('transaction_date') }} as transaction_date,
    {{ clean_string('source_journal') }} as source_journal,
    {{ clean_string('journal_no_gl_batch_no') }} as journal_no_gl_batch_no,
    {{ clean_string('sales_order_no') }} as sales_order_no,
    {{ clean_string('customer_po_no') }} as customer_po_no,
    {{ to_money('taxable_sales_amt') }} as taxable_sales_amt,
    {{ to_money('non_taxable_sales_amt') }} as non_taxable_sales_amt,
    {{ to_money('freight_amt') }} as freight_amt,
    {{ to_money('sales_tax_amt') }} as sales_tax_amt,
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

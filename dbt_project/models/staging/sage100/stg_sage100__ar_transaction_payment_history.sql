-- Sage 100 AR_TransactionPaymentHistory: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: ARDivisionNo, CustomerNo, InvoiceNo, InvoiceType, TransactionDate, SequenceNo.
with source as (
    {{ raw_source('sage100', 'ar_transaction_payment_history', ['ar_division_no', 'customer_no', 'invoice_no', 'invoice_type', 'transaction_date', 'sequence_no', 'invoice_history_header_seq_no', 'payment_reference', 'check_no', 'transaction_type', 'payment_date', 'payment_type', 'transaction_amt', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('ar_division_no') }} as ar_division_no,
    {{ clean_string('customer_no') }} as customer_no,
    {{ clean_string('invoice_no') }} as invoice_no,
    {{ clean_string('invoice_type') }} as invoice_type,
    {{ blank_date_to_null('transaction_date') }} as transaction_date,
    {{ clean_string('sequence_no') }} as sequence_no,
    {{ clean_string('invoice_history_header_seq_no') }} as invoice_history_header_seq_no,
    {{ clean_string('payment_reference') }} as payment_reference,
    {{ clean_string('check_no') }} as check_no,
    {{ clean_string('transaction_type') }} as transaction_type,
    {{ blank_date_to_null('payment_date') }} as payment_date,
    {{ clean_string('payment_type') }} as payment_type,
    {{ to_money('transaction_amt') }} as transaction_amt,
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

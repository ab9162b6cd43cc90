-- Sage 100 AR_CashReceiptsHistory: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: BankCode, DepositDate, DepositNo, DepositType, ARDivisionNo, CustomerNo, CreditCardEntryNo, CheckNo, SequenceNo.
with source as (
    {{ raw_source('sage100', 'ar_cash_receipts_history', ['bank_code', 'deposit_date', 'deposit_no', 'deposit_type', 'ar_division_no', 'customer_no', 'credit_card_entry_no', 'check_no', 'sequence_no', 'posting_date', 'transaction_type', 'invoice_no', 'invoice_type', 'account_key', 'batch_no', 'payment_type', 'cash_amount_applied', 'discount_amount_applied', 'invoice_balance', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('bank_code') }} as bank_code,
    {{ blank_date_to_null('deposit_date') }} as deposit_date,
    {{ clean_string('deposit_no') }} as deposit_no,
    {{ clean_string('deposit_type') }} as deposit_type,
    {{ clean_string('ar_division_no') }} as ar_division_no,
    {{ clean_string('customer_no') }} as customer_no,
    {{ clean_string('credit_card_entry_no') }} as credit_card_entry_no,
    {{ clean_string('check_no') }} as check_no,
    {{ clean_string('sequence_no') }} as sequence_no,
    {{ blank_date_to_null('posting_date') }} as posting_date,
    {{ clean_string('transaction_type') }} as transaction_type,
    {{ clean_string('invoice_no') }} as invoice_no,
    {{ clean_string('invoice_type') }} as invoice_type,
    {{ clean_string('account_key') }} as account_key,
    {{ clean_string('batch_no') }} as batch_no,
    {{ clean_string('payment_type') }} as payment_type,
    {{ to_money('cash_amount_applied') }} as cash_amount_applied,
    {{ to_money('discount_amount_applied') }} as discount_amount_applied,
    {{ to_money('invoice_balance') }} as invoice_balance,
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

-- Sage 100 AP_CheckHistoryHeader: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: BankCode, CheckNo, CheckSeqNo.
with source as (
    {{ raw_source('sage100', 'ap_check_history_header', ['bank_code', 'check_no', 'check_seq_no', 'check_type', 'check_date', 'transaction_date', 'ap_division_no', 'vendor_no', 'vendor_name', 'check_amt', 'source_journal', 'source_journal_batch_no', 'cleared_bank', 'cleared_date', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('bank_code') }} as bank_code,
    {{ clean_string('check_no') }} as check_no,
    {{ clean_string('check_seq_no') }} as check_seq_no,
    {{ clean_string('check_type') }} as check_type,
    {{ blank_date_to_null('check_date') }} as check_date,
    {{ blank_date_to_null('transaction_date') }} as transaction_date,
    {{ clean_string('ap_division_no') }} as ap_division_no,
    {{ clean_string('vendor_no') }} as vendor_no,
    {{ clean_string('vendor_name') }} as vendor_name,
    {{ to_money('check_amt') }} as check_amt,
    {{ clean_string('source_journal') }} as source_journal,
    {{ clean_string('source_journal_batch_no') }} as source_journal_batch_no,
    {{ clean_string('cleared_bank') }} as cleared_bank,
    {{ blank_date_to_null('cleared_date') }} as cleared_date,
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

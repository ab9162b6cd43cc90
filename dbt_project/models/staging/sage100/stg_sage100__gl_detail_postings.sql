-- Sage 100 GL_DetailPosting: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: AccountKey, PostingDate, SourceJournal, JournalRegisterNo, SequenceNo.
with source as (
    {{ raw_source('sage100', 'gl_detail_posting', ['account_key', 'posting_date', 'source_journal', 'journal_register_no', 'sequence_no', 'posting_comment', 'debit_amount', 'credit_amount', 'source_module', 'document_no', 'document_type', 'batch_no', 'currency_code', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('account_key') }} as account_key,
    {{ blank_date_to_null('posting_date') }} as posting_date,
    {{ clean_string('source_journal') }} as source_journal,
    {{ clean_string('journal_register_no') }} as journal_register_no,
    {{ clean_string('sequence_no') }} as sequence_no,
    {{ clean_string('posting_comment') }} as posting_comment,
    {{ to_money('debit_amount') }} as debit_amount,
    {{ to_money('credit_amount') }} as credit_amount,
    {{ clean_string('source_module') }} as source_module,
    {{ clean_string('document_no') }} as document_no,
    {{ clean_string('document_type') }} as document_type,
    {{ clean_string('batch_no') }} as batch_no,
    {{ clean_string('currency_code') }} as currency_code,
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

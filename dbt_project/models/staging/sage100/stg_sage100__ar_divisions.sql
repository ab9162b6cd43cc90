-- Sage 100 AR_Division: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: ARDivisionNo.
with source as (
    {{ raw_source('sage100', 'ar_division', ['ar_division_no', 'ar_division_desc', 'accounts_receivable_acct_key', 'cash_acct_key', 'discounts_allowed_acct_key', 'freight_acct_key', 'sales_tax_acct_key', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('ar_division_no') }} as ar_division_no,
    {{ clean_string('ar_division_desc') }} as ar_division_desc,
    {{ clean_string('accounts_receivable_acct_key') }} as accounts_receivable_acct_key,
    {{ clean_string('cash_acct_key') }} as cash_acct_key,
    {{ clean_string('discounts_allowed_acct_key') }} as discounts_allowed_acct_key,
    {{ clean_string('freight_acct_key') }} as freight_acct_key,
    {{ clean_string('sales_tax_acct_key') }} as sales_tax_acct_key,
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

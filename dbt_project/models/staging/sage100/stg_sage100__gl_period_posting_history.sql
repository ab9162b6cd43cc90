-- Sage 100 GL_PeriodPostingHistory: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: AccountKey, FiscalYear, FiscalPeriod.
with source as (
    {{ raw_source('sage100', 'gl_period_posting_history', ['account_key', 'fiscal_year', 'fiscal_period', 'beginning_balance', 'debit_amount', 'credit_amount', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('account_key') }} as account_key,
    {{ clean_string('fiscal_year') }} as fiscal_year,
    {{ clean_string('fiscal_period') }} as fiscal_period,
    {{ to_money('beginning_balance') }} as beginning_balance,
    {{ to_money('debit_amount') }} as debit_amount,
    {{ to_money('credit_amount') }} as credit_amount,
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

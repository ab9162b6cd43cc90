-- Sage 100 GL_Account: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: AccountKey.
with source as (
    {{ raw_source('sage100', 'gl_account', ['account_key', 'account', 'account_desc', 'raw_account', 'main_account_code', 'status', 'account_type', 'account_group', 'account_category', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('account_key') }} as account_key,
    {{ clean_string('account') }} as account,
    {{ clean_string('account_desc') }} as account_desc,
    {{ clean_string('raw_account') }} as raw_account,
    {{ clean_string('main_account_code') }} as main_account_code,
    {{ clean_string('status') }} as status,
    {{ clean_string('account_type') }} as account_type,
    {{ clean_string('account_group') }} as account_group,
    {{ clean_string('account_category') }} as account_category,
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

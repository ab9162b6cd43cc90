-- Sage 100 AR_Customer: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: ARDivisionNo, CustomerNo.
with source as (
    {{ raw_source('sage100', 'ar_customer', ['ar_division_no', 'customer_no', 'customer_name', 'address_line1', 'address_line2', 'address_line3', 'city', 'state', 'zip_code', 'country_code', 'email_address', 'telephone_no', 'terms_code', 'customer_type', 'credit_hold', 'credit_limit', 'current_balance', 'date_last_payment', 'customer_status', 'tax_exempt_no', 'currency_code', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('ar_division_no') }} as ar_division_no,
    {{ clean_string('customer_no') }} as customer_no,
    {{ clean_string('customer_name') }} as customer_name,
    {{ clean_string('address_line1') }} as address_line1,
    {{ clean_string('address_line2') }} as address_line2,
    {{ clean_string('address_line3') }} as address_line3,
    {{ clean_string('city') }} as city,
    {{ clean_string('state') }} as state,
    {{ clean_string('zip_code') }} as zip_code,
    {{ clean_string('country_code') }} as country_code,
    {{ clean_string('email_address') }} as email_address,
    {{ clean_string('telephone_no') }} as telephone_no,
    {{ clean_string('terms_code') }} as terms_code,
    {{ clean_string('customer_type') }} as customer_type,
    {{ clean_string('credit_hold') }} as credit_hold,
    {{ to_money('credit_limit') }} as credit_limit,
    {{ to_money('current_balance') }} as current_balance,
    {{ blank_date_to_null('date_last_payment') }} as date_last_payment,
    {{ clean_string('customer_status') }} as customer_status,
    {{ clean_string('tax_exempt_no') }} as tax_exempt_no,
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

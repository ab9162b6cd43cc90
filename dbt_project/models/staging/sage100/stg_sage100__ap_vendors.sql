-- Sage 100 AP_Vendor: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: APDivisionNo, VendorNo.
with source as (
    {{ raw_source('sage100', 'ap_vendor', ['ap_division_no', 'vendor_no', 'vendor_name', 'address_line1', 'address_line2', 'address_line3', 'city', 'state', 'zip_code', 'country_code', 'email_address', 'telephone_no', 'taxpayer_idss_no', 'terms_code', 'vendor_status', 'hold_payment', 'account_key', 'last_payment_date', 'currency_code', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('ap_division_no') }} as ap_division_no,
    {{ clean_string('vendor_no') }} as vendor_no,
    {{ clean_string('vendor_name') }} as vendor_name,
    {{ clean_string('address_line1') }} as address_line1,
    {{ clean_string('address_line2') }} as address_line2,
    {{ clean_string('address_line3') }} as address_line3,
    {{ clean_string('city') }} as city,
    {{ clean_string('state') }} as state,
    {{ clean_string('zip_code') }} as zip_code,
    {{ clean_string('country_code') }} as country_code,
    {{ clean_string('email_address') }} as email_address,
    {{ clean_string('telephone_no') }} as telephone_no,
    {{ clean_string('taxpayer_idss_no') }} as taxpayer_idss_no,
    {{ clean_string('terms_code') }} as terms_code,
    {{ clean_string('vendor_status') }} as vendor_status,
    {{ clean_string('hold_payment') }} as hold_payment,
    {{ clean_string('account_key') }} as account_key,
    {{ blank_date_to_null('last_payment_date') }} as last_payment_date,
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

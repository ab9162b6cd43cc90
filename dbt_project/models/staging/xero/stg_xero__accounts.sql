-- Xero accounts: Chart of accounts (Accounts endpoint).
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10), status through status_map.
with source as (
    {{ raw_source('xero', 'accounts', ['account_id', 'tenant_id', 'code', 'name', 'type', 'class', 'status', 'tax_type', 'system_account', 'bank_account_number', 'bank_account_type', 'currency_code', 'description', 'reporting_code', 'enable_payments_to_account', 'updated_date_utc'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('account_id') }} as account_id,
        {{ clean_string('tenant_id') }} as tenant_id,
        {{ clean_string('code') }} as account_code,
        {{ clean_string('name') }} as account_name,
        {{ clean_string('type') }} as account_type,
        {{ clean_string('class') }} as account_class,
        {{ clean_string('status') }} as status,
        {{ clean_string('tax_type') }} as tax_type,
        {{ clean_string('system_account') }} as system_account,
        {{ clean_string('bank_account_number') }} as bank_account_number,
        {{ clean_string('bank_account_type') }} as bank_account_type,
        {{ clean_string('currency_code') }} as currency_code,
        {{ clean_string('description') }} as description,
        {{ clean_string('reporting_code') }} as reporting_code,
        {{ to_bool('enable_payments_to_account') }} as enable_payments_to_account,
        {{ xero_timestamp('updated_date_utc') }} as updated_at,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
),

final as (
    select
        renamed.*,
        status_map.status as status_normalized,
        coalesce(status_map.is_posted, false) as is_posted
    from renamed
    left join {{ ref('status_map') }} as status_map
        on status_map.system = 'xero'
        and status_map.entity = 'account'
        and status_map.native_status = renamed.status
)

select * from final

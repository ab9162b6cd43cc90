-- Xero contacts: Customers and suppliers (Contacts endpoint).
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10), status through status_map.
with source as (
    {{ raw_source('xero', 'contacts', ['contact_id', 'tenant_id', 'contact_number', 'account_number', 'contact_status', 'name', 'first_name', 'last_name', 'email_address', 'tax_number', 'company_number', 'is_supplier', 'is_customer', 'default_currency', 'merged_to_contact_id', 'updated_date_utc'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('contact_id') }} as contact_id,
        {{ clean_string('tenant_id') }} as tenant_id,
        {{ clean_string('contact_number') }} as contact_number,
        {{ clean_string('account_number') }} as account_number,
        {{ clean_string('contact_status') }} as status,
        {{ clean_string('name') }} as contact_name,
        {{ clean_string('first_name') }} as first_name,
        {{ clean_string('last_name') }} as last_name,
        {{ clean_string('email_address') }} as email_address,
        {{ clean_string('tax_number') }} as tax_number,
        {{ clean_string('company_number') }} as company_number,
        {{ to_bool('is_supplier') }} as is_supplier,
        {{ to_bool('is_customer') }} as is_customer,
        {{ clean_string('default_currency') }} as default_currency,
        {{ clean_string('merged_to_contact_id') }} as merged_to_contact_id,
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
        and status_map.entity = 'contact'
        and status_map.native_status = renamed.status
)

select * from final

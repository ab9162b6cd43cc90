-- KashFlow suppliers: Suppliers.
-- KashFlow date strings as dates/timestamps, amounts as DECIMAL(18,2), codes as text.
with source as (
    {{ raw_source('kashflow', 'suppliers', ['id', 'code', 'name', 'display_name', 'email', 'vat_number', 'telephone_number', 'mobile_number', 'website', 'default_nominal_code', 'currency__code', 'currency__exchange_rate', 'payment_terms__days', 'payment_terms__type', 'outstanding_balance', 'total_paid_amount', 'is_archived', 'created_date', 'last_updated_date', 'address__line1', 'address__line2', 'address__line3', 'address__line4', 'address__post_code', 'address__country_code', 'address__country_name'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'kashflow' as system,
        cast(id as bigint) as supplier_id,
        {{ clean_string('code') }} as supplier_code,
        {{ clean_string('name') }} as supplier_name,
        {{ clean_string('display_name') }} as display_name,
        {{ clean_string('email') }} as email,
        {{ clean_string('vat_number') }} as vat_number,
        {{ clean_string('telephone_number') }} as telephone,
        {{ clean_string('mobile_number') }} as mobile,
        {{ clean_string('website') }} as website,
        {{ clean_string('default_nominal_code') }} as default_nominal_code,
        {{ clean_string('currency__code') }} as currency_code,
        {{ to_decimal('currency__exchange_rate', 18, 10) }} as currency_exchange_rate,
        cast(payment_terms__days as bigint) as payment_terms_days,
        cast(payment_terms__type as bigint) as payment_terms_type,
        {{ to_money('outstanding_balance') }} as outstanding_balance,
        {{ to_money('total_paid_amount') }} as total_paid_amount,
        {{ to_bool('is_archived') }} as is_archived,
        {{ kashflow_timestamp('created_date') }} as created_at,
        {{ kashflow_timestamp('last_updated_date') }} as updated_at,
        {{ clean_string('address__line1') }} as address_line1,
        {{ clean_string('address__line2') }} as address_line2,
        {{ clean_string('address__line3') }} as address_line3,
        {{ clean_string('address__line4') }} as address_line4,
        {{ clean_string('address__post_code') }} as postal_code,
        {{ clean_string('address__country_code') }} as country_code,
        {{ clean_string('address__country_name') }} as country_name,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final

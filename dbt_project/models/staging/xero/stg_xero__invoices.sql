-- Xero invoices: Sales invoices (ACCREC) and bills (ACCPAY).
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10), status through status_map.
with source as (
    {{ raw_source('xero', 'invoices', ['invoice_id', 'tenant_id', 'type', 'invoice_number', 'reference', 'contact__contact_id', 'contact__name', 'date', 'due_date', 'line_amount_types', 'currency_code', 'currency_rate', 'status', 'sub_total', 'total_tax', 'total', 'total_discount', 'amount_due', 'amount_paid', 'amount_credited', 'fully_paid_on_date', 'sent_to_contact', 'updated_date_utc'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('invoice_id') }} as invoice_id,
        {{ clean_string('tenant_id') }} as tenant_id,
        {{ clean_string('type') }} as invoice_type,
        {{ clean_string('invoice_number') }} as invoice_number,
        {{ clean_string('reference') }} as reference,
        {{ clean_string('contact__contact_id') }} as contact_id,
        {{ clean_string('contact__name') }} as contact_name,
        {{ xero_date('date') }} as invoice_date,
        {{ xero_date('due_date') }} as due_date,
        {{ clean_string('line_amount_types') }} as line_amount_types,
        {{ clean_string('currency_code') }} as currency_code,
        {{ to_decimal('currency_rate', 18, 10) }} as currency_rate,
        {{ clean_string('status') }} as status,
        {{ to_money('sub_total') }} as sub_total,
        {{ to_money('total_tax') }} as total_tax,
        {{ to_money('total') }} as total,
        {{ to_money('total_discount') }} as total_discount,
        {{ to_money('amount_due') }} as amount_due,
        {{ to_money('amount_paid') }} as amount_paid,
        {{ to_money('amount_credited') }} as amount_credited,
        {{ xero_date('fully_paid_on_date') }} as fully_paid_on_date,
        {{ to_bool('sent_to_contact') }} as sent_to_contact,
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
        and status_map.entity = 'invoice'
        and status_map.native_status = renamed.status
)

select * from final

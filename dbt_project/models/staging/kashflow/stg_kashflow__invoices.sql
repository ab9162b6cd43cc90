-- KashFlow invoices: Sales invoices (credit notes are invoices with negative amounts).
-- KashFlow date strings as dates/timestamps, amounts as DECIMAL(18,2), codes as text, status through status_map.
with source as (
    {{ raw_source('kashflow', 'invoices', ['id', 'number', 'customer_id', 'customer_code', 'customer_name', 'customer_reference', 'issued_date', 'due_date', 'paid_date', 'last_payment_date', 'status', 'net_amount', 'vat_amount', 'gross_amount', 'home_currency_gross_amount', 'total_paid_amount', 'due_amount', 'currency__code', 'currency__exchange_rate', 'created_date', 'last_updated_date'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'kashflow' as system,
        cast(id as bigint) as invoice_id,
        {{ clean_string('number') }} as invoice_number,
        cast(customer_id as bigint) as customer_id,
        {{ clean_string('customer_code') }} as customer_code,
        {{ clean_string('customer_name') }} as customer_name,
        {{ clean_string('customer_reference') }} as customer_reference,
        {{ kashflow_date('issued_date') }} as issued_date,
        {{ kashflow_date('due_date') }} as due_date,
        {{ kashflow_date('paid_date') }} as paid_date,
        {{ kashflow_date('last_payment_date') }} as last_payment_date,
        {{ clean_string('status') }} as status,
        {{ to_money('net_amount') }} as net_amount,
        {{ to_money('vat_amount') }} as vat_amount,
        {{ to_money('gross_amount') }} as gross_amount,
        {{ to_money('home_currency_gross_amount') }} as home_currency_gross_amount,
        {{ to_money('total_paid_amount') }} as total_paid_amount,
        {{ to_money('due_amount') }} as due_amount,
        {{ clean_string('currency__code') }} as currency_code,
        {{ to_decimal('currency__exchange_rate', 18, 10) }} as exchange_rate,
        {{ kashflow_timestamp('created_date') }} as created_at,
        {{ kashflow_timestamp('last_updated_date') }} as updated_at,
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
        on status_map.system = 'kashflow'
        and status_map.entity = 'invoice'
        and status_map.native_status = renamed.status
)

select * from final

-- Xero payments: Payments applied to invoices, bills and credit notes (Payments endpoint).
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10), status through status_map.
with source as (
    {{ raw_source('xero', 'payments', ['payment_id', 'tenant_id', 'payment_type', 'date', 'amount', 'bank_amount', 'currency_rate', 'reference', 'status', 'is_reconciled', 'invoice__invoice_id', 'invoice__invoice_number', 'invoice__type', 'invoice__currency_code', 'invoice__contact__contact_id', 'credit_note__credit_note_id', 'credit_note__credit_note_number', 'credit_note__type', 'credit_note__contact__contact_id', 'account__account_id', 'account__code', 'batch_payment_id', 'updated_date_utc'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('payment_id') }} as payment_id,
        {{ clean_string('tenant_id') }} as tenant_id,
        {{ clean_string('payment_type') }} as payment_type,
        {{ xero_date('date') }} as payment_date,
        {{ to_money('amount') }} as amount,
        {{ to_money('bank_amount') }} as bank_amount,
        {{ to_decimal('currency_rate', 18, 10) }} as currency_rate,
        {{ clean_string('reference') }} as reference,
        {{ clean_string('status') }} as status,
        {{ to_bool('is_reconciled') }} as is_reconciled,
        {{ clean_string('invoice__invoice_id') }} as invoice_id,
        {{ clean_string('invoice__invoice_number') }} as invoice_number,
        {{ clean_string('invoice__type') }} as invoice_type,
        {{ clean_string('invoice__currency_code') }} as invoice_currency_code,
        {{ clean_string('invoice__contact__contact_id') }} as invoice_contact_id,
        {{ clean_string('credit_note__credit_note_id') }} as credit_note_id,
        {{ clean_string('credit_note__credit_note_number') }} as credit_note_number,
        {{ clean_string('credit_note__type') }} as credit_note_type,
        {{ clean_string('credit_note__contact__contact_id') }} as credit_note_contact_id,
        {{ clean_string('account__account_id') }} as account_id,
        {{ clean_string('account__code') }} as account_code,
        {{ clean_string('batch_payment_id') }} as batch_payment_id,
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
        and status_map.entity = 'payment'
        and status_map.native_status = renamed.status
)

select * from final

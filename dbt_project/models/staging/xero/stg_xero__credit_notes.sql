-- Xero credit_notes: Credit notes (ACCRECCREDIT to customers, ACCPAYCREDIT from suppliers).
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10), status through status_map.
with source as (
    {{ raw_source('xero', 'credit_notes', ['credit_note_id', 'tenant_id', 'type', 'credit_note_number', 'reference', 'contact__contact_id', 'contact__name', 'date', 'due_date', 'line_amount_types', 'currency_code', 'currency_rate', 'status', 'sub_total', 'total_tax', 'total', 'remaining_credit', 'applied_amount', 'fully_paid_on_date', 'updated_date_utc'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('credit_note_id') }} as credit_note_id,
        {{ clean_string('tenant_id') }} as tenant_id,
        {{ clean_string('type') }} as credit_note_type,
        {{ clean_string('credit_note_number') }} as credit_note_number,
        {{ clean_string('reference') }} as reference,
        {{ clean_string('contact__contact_id') }} as contact_id,
        {{ clean_string('contact__name') }} as contact_name,
        {{ xero_date('date') }} as credit_note_date,
        {{ xero_date('due_date') }} as due_date,
        {{ clean_string('line_amount_types') }} as line_amount_types,
        {{ clean_string('currency_code') }} as currency_code,
        {{ to_decimal('currency_rate', 18, 10) }} as currency_rate,
        {{ clean_string('status') }} as status,
        {{ to_money('sub_total') }} as sub_total,
        {{ to_money('total_tax') }} as total_tax,
        {{ to_money('total') }} as total,
        {{ to_money('remaining_credit') }} as remaining_credit,
        {{ to_money('applied_amount') }} as applied_amount,
        {{ xero_date('fully_paid_on_date') }} as fully_paid_on_date,
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
        and status_map.entity = 'credit_note'
        and status_map.native_status = renamed.status
)

select * from final

-- Xero bank_transactions: Spend and receive money not tied to invoices (BankTransactions endpoint).
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10), status through status_map.
with source as (
    {{ raw_source('xero', 'bank_transactions', ['bank_transaction_id', 'tenant_id', 'type', 'date', 'reference', 'contact__contact_id', 'contact__name', 'bank_account__account_id', 'bank_account__code', 'line_amount_types', 'currency_code', 'currency_rate', 'status', 'is_reconciled', 'sub_total', 'total_tax', 'total', 'updated_date_utc'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('bank_transaction_id') }} as bank_transaction_id,
        {{ clean_string('tenant_id') }} as tenant_id,
        {{ clean_string('type') }} as transaction_type,
        {{ xero_date('date') }} as transaction_date,
        {{ clean_string('reference') }} as reference,
        {{ clean_string('contact__contact_id') }} as contact_id,
        {{ clean_string('contact__name') }} as contact_name,
        {{ clean_string('bank_account__account_id') }} as bank_account_id,
        {{ clean_string('bank_account__code') }} as bank_account_code,
        {{ clean_string('line_amount_types') }} as line_amount_types,
        {{ clean_string('currency_code') }} as currency_code,
        {{ to_decimal('currency_rate', 18, 10) }} as currency_rate,
        {{ clean_string('status') }} as status,
        {{ to_bool('is_reconciled') }} as is_reconciled,
        {{ to_money('sub_total') }} as sub_total,
        {{ to_money('total_tax') }} as total_tax,
        {{ to_money('total') }} as total,
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
        and status_map.entity = 'bank_transaction'
        and status_map.native_status = renamed.status
)

select * from final

-- KashFlow banktransactions: Bank receipts and payments not tied to documents.
-- KashFlow date strings as dates/timestamps, amounts as DECIMAL(18,2), codes as text.
with source as (
    {{ raw_source('kashflow', 'banktransactions', ['id', 'account_id', 'date', 'type', 'amount', 'vat_amount', 'vat_rate', 'nominal_code', 'nominal_id', 'description', 'reference', 'customer_code', 'supplier_code', 'is_advance_payment', 'currency__code', 'currency__exchange_rate'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'kashflow' as system,
        cast(id as bigint) as bank_transaction_id,
        cast(account_id as bigint) as bank_account_id,
        {{ kashflow_date('date') }} as transaction_date,
        {{ clean_string('type') }} as transaction_type,
        {{ to_money('amount') }} as amount,
        {{ to_money('vat_amount') }} as vat_amount,
        {{ to_decimal('vat_rate', 18, 4) }} as vat_rate,
        {{ clean_string('nominal_code') }} as nominal_code,
        cast(nominal_id as bigint) as nominal_id,
        {{ clean_string('description') }} as description,
        {{ clean_string('reference') }} as reference,
        {{ clean_string('customer_code') }} as customer_code,
        {{ clean_string('supplier_code') }} as supplier_code,
        {{ to_bool('is_advance_payment') }} as is_advance_payment,
        {{ clean_string('currency__code') }} as currency_code,
        {{ to_decimal('currency__exchange_rate', 18, 10) }} as exchange_rate,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final

-- Xero invoices__payments: Payments as listed inside their invoice (the Payments endpoint is the full record).
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10).
with source as (
    {{ raw_source('xero', 'invoices__payments', ['payment_id', 'date', 'amount', 'currency_rate', 'reference'], dlt_columns=['_dlt_load_id', '_dlt_id', '_dlt_parent_id', '_dlt_root_id', '_dlt_list_idx']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('payment_id') }} as payment_id,
        {{ xero_date('date') }} as payment_date,
        {{ to_money('amount') }} as amount,
        {{ to_decimal('currency_rate', 18, 10) }} as currency_rate,
        {{ clean_string('reference') }} as reference,
        cast(_dlt_list_idx as bigint) as list_index,
        _dlt_parent_id,
        _dlt_root_id,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final

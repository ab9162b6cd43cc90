-- KashFlow purchases__payment_lines: Payments made against purchase invoices.
-- KashFlow date strings as dates/timestamps, amounts as DECIMAL(18,2), codes as text.
with source as (
    {{ raw_source('kashflow', 'purchases__payment_lines', ['id', 'invoice_number', 'date', 'amount', 'method', 'reference', 'bank_transaction_id', 'account_id', 'note', 'payment_processor', 'bulk_payment_number', 'vat_return_id', 'is_payment_credit_note', 'object_number', 'paid_date'], dlt_columns=['_dlt_load_id', '_dlt_id', '_dlt_parent_id', '_dlt_root_id', '_dlt_list_idx']) }}
),

renamed as (
    select
        'kashflow' as system,
        cast(id as bigint) as payment_id,
        {{ clean_string('invoice_number') }} as invoice_number,
        {{ kashflow_date('date') }} as payment_date,
        {{ to_money('amount') }} as amount,
        cast(method as bigint) as method,
        {{ clean_string('reference') }} as reference,
        cast(bank_transaction_id as bigint) as bank_transaction_id,
        cast(account_id as bigint) as bank_account_id,
        {{ clean_string('note') }} as note,
        {{ clean_string('payment_processor') }} as payment_processor,
        cast(bulk_payment_number as bigint) as bulk_payment_number,
        cast(vat_return_id as bigint) as vat_return_id,
        {{ to_bool('is_payment_credit_note') }} as is_payment_credit_note,
        cast(object_number as bigint) as object_number,
        {{ kashflow_date('paid_date') }} as paid_date,
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

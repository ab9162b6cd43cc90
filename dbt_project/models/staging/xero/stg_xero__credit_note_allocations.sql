-- Xero credit_notes__allocations: Allocations of credit notes to invoices.
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10).
with source as (
    {{ raw_source('xero', 'credit_notes__allocations', ['allocation_id', 'invoice__invoice_id', 'invoice__invoice_number', 'amount', 'date', 'is_deleted'], dlt_columns=['_dlt_load_id', '_dlt_id', '_dlt_parent_id', '_dlt_root_id', '_dlt_list_idx']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('allocation_id') }} as allocation_id,
        {{ clean_string('invoice__invoice_id') }} as invoice_id,
        {{ clean_string('invoice__invoice_number') }} as invoice_number,
        {{ to_money('amount') }} as amount,
        {{ xero_date('date') }} as allocation_date,
        {{ to_bool('is_deleted') }} as is_deleted,
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

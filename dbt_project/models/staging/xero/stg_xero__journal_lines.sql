-- Xero journals__journal_lines: Lines of Xero journals (net amounts, positive = debit).
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10).
with source as (
    {{ raw_source('xero', 'journals__journal_lines', ['journal_line_id', 'account_id', 'account_code', 'account_type', 'account_name', 'description', 'net_amount', 'gross_amount', 'tax_amount', 'tax_type', 'tax_name'], dlt_columns=['_dlt_load_id', '_dlt_id', '_dlt_parent_id', '_dlt_root_id', '_dlt_list_idx']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('journal_line_id') }} as journal_line_id,
        {{ clean_string('account_id') }} as account_id,
        {{ clean_string('account_code') }} as account_code,
        {{ clean_string('account_type') }} as account_type,
        {{ clean_string('account_name') }} as account_name,
        {{ clean_string('description') }} as description,
        {{ to_money('net_amount') }} as net_amount,
        {{ to_money('gross_amount') }} as gross_amount,
        {{ to_money('tax_amount') }} as tax_amount,
        {{ clean_string('tax_type') }} as tax_type,
        {{ clean_string('tax_name') }} as tax_name,
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

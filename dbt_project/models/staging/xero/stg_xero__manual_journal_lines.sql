-- Xero manual_journals__journal_lines: Lines of manual journals (positive = debit).
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10).
with source as (
    {{ raw_source('xero', 'manual_journals__journal_lines', ['description', 'account_code', 'account_id', 'tax_type', 'tax_amount', 'line_amount', 'is_blank'], dlt_columns=['_dlt_load_id', '_dlt_id', '_dlt_parent_id', '_dlt_root_id', '_dlt_list_idx']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('description') }} as description,
        {{ clean_string('account_code') }} as account_code,
        {{ clean_string('account_id') }} as account_id,
        {{ clean_string('tax_type') }} as tax_type,
        {{ to_money('tax_amount') }} as tax_amount,
        {{ to_money('line_amount') }} as line_amount,
        {{ to_bool('is_blank') }} as is_blank,
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

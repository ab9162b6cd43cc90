-- Xero manual_journals: Manual journals.
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10), status through status_map.
with source as (
    {{ raw_source('xero', 'manual_journals', ['manual_journal_id', 'tenant_id', 'date', 'narration', 'status', 'line_amount_types', 'show_on_cash_basis_reports', 'updated_date_utc'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('manual_journal_id') }} as manual_journal_id,
        {{ clean_string('tenant_id') }} as tenant_id,
        {{ xero_date('date') }} as journal_date,
        {{ clean_string('narration') }} as narration,
        {{ clean_string('status') }} as status,
        {{ clean_string('line_amount_types') }} as line_amount_types,
        {{ to_bool('show_on_cash_basis_reports') }} as show_on_cash_basis_reports,
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
        and status_map.entity = 'manual_journal'
        and status_map.native_status = renamed.status
)

select * from final

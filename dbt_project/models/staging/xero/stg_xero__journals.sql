-- Xero journals: Xero's own general-ledger journals (Journals endpoint), one per posting event.
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10).
with source as (
    {{ raw_source('xero', 'journals', ['journal_id', 'tenant_id', 'journal_number', 'journal_date', 'created_date_utc', 'reference', 'source_id', 'source_type'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('journal_id') }} as journal_id,
        {{ clean_string('tenant_id') }} as tenant_id,
        cast(journal_number as bigint) as journal_number,
        {{ xero_date('journal_date') }} as journal_date,
        {{ xero_timestamp('created_date_utc') }} as created_at,
        {{ clean_string('reference') }} as reference,
        {{ clean_string('source_id') }} as source_id,
        {{ clean_string('source_type') }} as source_type,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final

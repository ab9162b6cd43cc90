-- KashFlow bankaccounts: Bank accounts (their Code is the nominal code they post to).
-- KashFlow date strings as dates/timestamps, amounts as DECIMAL(18,2), codes as text.
with source as (
    {{ raw_source('kashflow', 'bankaccounts', ['id', 'code', 'name', 'account_number', 'sort_code', 'balance', 'is_default', 'account_type', 'currency_code', 'currency__code', 'iban', 'bic'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'kashflow' as system,
        cast(id as bigint) as bank_account_id,
        {{ clean_string('code') }} as bank_account_code,
        {{ clean_string('name') }} as bank_account_name,
        {{ clean_string('account_number') }} as account_number,
        {{ clean_string('sort_code') }} as sort_code,
        {{ to_money('balance') }} as balance,
        {{ to_bool('is_default') }} as is_default,
        cast(account_type as bigint) as account_type,
        coalesce({{ clean_string('currency_code') }}, {{ clean_string('currency__code') }}) as currency_code,
        {{ clean_string('iban') }} as iban,
        {{ clean_string('bic') }} as bic,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final

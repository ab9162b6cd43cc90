{#- KashFlow keeps sales and purchases in twin resources with the same fields under different names
    (invoices / purchases, customers / suppliers, and their nested line items and payment lines). Each
    twin's staging model is one call of these macros: rename and cast once, the same for both sides. -#}

{#- Invoices (doc 'invoice', party 'customer') or purchases (doc 'purchase', party 'supplier');
    status mapped through the status_map seed (entity = doc). -#}
{% macro stg_kashflow_documents(table, doc, party) -%}
with source as (
    {{ raw_source('kashflow', table, ['id', 'number', party ~ '_id', party ~ '_code', party ~ '_name', party ~ '_reference',
        'issued_date', 'due_date', 'paid_date', 'last_payment_date', 'status', 'net_amount', 'vat_amount', 'gross_amount',
        'home_currency_gross_amount', 'total_paid_amount', 'due_amount', 'currency__code', 'currency__exchange_rate',
        'created_date', 'last_updated_date', '_deleted_at'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'kashflow' as system,
        cast(id as bigint) as {{ doc }}_id,
        {{ clean_string('number') }} as {{ doc }}_number,
        cast({{ party }}_id as bigint) as {{ party }}_id,
        {{ clean_string(party ~ '_code') }} as {{ party }}_code,
        {{ clean_string(party ~ '_name') }} as {{ party }}_name,
        {{ clean_string(party ~ '_reference') }} as {{ party }}_reference,
        {{ kashflow_date('issued_date') }} as issued_date,
        {{ kashflow_date('due_date') }} as due_date,
        {{ kashflow_date('paid_date') }} as paid_date,
        {{ kashflow_date('last_payment_date') }} as last_payment_date,
        {{ clean_string('status') }} as status,
        {{ to_money('net_amount') }} as net_amount,
        {{ to_money('vat_amount') }} as vat_amount,
        {{ to_money('gross_amount') }} as gross_amount,
        {{ to_money('home_currency_gross_amount') }} as home_currency_gross_amount,
        {{ to_money('total_paid_amount') }} as total_paid_amount,
        {{ to_money('due_amount') }} as due_amount,
        {{ clean_string('currency__code') }} as currency_code,
        {{ to_decimal('currency__exchange_rate', 18, 10) }} as exchange_rate,
        {{ kashflow_timestamp('created_date') }} as created_at,
        {{ kashflow_timestamp('last_updated_date') }} as updated_at,
        cast(_deleted_at as timestamp) as deleted_at,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
),

final as (
    -- a document KashFlow no longer lists (the loader's deletion mark) is deleted: it posts nothing
    select
        renamed.*,
        case when renamed.deleted_at is not null then 'deleted' else status_map.status end as status_normalized,
        renamed.deleted_at is null and coalesce(status_map.is_posted, false) as is_posted
    from renamed
    left join {{ ref('status_map') }} as status_map
        on status_map.system = 'kashflow'
        and status_map.entity = '{{ doc }}'
        and status_map.native_status = renamed.status
)

select * from final
{%- endmacro %}

{#- Customers (party 'customer') or suppliers (party 'supplier'). -#}
{% macro stg_kashflow_parties(table, party) -%}
with source as (
    {{ raw_source('kashflow', table, ['id', 'code', 'name', 'display_name', 'email', 'vat_number', 'telephone_number',
        'mobile_number', 'website', 'default_nominal_code', 'currency__code', 'currency__exchange_rate',
        'payment_terms__days', 'payment_terms__type', 'outstanding_balance', 'total_paid_amount', 'is_archived',
        'created_date', 'last_updated_date', 'address__line1', 'address__line2', 'address__line3', 'address__line4',
        'address__post_code', 'address__country_code', 'address__country_name', '_deleted_at'],
        dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'kashflow' as system,
        cast(id as bigint) as {{ party }}_id,
        {{ clean_string('code') }} as {{ party }}_code,
        {{ clean_string('name') }} as {{ party }}_name,
        {{ clean_string('display_name') }} as display_name,
        {{ clean_string('email') }} as email,
        {{ clean_string('vat_number') }} as vat_number,
        {{ clean_string('telephone_number') }} as telephone,
        {{ clean_string('mobile_number') }} as mobile,
        {{ clean_string('website') }} as website,
        {{ clean_string('default_nominal_code') }} as default_nominal_code,
        {{ clean_string('currency__code') }} as currency_code,
        {{ to_decimal('currency__exchange_rate', 18, 10) }} as currency_exchange_rate,
        cast(payment_terms__days as bigint) as payment_terms_days,
        {{ clean_string('payment_terms__type') }} as payment_terms_type,
        {{ to_money('outstanding_balance') }} as outstanding_balance,
        {{ to_money('total_paid_amount') }} as total_paid_amount,
        {{ to_bool('is_archived') }} as is_archived,
        {{ kashflow_timestamp('created_date') }} as created_at,
        {{ kashflow_timestamp('last_updated_date') }} as updated_at,
        {{ clean_string('address__line1') }} as address_line1,
        {{ clean_string('address__line2') }} as address_line2,
        {{ clean_string('address__line3') }} as address_line3,
        {{ clean_string('address__line4') }} as address_line4,
        {{ clean_string('address__post_code') }} as postal_code,
        {{ clean_string('address__country_code') }} as country_code,
        {{ clean_string('address__country_name') }} as country_name,
        cast(_deleted_at as timestamp) as deleted_at,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
)

select * from renamed
{%- endmacro %}

{#- Line items nested in invoices or purchases (Rate = unit price net of VAT). -#}
{% macro stg_kashflow_line_items(table) -%}
with source as (
    {{ raw_source('kashflow', table, ['id', 'number', 'nominal_id', 'nominal_code', 'nominal_name', 'description',
        'product_code', 'quantity', 'rate', 'vat_amount', 'vat_level', 'vat_rate', 'project_number'],
        dlt_columns=['_dlt_load_id', '_dlt_id', '_dlt_parent_id', '_dlt_root_id', '_dlt_list_idx']) }}
),

renamed as (
    select
        'kashflow' as system,
        cast(id as bigint) as line_id,
        cast(number as bigint) as line_number,
        cast(nominal_id as bigint) as nominal_id,
        {{ clean_string('nominal_code') }} as nominal_code,
        {{ clean_string('nominal_name') }} as nominal_name,
        {{ clean_string('description') }} as description,
        {{ clean_string('product_code') }} as product_code,
        {{ to_decimal('quantity', 18, 6) }} as quantity,
        {{ to_decimal('rate', 18, 6) }} as rate,
        {{ to_money('vat_amount') }} as vat_amount,
        {{ to_decimal('vat_level', 18, 4) }} as vat_level,
        {{ to_decimal('vat_rate', 18, 4) }} as vat_rate,
        cast(project_number as bigint) as project_number,
        cast(_dlt_list_idx as bigint) as list_index,
        _dlt_parent_id,
        _dlt_root_id,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
)

select * from renamed
{%- endmacro %}

{#- Payment lines nested in invoices (received) or purchases (made). -#}
{% macro stg_kashflow_payment_lines(table) -%}
with source as (
    {{ raw_source('kashflow', table, ['id', 'invoice_number', 'date', 'amount', 'method', 'reference',
        'bank_transaction_id', 'account_id', 'note', 'payment_processor', 'bulk_payment_number', 'vat_return_id',
        'is_payment_credit_note', 'object_number', 'paid_date'],
        dlt_columns=['_dlt_load_id', '_dlt_id', '_dlt_parent_id', '_dlt_root_id', '_dlt_list_idx']) }}
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
)

select * from renamed
{%- endmacro %}

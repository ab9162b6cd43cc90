{{ config(materialized='incremental', incremental_strategy='replace_groups', unique_key='document_key',
    on_schema_change='append_new_columns') }}
-- Lines of KashFlow invoices and purchases. KashFlow sends quantity and net unit rate, not the line
-- net: net = quantity x rate rounded half up to cents. A document with a negative total is a credit
-- note; its lines are turned to the credit note's own (positive) direction.
-- Incremental: every line of a document loaded since the last run is replaced (macros/incremental.sql).
with headers as (
    select _dlt_id, 'invoice' as parent, cast(invoice_id as varchar) as native_id, invoice_number as document_number,
        gross_amount, currency_code, exchange_rate, home_currency_gross_amount, _dlt_load_id
    from {{ ref('stg_kashflow__invoices') }}
    where {{ in_change_set('kashflow', 'documents', 'cast(invoice_id as varchar)') }}
    union all
    select _dlt_id, 'purchase', cast(purchase_id as varchar), purchase_number, gross_amount, currency_code,
        exchange_rate, home_currency_gross_amount, _dlt_load_id
    from {{ ref('stg_kashflow__purchases') }}
    where {{ in_change_set('kashflow', 'documents', 'cast(purchase_id as varchar)') }}
),

typed as (
    select
        *,
        case when parent = 'invoice' then (case when gross_amount < 0 then 'sales_credit_note' else 'sales_invoice' end)
             else (case when gross_amount < 0 then 'bill_credit_note' else 'bill' end) end as document_type,
        case when gross_amount < 0 then -1 else 1 end as direction,
        coalesce(nullif(exchange_rate, 0), 1) as native_rate,
        -- KashFlow's ExchangeRate is foreign units per home unit (divide); when the home amount says the
        -- other way round (home = gross x rate), the rate is used that way
        case
            when home_currency_gross_amount is not null and coalesce(exchange_rate, 1) not in (0, 1)
                and abs(cast(gross_amount as decimal(38, 2)) * exchange_rate - home_currency_gross_amount)
                    < abs(gross_amount - cast(home_currency_gross_amount as decimal(38, 2)) * exchange_rate)
                then 'multiply'
            else 'divide'
        end as rate_method
    from headers
),

lines as (
    select *, 'invoice' as parent from {{ ref('stg_kashflow__invoice_line_items') }}
    union all by name
    select *, 'purchase' as parent from {{ ref('stg_kashflow__purchase_line_items') }}
),

amounts as (
    select
        h.*,
        l.list_index,
        l.line_number,
        l.product_code,
        l.description,
        l.nominal_code,
        l.vat_level,
        l.quantity * h.direction as quantity,
        l.rate as unit_price,
        -- widened before multiplying: decimal(18, 6) x decimal(18, 6) overflows for a big quantity at a big rate
        cast(round(cast(coalesce(l.quantity, 0) as decimal(38, 6)) * coalesce(l.rate, 0), 2) as decimal(18, 2)) * h.direction as net_amount,
        coalesce(l.vat_amount, 0) * h.direction as tax_amount
    from lines as l
    inner join typed as h on h._dlt_id = l._dlt_parent_id and h.parent = l.parent
)

-- the line's key is derived in core.document_lines (macros/derived_keys.sql): stored only when it is not
-- document_key:line_number
select * replace ({{ compact_document_line_key() }}) from (
    select
        {{ built_at() }} as _built_at,
        'kashflow:' || document_type || ':' || native_id || ':' || cast(list_index + 1 as varchar) as document_line_key,
        'kashflow:' || document_type || ':' || native_id as document_key,
        'kashflow' as system,
        document_type,
        native_id || ':' || cast(coalesce(line_number, list_index + 1) as varchar) as native_id,
        document_number,
        cast(list_index + 1 as integer) as line_number,
        product_code as item_code,
        description,
        quantity,
        unit_price,
        nominal_code as account_code,
        cast(vat_level as varchar) as tax_type,
        tax_amount,
        net_amount,
        currency_code,
        {{ to_base_currency('net_amount', 'native_rate', 'rate_method') }} as base_net_amount,
        {{ to_base_currency('tax_amount', 'native_rate', 'rate_method') }} as base_tax_amount,
        _dlt_load_id
    from amounts
) as lines
{{ tombstones('document_key', "select 'kashflow:' || document_type || ':' || native_id as document_key from typed") }}

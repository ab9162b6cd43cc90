{{ config(materialized='incremental', incremental_strategy='replace_groups', unique_key='native_id',
    on_schema_change='append_new_columns') }}
-- KashFlow invoices and purchases in one shape (credit notes: negative documents, turned positive).
-- Incremental: documents loaded since the last run are rebuilt (macros/incremental.sql), replaced by
-- native id (a document whose total changed sign changes its type and key).
with headers as (
    select
        'invoice' as parent, cast(invoice_id as varchar) as native_id, invoice_number as document_number,
        customer_reference as reference, 'customer' as party_role, customer_code as party_code, customer_name as party_name,
        issued_date, due_date, paid_date, status, status_normalized, is_posted, currency_code, exchange_rate,
        net_amount, vat_amount, gross_amount, home_currency_gross_amount, total_paid_amount, due_amount,
        updated_at, _dlt_load_id, _loaded_at
    from {{ ref('stg_kashflow__invoices') }}
    where {{ in_change_set('kashflow', 'documents', 'cast(invoice_id as varchar)') }}
    union all
    select
        'purchase', cast(purchase_id as varchar), purchase_number, supplier_reference, 'vendor', supplier_code,
        supplier_name, issued_date, due_date, paid_date, status, status_normalized, is_posted, currency_code,
        exchange_rate, net_amount, vat_amount, gross_amount, home_currency_gross_amount, total_paid_amount,
        due_amount, updated_at, _dlt_load_id, _loaded_at
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

line_totals as (
    select document_key, sum(base_net_amount) as base_subtotal_amount, count(*) as line_count
    from {{ ref('int_kashflow__document_lines') }}
    group by document_key
),

base as (
    select base_currency from {{ ref('int_base_currencies') }} where system = 'kashflow'
)

select
    {{ built_at() }} as _built_at,
    'kashflow:' || d.document_type || ':' || d.native_id as document_key,
    'kashflow' as system,
    d.document_type,
    case when d.parent = 'invoice' then 'receivable' else 'payable' end as ledger_side,
    d.native_id,
    d.document_number,
    d.reference,
    'kashflow:' || d.party_role || ':' || d.party_code as party_key,
    d.party_code as party_native_id,
    d.party_name,
    d.issued_date as issue_date,
    d.due_date,
    d.issued_date as posting_date,
    strftime(d.issued_date, '%Y-%m') as period,
    d.status,
    d.status_normalized,
    d.is_posted,
    d.currency_code,
    case when d.rate_method = 'multiply' then cast(d.native_rate as decimal(18, 10)) else {{ inverse_rate('d.native_rate') }} end as exchange_rate,
    d.native_rate,
    d.rate_method,
    base.base_currency,
    coalesce(d.net_amount, 0) * d.direction as subtotal_amount,
    coalesce(d.vat_amount, 0) * d.direction as tax_amount,
    coalesce(d.gross_amount, 0) * d.direction as total_amount,
    coalesce(d.total_paid_amount, 0) * d.direction as amount_settled,
    coalesce(d.due_amount, coalesce(d.gross_amount, 0) - coalesce(d.total_paid_amount, 0)) * d.direction as amount_due,
    coalesce(t.base_subtotal_amount, 0) as base_subtotal_amount,
    {{ to_base_currency('coalesce(d.vat_amount, 0) * d.direction', 'd.native_rate', 'd.rate_method') }} as base_tax_amount,
    coalesce(t.base_subtotal_amount, 0)
        + {{ to_base_currency('coalesce(d.vat_amount, 0) * d.direction', 'd.native_rate', 'd.rate_method') }} as base_total_amount,
    coalesce(t.line_count, 0) as line_count,
    'Exclusive' as line_amount_types,
    d.paid_date as fully_paid_on_date,
    cast(null as varchar) as tenant_id,
    d.updated_at,
    d._dlt_load_id,
    d._loaded_at
from typed as d
cross join base
left join line_totals as t on t.document_key = 'kashflow:' || d.document_type || ':' || d.native_id

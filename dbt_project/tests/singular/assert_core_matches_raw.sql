-- No row lost or duplicated on the way from raw to core: per system and entity, the number of records
-- and their amounts in core equal those of the raw tables the loader wrote.
with raw_figures as (
    -- Xero
    select 'xero' as system, 'documents' as entity, count(*) as n, sum(abs({{ to_money('total') }})) as amount
    from ({{ raw_source('xero', 'invoices', ['total', 'type']) }}) where type in ('ACCREC', 'ACCPAY')
    union all
    select 'xero', 'documents+credit_notes', count(*), sum(abs({{ to_money('total') }}))
    from ({{ raw_source('xero', 'credit_notes', ['total', 'type']) }}) where type in ('ACCRECCREDIT', 'ACCPAYCREDIT')
    union all
    select 'xero', 'document_lines', count(*), sum({{ to_money('line_amount') }})
    from (
        {{ raw_source('xero', 'invoices__line_items', ['line_amount'], dlt_columns=['_dlt_id']) }}
        union all
        {{ raw_source('xero', 'credit_notes__line_items', ['line_amount'], dlt_columns=['_dlt_id']) }}
    )
    union all
    select 'xero', 'payments', count(*), sum({{ to_money('amount') }})
    from ({{ raw_source('xero', 'payments', ['amount']) }})
    -- KashFlow
    union all
    select 'kashflow', 'documents', count(*), sum(abs({{ to_money('gross_amount') }}))
    from (
        {{ raw_source('kashflow', 'invoices', ['gross_amount']) }}
        union all
        {{ raw_source('kashflow', 'purchases', ['gross_amount']) }}
    )
    union all
    select 'kashflow', 'document_lines', count(*), sum(abs({{ to_money('vat_amount') }}))
    from (
        {{ raw_source('kashflow', 'invoices__line_items', ['vat_amount'], dlt_columns=['_dlt_id']) }}
        union all
        {{ raw_source('kashflow', 'purchases__line_items', ['vat_amount'], dlt_columns=['_dlt_id']) }}
    )
    union all
    select 'kashflow', 'payments', count(*), sum(abs({{ to_money('amount') }}))
    from (
        {{ raw_source('kashflow', 'invoices__payment_lines', ['amount'], dlt_columns=['_dlt_id']) }}
        union all
        {{ raw_source('kashflow', 'purchases__payment_lines', ['amount'], dlt_columns=['_dlt_id']) }}
    )
    -- Sage 100
    union all
    select 'sage100', 'documents', count(*), sum(abs({{ to_money('amount') }}))
    from (
        select cast(taxable_sales_amt as decimal(18, 2)) + cast(non_taxable_sales_amt as decimal(18, 2))
            + cast(freight_amt as decimal(18, 2)) + cast(sales_tax_amt as decimal(18, 2)) as amount
        from ({{ raw_source('sage100', 'ar_invoice_history_header', ['taxable_sales_amt', 'non_taxable_sales_amt', 'freight_amt', 'sales_tax_amt']) }})
        union all
        select cast(invoice_amt as decimal(18, 2))
        from ({{ raw_source('sage100', 'ap_invoice_history_header', ['invoice_amt']) }})
    )
    union all
    select 'sage100', 'document_lines', count(*), sum(abs({{ to_money('extension_amt') }}))
    from ({{ raw_source('sage100', 'ar_invoice_history_detail', ['extension_amt']) }})
    union all
    select 'sage100', 'payments', count(*), sum(amount)
    from (
        select cast(cash_amount_applied as decimal(18, 2)) as amount
        from ({{ raw_source('sage100', 'ar_cash_receipts_history', ['cash_amount_applied']) }})
        union all
        select abs(cast(amount_paid as decimal(18, 2)))
        from ({{ raw_source('sage100', 'ap_check_history_detail', ['amount_paid']) }})
    )
    union all
    select 'sage100', 'gl_entries', count(*), sum({{ to_money('debit_amount') }} - {{ to_money('credit_amount') }})
    from ({{ raw_source('sage100', 'gl_detail_posting', ['debit_amount', 'credit_amount']) }})
),

raw_totals as (
    select system, case when entity = 'documents+credit_notes' then 'documents' else entity end as entity,
        sum(n) as n, coalesce(sum(amount), 0) as amount
    from raw_figures
    group by all
),

core_figures as (
    select system, 'documents' as entity, count(*) as n, coalesce(sum(total_amount), 0) as amount
    from {{ ref('documents') }}
    group by system
    union all
    -- the same checksum as raw: Xero line amounts as sent (tax-inclusive lines include their tax),
    -- KashFlow line VAT, Sage 100 extension amounts
    select
        l.system, 'document_lines', count(*),
        coalesce(case l.system
            when 'xero' then sum(l.net_amount + case when d.line_amount_types = 'Inclusive' then l.tax_amount else 0 end)
            when 'kashflow' then sum(abs(l.tax_amount))
            else sum(abs(l.net_amount)) end, 0)
    from {{ ref('document_lines') }} as l
    left join {{ ref('documents') }} as d on d.document_key = l.document_key
    where not l.is_synthetic
    group by l.system
    union all
    select system, 'payments', count(*), coalesce(sum(amount), 0)
    from {{ ref('payments') }}
    where payment_source = 'payment'
    group by system
    union all
    select system, 'gl_entries', count(*), coalesce(sum(base_amount), 0)
    from {{ ref('gl_entries') }}
    where system = 'sage100'
    group by system
)

select
    r.system,
    r.entity,
    r.n as raw_rows,
    coalesce(c.n, 0) as core_rows,
    r.amount as raw_amount,
    coalesce(c.amount, 0) as core_amount
from raw_totals as r
left join core_figures as c on c.system = r.system and c.entity = r.entity
where r.n <> coalesce(c.n, 0) or r.amount <> coalesce(c.amount, 0)

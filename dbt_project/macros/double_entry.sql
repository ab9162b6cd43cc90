{#- Double-entry postings derived from documents and payments, shared by every ledger.
    Sign: amount > 0 is a debit, < 0 a credit; base_amount likewise in base currency.
    Every group (one document or payment) balances in document currency and in base currency:
    the control (or bank) line takes the base-currency remainder, as ledgers do with rounding. -#}

{#- Documents: one line per document line on its account, one tax line, one control line.
    Sales invoices credit revenue and debit receivables; bills the reverse; credit notes reverse those.
    A voided document posted once and was reversed when voided (its updated_at date): both are kept. -#}
{% macro document_gl_entries(documents, lines, system) -%}
{%- set doc_columns = 'd.document_type, d.native_id, d.document_number, d.posting_date, d.period, d.party_key, d.currency_code, d.base_currency, d._dlt_load_id, d.status_normalized, d.updated_at' -%}
with docs as (
    select d.*,
        case d.document_type when 'sales_invoice' then -1 when 'sales_credit_note' then 1
             when 'bill' then 1 when 'bill_credit_note' then -1 end as direction
    from {{ documents }} as d
    where d.is_posted or d.status_normalized = 'voided'
),

controls as (
    select role, account_code from {{ ref('int_ledger__control_accounts') }} where system = '{{ system }}'
),

line_totals as (
    -- what the lines of each document come to, read from the lines (not from the entries below, which would
    -- then be kept whole in memory)
    select l.document_key, sum(l.net_amount) as net_amount, sum(l.base_net_amount) as base_net_amount
    from {{ lines }} as l
    where l.document_key in (select document_key from docs)
    group by l.document_key
),

-- each entry carries the columns of its document, so no entry is joined back to it
entries as (
    select
        -- the key is entry_group_key:gl_entry_suffix (macros/derived_keys.sql), or the line's own key where
        -- its lines table stores one (null otherwise)
        l.document_line_key as gl_entry_key,
        cast(l.line_number as varchar) as gl_entry_suffix,
        d.document_key as entry_group_key,
        l.line_number,
        'line' as entry_role,
        l.account_code,
        l.description,
        d.direction * l.net_amount as amount,
        d.direction * l.base_net_amount as base_amount,
        {{ doc_columns }}
    from {{ lines }} as l
    inner join docs as d on d.document_key = l.document_key
    union all
    select
        null,
        'tax',
        d.document_key,
        100000,
        'tax',
        c.account_code,
        'Tax',
        d.direction * d.tax_amount,
        d.direction * d.base_tax_amount,
        {{ doc_columns }}
    from docs as d
    left join controls as c on c.role = case when d.ledger_side = 'receivable' then 'sales_tax' else 'purchase_tax' end
    where d.tax_amount <> 0 or d.base_tax_amount <> 0
    union all
    -- the control entry balances the lines and the tax
    select
        null,
        'control',
        d.document_key,
        0,
        'control',
        c.account_code,
        case when d.ledger_side = 'receivable' then 'Accounts receivable' else 'Accounts payable' end,
        -d.direction * (coalesce(t.net_amount, 0) + coalesce(d.tax_amount, 0)),
        -d.direction * (coalesce(t.base_net_amount, 0) + coalesce(d.base_tax_amount, 0)),
        {{ doc_columns }}
    from docs as d
    left join line_totals as t on t.document_key = d.document_key
    left join controls as c on c.role = case when d.ledger_side = 'receivable' then 'ar_control' else 'ap_control' end
)

-- every entry once, and once more reversed (negated, dated when voided) for a voided document
select
    case when v.is_reversal then e.gl_entry_key || ':void' else e.gl_entry_key end as gl_entry_key,
    case when v.is_reversal then e.gl_entry_suffix || ':void' else e.gl_entry_suffix end as gl_entry_suffix,
    e.entry_group_key,
    '{{ system }}' as system,
    e.document_type as source_type,
    e.native_id as source_native_id,
    e.document_number,
    case when v.is_reversal then {{ void_posting_date('e') }} else e.posting_date end as posting_date,
    case when v.is_reversal then strftime({{ void_posting_date('e') }}, '%Y-%m') else e.period end as period,
    e.account_code,
    case when v.is_reversal then 'Void: ' || coalesce(e.description, '') else e.description end as description,
    e.party_key,
    e.line_number,
    e.entry_role,
    case when v.is_reversal then -cast(e.amount as decimal(18, 2))
         else cast(e.amount as decimal(18, 2)) end as amount,
    e.currency_code,
    case when v.is_reversal then -cast(e.base_amount as decimal(18, 2))
         else cast(e.base_amount as decimal(18, 2)) end as base_amount,
    e.base_currency,
    e._dlt_load_id
from entries as e
{{ reversal_join('e') }}
{%- endmacro %}


{#- Payments: the bank line at the payment's rate, the control line at the document's rate, and the
    difference in base currency to the realized FX gain/loss account (zero lines are left out).
    `credits` (optional) selects (document_key, credit_date, amount): credit notes allocated to documents,
    in the document's currency. They settle part of a document at its own rate without a payment, so the
    payment that completes a document (payments + credits up to its date = the total) clears what the
    payments and credits before it left in base currency - rounded once, there. -#}
{% macro payment_gl_entries(payments, documents, system, credits=none) -%}
{%- set pay_columns = 'p.native_id, p.document_number, p.payment_date, p.period, p.party_key, p.currency_code, p.base_currency, p._dlt_load_id' -%}
with pays_raw as (
    select
        p.*,
        -- receipts and refunds of supplier credit debit the bank
        case when p.payment_type in ('customer_receipt', 'vendor_refund') then 1 else -1 end as bank_direction,
        case when p.payment_type in ('customer_receipt', 'customer_refund') then 'ar_control' else 'ap_control' end as control_role,
        d.total_amount as document_total,
        d.base_total_amount as document_base_total,
        coalesce(d.native_rate, p.native_rate) as document_native_rate,
        coalesce(d.rate_method, p.rate_method) as document_rate_method,
        {{ to_base_currency('p.amount', 'coalesce(d.native_rate, p.native_rate)', 'coalesce(d.rate_method, p.rate_method)') }}
            as amount_at_document_rate
    from {{ payments }} as p
    left join {{ documents }} as d on d.document_key = p.document_key
    -- money not applied to a document (bank receipts, prepayments) posts through its bank transaction
    where p.is_posted and p.payment_type <> 'other' and coalesce(p.payment_source, 'payment') = 'payment'
),

credited as (
    -- credit allocations to a payment's document up to the payment's date (same day: before it)
    {%- if credits %}
    select
        p.payment_key,
        sum(c.amount) as credit_amount,
        sum({{ to_base_currency('c.amount', 'p.document_native_rate', 'p.document_rate_method') }}) as credit_base_amount
    from pays_raw as p
    inner join ({{ credits }}) as c on c.document_key = p.document_key and c.credit_date <= p.payment_date
    group by p.payment_key
    {%- else %}
    select cast(null as varchar) as payment_key, cast(0 as decimal(18, 2)) as credit_amount,
        cast(0 as decimal(18, 2)) as credit_base_amount
    where false
    {%- endif %}
),

pays as (
    -- the payment that settles a document clears what is left of it in base currency (as ledgers do),
    -- the others relieve it at the document's rate; the difference to the bank is realized FX
    select
        p.*,
        case
            when p.document_total is not null
                and coalesce(c.credit_amount, 0) + sum(p.amount) over w_upto = p.document_total
                then p.document_base_total - coalesce(c.credit_base_amount, 0)
                    - coalesce(sum(p.amount_at_document_rate) over w_before, 0)
            else p.amount_at_document_rate
        end as control_base_amount
    from pays_raw as p
    left join credited as c on c.payment_key = p.payment_key
    window
        w_upto as (partition by p.document_key order by p.payment_date, p.payment_key rows between unbounded preceding and current row),
        w_before as (partition by p.document_key order by p.payment_date, p.payment_key rows between unbounded preceding and 1 preceding)
),

controls as (
    select role, account_code from {{ ref('int_ledger__control_accounts') }} where system = '{{ system }}'
),

entries as (
    -- each entry carries the columns of its payment, so no entry is joined back to it
    select
        'bank' as gl_entry_suffix, p.payment_key as entry_group_key, 1 as line_number, 'bank' as entry_role,
        p.bank_account_code as account_code, 'Bank' as description,
        p.bank_direction * p.amount as amount,
        p.bank_direction * p.base_amount as base_amount,
        {{ pay_columns }}
    from pays as p
    union all
    select
        'control', p.payment_key, 2, 'control', c.account_code,
        case when p.control_role = 'ar_control' then 'Accounts receivable' else 'Accounts payable' end,
        -p.bank_direction * p.amount,
        -p.bank_direction * p.control_base_amount,
        {{ pay_columns }}
    from pays as p
    left join controls as c on c.role = p.control_role
    union all
    select
        'fx', p.payment_key, 3, 'fx', c.account_code, 'Realized currency gain/loss',
        cast(0 as decimal(18, 2)),
        -p.bank_direction * (p.base_amount - p.control_base_amount),
        {{ pay_columns }}
    from pays as p
    left join controls as c on c.role = 'fx_gain_loss'
    where p.base_amount <> p.control_base_amount
)

select
    e.gl_entry_suffix,
    e.entry_group_key,
    '{{ system }}' as system,
    'payment' as source_type,
    e.native_id as source_native_id,
    e.document_number,
    e.payment_date as posting_date,
    e.period,
    e.account_code,
    e.description,
    e.party_key,
    e.line_number,
    e.entry_role,
    cast(e.amount as decimal(18, 2)) as amount,
    e.currency_code,
    cast(e.base_amount as decimal(18, 2)) as base_amount,
    e.base_currency,
    e._dlt_load_id
from entries as e
{%- endmacro %}


{#- Joins each row of `doc` to is_reversal: false for every document, and true once more for a voided one
    (its entries once as posted and once reversed). A join to two constant rows, not a lateral unnest of a
    per-row list: DuckDB decorrelates that by hashing every input row, which on millions of postings
    costs more than the rest of the model. -#}
{% macro reversal_join(doc) -%}
    inner join (values (false), (true)) as v (is_reversal)
        on not v.is_reversal or {{ doc }}.status_normalized = 'voided'
{%- endmacro %}

{#- When a voided document's reversal posts: the day it was voided (its last update), never before it posted. -#}
{% macro void_posting_date(doc) -%}
    greatest(coalesce(cast({{ doc }}.updated_at as date), {{ doc }}.posting_date), {{ doc }}.posting_date)
{%- endmacro %}

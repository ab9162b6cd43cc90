-- A ledger document settled in full by payments and credit notes, the last of them a payment, leaves
-- nothing on its receivable / payable control account in base currency: its own control line, its
-- payments' control lines and its credit-note allocations (at the document's rate) net to exactly zero.
-- The settling payment takes the remainder, so rounding lands once, on realized FX - never a cent left
-- on the control account (e.g. after a partial credit-note settlement in a foreign currency).
with documents as (
    select document_key, system, document_type, native_id, total_amount, native_rate, rate_method
    from {{ ref('documents') }}
    where system in ('xero', 'kashflow') and is_posted and status_normalized <> 'voided'
),

credits as (
    select d.document_key, a.allocation_date as credit_date, a.amount
    from {{ ref('stg_xero__credit_note_allocations') }} as a
    inner join {{ ref('stg_xero__credit_notes') }} as c on c._dlt_id = a._dlt_parent_id
    -- (an equi-join on the native id: a join on `document_key in (...)` is a nested loop)
    inner join documents as d on d.system = 'xero' and d.native_id = a.invoice_id
        and d.document_type in ('sales_invoice', 'bill')
    where c.is_posted and not coalesce(a.is_deleted, false) and a.amount is not null
    union all
    select document_key, payment_date, amount
    from {{ ref('payments') }}
    where system = 'kashflow' and status = 'credit_note' and document_key is not null
),

credit_totals as (
    select
        c.document_key,
        sum(c.amount) as amount,
        max(c.credit_date) as last_date,
        sum({{ to_base_currency('c.amount', 'd.native_rate', 'd.rate_method') }}) as base_amount
    from credits as c
    inner join documents as d on d.document_key = c.document_key
    group by c.document_key
),

payment_totals as (
    select
        p.document_key,
        sum(p.amount) as amount,
        max(p.payment_date) as last_date,
        sum(g.base_amount) as control_base_amount
    from {{ ref('payments') }} as p
    inner join {{ ref('gl_entries') }} as g on g.entry_group_key = p.payment_key and g.entry_role = 'control'
    where p.system in ('xero', 'kashflow') and p.is_posted
    group by p.document_key
),

document_control as (
    select entry_group_key as document_key, sum(base_amount) as base_amount
    from {{ ref('gl_entries') }}
    where system in ('xero', 'kashflow') and entry_role = 'control' and entry_group_key in (select document_key from documents)
    group by entry_group_key
)

select
    d.system,
    d.document_key,
    c.base_amount as document_control,
    p.control_base_amount as payments_control,
    coalesce(k.base_amount, 0) as credits_at_document_rate,
    c.base_amount + p.control_base_amount - sign(c.base_amount) * coalesce(k.base_amount, 0) as left_on_control
from documents as d
inner join document_control as c on c.document_key = d.document_key
inner join payment_totals as p on p.document_key = d.document_key
left join credit_totals as k on k.document_key = d.document_key
where p.amount + coalesce(k.amount, 0) = d.total_amount
    and p.last_date >= coalesce(k.last_date, p.last_date)
    and c.base_amount + p.control_base_amount - sign(c.base_amount) * coalesce(k.base_amount, 0) <> 0

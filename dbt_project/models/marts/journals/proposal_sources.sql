-- What each journal proposal summarizes, one row per source record (and, for a payment, per document it
-- pays), with the exception it addresses (exception_id). The proposal is the group (target, kind,
-- period, currency); kinds:
--   sales_summary / purchases_summary (target sage100): ledger documents missing in Sage 100;
--   cash_receipts_summary / payments_summary (target sage100): ledger payments missing in Sage 100;
--   adjustments (target sage100): documents both systems hold whose amount or tax Sage 100 has wrong;
--   cash_receipt (target xero): Sage 100 cash receipts Xero lacks, applied to invoices Xero holds — the
--     side lacking is the ledger, so the payment posts there (KashFlow has no writeback target).
-- What tieout already posted (int_recon__posted_proposals) is not missing any more and drops out.
{%- set daily = var('journal_period', 'month') == 'day' %}
with documents as (
    select document_key, native_id, base_total_amount from {{ ref('documents') }}
),

exceptions as (
    select exception_id, exception_type, natural_key from {{ ref('exceptions') }}
),

sage_documents as (
    select document_key, document_number, coalesce(sage100_source_journal, case when ledger_side = 'payable' then 'AP' end)
            as source_journal,
        coalesce(sage100_invoice_type, 'IN') as invoice_type
    from {{ ref('documents') }}
    where system = 'sage100'
),

missing_documents as (
    select t.system as source_system, t.source_document_key as source_key, d.native_id as source_native_id,
        t.source_document_number as document_number, t.source_document_type as document_type,
        cast(null as varchar) as sage100_document_key, cast(null as varchar) as sage100_document_number,
        cast(null as varchar) as ledger_document_number, t.source_party as party, t.source_date,
        t.source_amount, t.currency as source_currency, d.base_total_amount as source_base_amount,
        case when t.source_document_type like 'sales%' then 'sales_summary' else 'purchases_summary' end as kind,
        'sage100' as target, 'missing_in_sage100' as exception_type, t.source_document_key || '|' as natural_key
    from {{ ref('document_tieout') }} as t
    inner join documents as d on d.document_key = t.source_document_key
    where t.status = 'missing_in_sage100'
),

missing_payments as (
    select p.payment_system, p.payment_id, p.payment_ref, p.payment_ref, p.payment_kind, null, null, null, p.party_code,
        p.payment_date,
        p.amount, p.currency_code, null,
        case when p.payment_type like 'vendor%' then 'payments_summary' else 'cash_receipts_summary' end,
        'sage100', 'payment_missing_in_sage100', p.payment_id
    from {{ ref('int_recon__payments') }} as p
    where p.side = 'ledger' and p.expected_in_sage100 and not p.posted_by_tieout
        and p.payment_id not in (select ledger_payment_id from {{ ref('int_recon__payment_pairs') }})
),

mismatched as (
    -- pairs whose Sage 100 document has the wrong amount or tax (a few hundred)
    select t.*, m.exception_type, d.native_id, sd.source_journal as sage100_source_journal,
        sd.document_number as sage100_document_number, sd.invoice_type as sage100_document_type
    from {{ ref('document_tieout') }} as t
    cross join unnest(t.mismatches) as m(exception_type)
    inner join documents as d on d.document_key = t.source_document_key
    inner join sage_documents as sd on sd.document_key = t.sage100_document_key
    where t.relation = 'pair' and m.exception_type in ('amount_mismatch', 'tax_mismatch')
),

gl_documents as (
    -- which of those documents both general ledgers hold postings of (an adjustment is the difference of
    -- the two): the general ledger is probed with these few documents, not scanned for all of them. A
    -- ledger document's postings are the posting group of its key (macros/double_entry.sql)
    select distinct g.entry_group_key
    from {{ ref('gl_entries') }} as g
    inner join (select distinct source_document_key from mismatched) as m on g.entry_group_key = m.source_document_key
    where g.system <> 'sage100'
),

sage_gl_documents as (
    select distinct g.sage100_source_journal, g.document_number, g.sage100_document_type
    from {{ ref('gl_entries') }} as g
    inner join (select distinct sage100_source_journal, sage100_document_number, sage100_document_type
                from mismatched) as m
        on g.sage100_source_journal = m.sage100_source_journal and g.document_number = m.sage100_document_number
        and g.sage100_document_type = m.sage100_document_type
    where g.system = 'sage100'
),

adjusted_documents as (
    -- the Sage 100 document of a pair has the wrong amount or tax: post the difference of the postings
    select t.system, t.source_document_key, t.native_id, t.source_document_number, t.source_document_type,
        t.sage100_document_key, t.sage100_invoice_no, null, t.source_party, t.source_date,
        case t.exception_type when 'tax_mismatch' then t.tax_difference else t.difference end, t.currency, null,
        'adjustments', 'sage100', t.exception_type, t.source_document_key || '|' || t.sage100_document_key
    from mismatched as t
    inner join gl_documents as g on g.entry_group_key = t.source_document_key
    inner join sage_gl_documents as sg
        on sg.sage100_source_journal = t.sage100_source_journal and sg.document_number = t.sage100_document_number
        and sg.sage100_document_type = t.sage100_document_type
),

receipts_xero_lacks as (
    -- a Sage 100 customer receipt with no ledger payment, applied to a Sage 100 invoice paired with an
    -- open Xero invoice of the same currency that owes at least as much
    select p.payment_system, p.payment_id, p.payment_ref, p.payment_ref, 'customer_receipt', a.document_key,
        a.document_number, t.source_document_number, t.source_party, p.payment_date, a.allocated_amount, t.currency,
        cast(round(a.allocated_amount * l.base_total_amount / nullif(l.total_amount, 0), 2) as decimal(18, 2)),
        'cash_receipt', 'xero', 'payment_missing_in_source', p.payment_id
    from {{ ref('int_recon__payments') }} as p
    inner join {{ ref('int_recon__native_allocations') }} as a
        on a.payment_system = p.payment_system and a.payment_ref = p.payment_ref and a.payment_kind = 'payment'
    inner join {{ ref('document_tieout') }} as t on t.sage100_document_key = a.document_key and t.relation = 'pair'
    inner join {{ ref('int_recon__documents') }} as l on l.document_key = t.source_document_key
    where p.side = 'sage100' and p.payment_type = 'customer_receipt'
        and p.payment_id not in (select sage100_payment_id from {{ ref('int_recon__payment_pairs') }})
        and l.system = 'xero' and l.document_type = 'sales_invoice' and l.currency_code = t.sage100_currency
        and l.amount_due >= a.allocated_amount and a.allocated_amount > 0
),

sources as (
    select * from missing_documents
    union all select * from missing_payments
    union all select * from adjusted_documents
    union all select * from receipts_xero_lacks
),

base_currency as (
    select system, base_currency from {{ ref('int_base_currencies') }}
),

grouped as (
    select
        s.*,
        {% if daily %}strftime(s.source_date, '%Y-%m-%d'){% else %}strftime(s.source_date, '%Y-%m'){% endif %} as period,
        -- Sage 100 journals are in base currency; a Xero payment is in the invoice's currency
        case when s.target = 'xero' then s.source_currency else b.base_currency end as currency
    from sources as s
    inner join base_currency as b
        on b.system = case when s.source_system = 'sage100' then 'sage100' else s.source_system end
)

select
    {{ recon_hash(['g.target', 'g.kind', 'g.period', 'g.currency']) }} as proposal_id,
    g.target,
    g.kind,
    g.period,
    g.currency,
    g.source_system,
    g.source_key,
    g.source_native_id,
    g.document_number,
    g.document_type,
    g.sage100_document_key,
    g.sage100_document_number,
    g.ledger_document_number,
    g.party,
    g.source_date,
    g.source_amount,
    g.source_currency,
    g.source_base_amount,
    e.exception_id,
    g.exception_type
from grouped as g
left join exceptions as e on e.exception_type = g.exception_type and e.natural_key = g.natural_key

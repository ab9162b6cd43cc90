-- What each journal proposal summarizes: the ledger documents missing in Sage 100 (sales and purchases
-- summaries) and the ledger payments missing in Sage 100 (cash-receipts / payments summaries), one row
-- per source record with its proposal. The proposal is the group (target, kind, period, currency).
{%- set daily = var('journal_period', 'month') == 'day' %}
with missing_documents as (
    select t.system, t.source_document_key as source_key, t.source_document_number as document_number,
        t.source_document_type as document_type, d.native_id, t.source_date as posting_date, t.source_amount as amount,
        t.currency
    from {{ ref('document_tieout') }} as t
    inner join {{ ref('documents') }} as d on d.document_key = t.source_document_key
    where t.status = 'missing_in_sage100'
),

missing_payments as (
    select p.payment_system as system, p.payment_id as source_key, p.payment_ref as document_number,
        p.payment_kind as document_type, p.payment_ref as native_id, p.payment_date as posting_date, p.amount,
        p.currency_code as currency, p.payment_type
    from {{ ref('int_recon__payments') }} as p
    where p.side = 'ledger' and p.expected_in_sage100
        and p.payment_id not in (select ledger_payment_id from {{ ref('int_recon__payment_pairs') }})
),

sources as (
    select system, source_key, document_number, document_type, native_id, posting_date, amount, currency,
        case when document_type like 'sales%' then 'sales_summary' else 'purchases_summary' end as kind
    from missing_documents
    union all
    select system, source_key, document_number, document_type, native_id, posting_date, amount, currency,
        case when payment_type like 'vendor%' then 'payments_summary' else 'cash_receipts_summary' end
    from missing_payments
)

select
    {{ recon_hash(["'sage100'", 'kind', 'period', 'base_currency']) }} as proposal_id,
    'sage100' as target,
    kind,
    period,
    base_currency as currency,
    system as source_system,
    source_key,
    native_id as source_native_id,
    document_number,
    document_type,
    posting_date as source_date,
    amount as source_amount,
    source_currency
from (
    select s.*, s.currency as source_currency,
        {% if daily %}strftime(s.posting_date, '%Y-%m-%d'){% else %}strftime(s.posting_date, '%Y-%m'){% endif %} as period,
        (select min(base_currency) from {{ ref('gl_entries') }} where system = s.system) as base_currency
    from sources as s
)

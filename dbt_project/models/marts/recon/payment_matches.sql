{{ config(materialized='incremental', incremental_strategy='replace_changed', unique_key='match_id',
    on_schema_change='sync_all_columns', post_hook="{{ record_inputs_signature() }}") }}
-- Every payment of either system with its allocations to open items: the ones the system records
-- (rule 'native': a Xero payment's invoice, a KashFlow payment line, a Sage 100 cash receipt's
-- InvoiceNo, credit notes applied to invoices) and the ones inferred for money the ledger did not link
-- (bank receipts, payments on account) with the rule of payment_match_rules that found them.
-- document_number is the open item's number in the payment's system. A payment with nothing (or not
-- everything) allocated has a row with rule 'unallocated' for the rest. paired_payment_ref is the
-- same payment in the other system (int_recon__payment_pairs). A suggestion a person accepted in the app
-- (ops.match_decisions) is rule 'manual' with confidence 1; one they rejected is not suggested again.
{% call replace_changed_select('final') -%}
with native as (
    select * from {{ ref('int_recon__native_allocations') }}
),

pairs as (
    select ledger_payment_id as payment_id, 'sage100' as other_system, sage100_ref as other_ref from {{ ref('int_recon__payment_pairs') }}
    union all
    select sage100_payment_id, ledger_system, ledger_ref from {{ ref('int_recon__payment_pairs') }}
),

rows as (
    select
        n.payment_system, n.payment_ref, n.payment_kind, n.party_key, n.payment_date, n.open_item_system,
        n.document_key, n.document_number, n.allocated_amount, 'native' as rule, 1.0 as confidence,
        cast(null as decimal(18, 2)) as writeoff_amount,
        case when n.document_key is null and n.payment_kind <> 'on_account'
             then 'recorded by ' || n.payment_system || ' against ' || coalesce(n.document_number, '?') || ', which it does not hold'
             else 'recorded by ' || n.payment_system end as evidence,
        n.currency_code, cast(null as varchar) as decided_by, cast(null as timestamp) as decided_at
    from native as n
    union all
    select
        i.payment_system, i.payment_ref, i.payment_kind, i.party_key, i.payment_date, i.payment_system,
        i.document_key, i.document_number, i.allocated_amount, i.rule, i.confidence, i.writeoff_amount, i.evidence,
        i.currency_code, i.decided_by, i.decided_at
    from {{ ref('int_recon__inferred_allocations') }} as i
    union all
    -- what is left of unlinked money after the rules
    select
        p.payment_system, p.payment_ref, p.payment_kind, p.party_key, p.payment_date, p.payment_system,
        null, null, p.amount - coalesce(a.allocated, 0), 'unallocated', 0.0, null,
        'no rule allocated ' || cast(p.amount - coalesce(a.allocated, 0) as varchar) || ' of this payment',
        p.currency_code, null, null
    from {{ ref('int_recon__payments') }} as p
    left join (select payment_id, sum(allocated_amount) as allocated from {{ ref('int_recon__inferred_allocations') }} as inferred group by payment_id) as a
        on a.payment_id = p.payment_id
    where p.side = 'ledger' and p.payment_kind in ('bank_receipt', 'on_account')
        and p.amount - coalesce(a.allocated, 0) > 0
),

final as (
    select
        {{ recon_hash(['r.payment_system', 'r.payment_ref', 'r.document_key', 'r.document_number', 'r.rule']) }} as match_id,
        r.payment_system,
        r.payment_ref,
        r.payment_kind,
        r.open_item_system,
        r.document_number,
        r.document_key,
        cast(r.allocated_amount as decimal(18, 2)) as allocated_amount,
        r.currency_code as currency,
        r.rule,
        cast(r.confidence as double) as confidence,
        case when r.confidence >= {{ var('recon_auto_match_threshold', 0.9) }} then 'auto' else 'suggested' end as decision,
        r.evidence,
        r.writeoff_amount,
        r.party_key,
        pp.party_code as party,
        r.payment_date,
        p.amount as payment_amount,
        pr.other_system as paired_payment_system,
        pr.other_ref as paired_payment_ref,
        -- who accepted a suggested match (rule 'manual'), and when
        r.decided_by,
        r.decided_at
    from rows as r
    left join {{ ref('int_recon__payments') }} as p on p.payment_system = r.payment_system and p.payment_ref = r.payment_ref
    left join pairs as pr on pr.payment_id = p.payment_id
    left join {{ ref('parties') }} as pp on pp.party_key = r.party_key
)
{%- endcall %}

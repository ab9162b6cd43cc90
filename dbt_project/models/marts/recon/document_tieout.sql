{{ config(materialized='incremental', incremental_strategy='replace_changed', unique_key='tieout_id',
    on_schema_change='sync_all_columns', post_hook="{{ record_inputs_signature() }}") }}
-- Every ledger document paired with its Sage 100 counterpart (or alone), with a status from the
-- exception types: matched, missing_in_sage100, missing_in_source, duplicate_document,
-- currency_mismatch, customer_mismatch, status_mismatch, tax_mismatch, amount_mismatch, period_mismatch
-- (and not_posted for ledger drafts and voids that never reached Sage 100). `mismatches` lists every
-- disagreement of a pair; `status` is the first of them. What tieout's own approved journals fixed in
-- Sage 100 (int_recon__posted_proposals) is no longer an exception: a ledger document a posted summary
-- covered is summarized_in_sage100, a pair whose amount or tax a posted adjustment corrected is
-- adjusted_in_sage100 (unless another mismatch remains).
{% call replace_changed_select('final') -%}
with mapped_parties as (
    select distinct ledger_party_key from {{ ref('int_recon__party_map') }}
),

posted_summaries as (
    select distinct source_key from {{ ref('int_recon__posted_proposals') }}
    where kind in ('sales_summary', 'purchases_summary')
),

posted_adjustments as (
    select source_key, sage100_document_key, list(distinct exception_type) as adjusted_types
    from {{ ref('int_recon__posted_proposals') }}
    where kind = 'adjustments'
    group by all
),

rows as (
    -- pairs and Sage 100 duplicates
    select p.ledger_document_key, p.sage100_document_key, p.relation, p.duplicate_of_sage100_document_key,
        p.number_strength, p.party_agrees, p.days_apart
    from {{ ref('int_recon__document_pairs') }} as p
    union all
    -- ledger documents without a Sage 100 partner
    select l.document_key, null, 'ledger_only', null, null, null, null
    from {{ ref('int_recon__documents') }} as l
    where l.side = 'ledger' and l.document_key not in (select ledger_document_key from {{ ref('int_recon__document_pairs') }} as pairs where relation = 'pair')
    union all
    -- Sage 100 documents without a ledger partner
    select null, s.document_key, 'sage100_only', null, null, null, null
    from {{ ref('int_recon__documents') }} as s
    where s.side = 'sage100' and s.document_key not in (select sage100_document_key from {{ ref('int_recon__document_pairs') }} as pairs)
),

compared as (
    select
        r.*,
        l.system as ledger_system,
        l.document_type as ledger_document_type,
        l.document_number as ledger_document_number,
        l.party_key as ledger_party_key,
        l.party_code as ledger_party_code,
        l.issue_date as ledger_date,
        l.period as ledger_period,
        l.status_normalized as ledger_status,
        l.is_posted as ledger_is_posted,
        l.is_void as ledger_is_void,
        l.currency_code as ledger_currency,
        l.subtotal_amount as ledger_subtotal,
        l.tax_amount as ledger_tax,
        l.total_amount as ledger_total,
        s.document_type as sage100_document_type,
        s.document_number as sage100_invoice_no,
        s.sage100_invoice_type,
        s.native_id as sage100_native_id,
        s.party_key as sage100_party_key,
        s.sage100_division_no || '-' || s.party_code as sage100_customer_no,
        s.posting_date as sage100_posting_date,
        s.period as sage100_period,
        s.currency_code as sage100_currency,
        s.subtotal_amount as sage100_subtotal,
        s.tax_amount as sage100_tax,
        s.total_amount as sage100_total,
        s.amount_due as sage100_amount_due,
        d.document_number as duplicate_of_sage100_invoice_no,
        mp.ledger_party_key is not null as ledger_party_mapped,
        r.relation = 'ledger_only' and ps.source_key is not null as summarized,
        coalesce(pa.adjusted_types, []) as adjusted_types
    from rows as r
    left join {{ ref('int_recon__documents') }} as l on l.document_key = r.ledger_document_key
    left join {{ ref('int_recon__documents') }} as s on s.document_key = r.sage100_document_key
    left join {{ ref('int_recon__documents') }} as d on d.document_key = r.duplicate_of_sage100_document_key
    left join mapped_parties as mp on mp.ledger_party_key = l.party_key
    left join posted_summaries as ps on ps.source_key = r.ledger_document_key
    left join posted_adjustments as pa
        on pa.source_key = r.ledger_document_key and pa.sage100_document_key = r.sage100_document_key
),

judged as (
    select
        *,
        case
            when summarized then []
            when relation = 'ledger_only' and ledger_is_posted and not ledger_is_void then ['missing_in_sage100']
            when relation = 'ledger_only' then ['not_posted']
            when relation = 'sage100_only' then ['missing_in_source']
            when relation = 'sage100_duplicate' then ['duplicate_document']
            else list_filter([
                case when ledger_currency <> sage100_currency then 'currency_mismatch' end,
                case when not party_agrees and ledger_party_mapped then 'customer_mismatch' end,
                case when ledger_is_void or not ledger_is_posted then 'status_mismatch' end,
                case when ledger_currency = sage100_currency
                          and abs(ledger_tax - sage100_tax) > {{ var('recon_amount_tolerance', 0.01) }}
                          and abs(ledger_subtotal - sage100_subtotal) <= {{ var('recon_amount_tolerance', 0.01) }}
                     then 'tax_mismatch' end,
                case when ledger_currency = sage100_currency
                          and abs(ledger_total - sage100_total) > {{ var('recon_amount_tolerance', 0.01) }}
                          and not abs(ledger_subtotal - sage100_subtotal) <= {{ var('recon_amount_tolerance', 0.01) }}
                     then 'amount_mismatch' end,
                case when ledger_period <> sage100_period then 'period_mismatch' end
            ], lambda x: x is not null and not list_contains(adjusted_types, x))
        end as mismatches
    from compared
),

final as (
    select
        {{ recon_hash(['ledger_document_key', 'sage100_document_key', 'relation']) }} as tieout_id,
        coalesce(ledger_system, 'sage100') as system,
        ledger_document_key as source_document_key,
        ledger_document_number as source_document_number,
        ledger_document_type as source_document_type,
        sage100_document_key,
        sage100_invoice_no,
        sage100_invoice_type,
        sage100_customer_no,
        ledger_party_code as source_party,
        coalesce(mismatches[1], case when summarized then 'summarized_in_sage100'
                                     when len(adjusted_types) > 0 then 'adjusted_in_sage100'
                                     else 'matched' end) as status,
        mismatches,
        relation,
        ledger_status as source_status,
        ledger_total as source_amount,
        sage100_total as sage100_amount,
        coalesce(sage100_total, 0) - coalesce(ledger_total, 0) as difference,
        ledger_tax as source_tax,
        sage100_tax,
        coalesce(sage100_tax, 0) - coalesce(ledger_tax, 0) as tax_difference,
        coalesce(ledger_currency, sage100_currency) as currency,
        sage100_currency,
        ledger_date as source_date,
        sage100_posting_date,
        ledger_period as source_period,
        sage100_period,
        coalesce(ledger_period, sage100_period) as period,
        duplicate_of_sage100_invoice_no,
        number_strength as match_number_strength,
        party_agrees as match_party_agrees,
        days_apart as match_days_apart,
        sage100_amount_due
    from judged
)
{%- endcall %}

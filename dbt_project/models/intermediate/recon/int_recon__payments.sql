{{ config(materialized='incremental', incremental_strategy='replace_changed', unique_key='payment_id',
    on_schema_change='sync_all_columns', post_hook="{{ record_inputs_signature() }}") }}
-- Payments of every system, one row each: the payments behind the native allocations (credits
-- excluded) and the ledger's money not linked to any document (a bank receipt from a customer, a
-- prepayment or payment on account). payment_kind: payment (applied to documents), on_account
-- (prepayment / overpayment / advance, or a Sage 100 receipt with unapplied cash only) or bank_receipt
-- (received from a customer, coded to an account instead of an invoice). expected_in_sage100 says
-- whether Sage 100 should hold it as a cash receipt or check; posted_by_tieout that one of tieout's own
-- approved summaries brought it into Sage 100's general ledger (int_recon__posted_proposals).
{% call replace_changed_select('final') -%}
with allocations as (
    select * from {{ ref('int_recon__native_allocations') }}
    where payment_kind in ('payment', 'on_account')
),

from_allocations as (
    select
        payment_system,
        payment_ref,
        case when bool_and(payment_kind = 'on_account') then 'on_account' else 'payment' end as payment_kind,
        max(payment_type) as payment_type,
        max(party_key) as party_key,
        min(payment_date) as payment_date,
        sum(allocated_amount) as amount,
        sum(allocated_amount) filter (where payment_kind = 'on_account') as on_account_amount,
        max(currency_code) as currency_code,
        max(payment_text) as payment_text,
        count(*) as allocation_count
    from allocations
    group by payment_system, payment_ref
),

bank as (
    select
        system as payment_system,
        native_id as payment_ref,
        case when upper(coalesce(native_payment_type, '')) similar to '.*(PREPAYMENT|OVERPAYMENT|ADVANCE).*'
             then 'on_account' else 'bank_receipt' end as payment_kind,
        payment_type,
        party_key,
        payment_date,
        amount,
        case when upper(coalesce(native_payment_type, '')) similar to '.*(PREPAYMENT|OVERPAYMENT|ADVANCE).*'
             then amount end as on_account_amount,
        currency_code,
        reference as payment_text,
        0 as allocation_count
    from {{ ref('payments') }}
    where system in ('xero', 'kashflow') and payment_source = 'bank_transaction'
        and coalesce(status_normalized, 'posted') not in ('voided', 'deleted', 'draft')
),

unioned as (
    select * from from_allocations
    union all
    select * from bank
),

posted as (
    select distinct source_key from {{ ref('int_recon__posted_proposals') }}
    where kind in ('cash_receipts_summary', 'payments_summary')
),

party_map as (
    select ledger_party_key, sage100_party_key
    from {{ ref('int_recon__party_map') }}
    where is_primary
),

final as (
    select
        {{ recon_hash(['u.payment_system', 'u.payment_ref']) }} as payment_id,
        u.*,
        case when u.payment_system = 'sage100' then 'sage100' else 'ledger' end as side,
        case when u.payment_system = 'sage100' then u.party_key else pm.sage100_party_key end as sage100_party_key,
        p.party_code,
        u.payment_system <> 'sage100' and u.payment_kind in ('payment', 'on_account') as expected_in_sage100,
        strftime(u.payment_date, '%Y-%m') as period,
        posted.source_key is not null as posted_by_tieout
    from unioned as u
    left join party_map as pm on pm.ledger_party_key = u.party_key
    left join {{ ref('parties') }} as p on p.party_key = u.party_key
    left join posted on posted.source_key = {{ recon_hash(['u.payment_system', 'u.payment_ref']) }}
)
{%- endcall %}

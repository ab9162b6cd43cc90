{{ config(materialized='incremental', incremental_strategy='replace_changed', unique_key='document_key',
    on_schema_change='sync_all_columns', post_hook="{{ record_inputs_signature() }}") }}
-- Open items of the ledger (Xero / KashFlow) for payment matching: posted invoices and bills, not void,
-- with an amount still due, each with its number keys and its age order within the party.
{% call replace_changed_select('final') -%}
with final as (
    select
        d.document_key,
        d.system,
        d.document_type,
        d.ledger_side,
        d.document_number,
        d.party_key,
        d.issue_date,
        d.due_date,
        d.currency_code,
        d.total_amount,
        d.amount_due,
        d.number_code,
        d.number_digits,
        d.number_tail,
        row_number() over (partition by d.system, d.party_key, d.ledger_side, d.currency_code
                           order by d.issue_date, d.document_number) as age_rank
    from {{ ref('int_recon__documents') }} as d
    where d.side = 'ledger'
        and d.is_posted and not d.is_void
        and d.document_type in ('sales_invoice', 'bill')
        and d.amount_due > 0
)
{%- endcall %}

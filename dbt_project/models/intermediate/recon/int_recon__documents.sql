{{ config(materialized='incremental', incremental_strategy='replace_groups', unique_key='document_key',
    on_schema_change='append_new_columns') }}
-- Documents of every system in the shape the tie-out needs: invoices, bills and credit notes of the
-- ledger (Xero / KashFlow) and of Sage 100, with the resolved Sage 100 party of each ledger party
-- (identity resolution, core.parties) and the text that may name another system's number.
-- Incremental: a document is rebuilt when core rewrote it since this model's last run (`_built_at`) or
-- when what this model and the candidates read about its party changed (`party_state`: the party's id,
-- match, code and name and the Sage 100 parties identity resolution accepts for it); documents core no
-- longer holds are deleted. int_recon__document_candidates follows the rebuilt documents.
with parties as (
    select
        p.party_key, p.party_id, p.matched_party_key, p.party_code, p.party_name,
        {{ recon_hash(['p.party_id', 'p.matched_party_key', 'p.party_code', 'p.party_name', 'ip.sage100_parties']) }}
            as party_state
    from {{ ref('parties') }} as p
    left join (
        select ledger_party_key, string_agg(sage100_party_key, ',' order by sage100_party_key) as sage100_parties
        from {{ ref('int_identity__party_matches') }}
        where {{ recon_identity_accepted() }}
        group by ledger_party_key
    ) as ip on ip.ledger_party_key = p.party_key
),

{%- set incremental = incremental_with_columns(['_built_at', 'party_state', 'comment_keys']) %}
docs as (
    select * from {{ ref('documents') }}
    {%- if incremental %}
    where _built_at > {{ built_watermark() }}
        or document_key in (
            select t.document_key
            from {{ this }} as t
            left join parties as p on p.party_key = t.party_key
            where t.party_state is distinct from p.party_state)
    {%- endif %}
)

select
    d.document_key,
    d.system,
    case when d.system = 'sage100' then 'sage100' else 'ledger' end as side,
    d.document_type,
    d.ledger_side,
    d.native_id,
    d.document_number,
    d.reference,
    d.party_key,
    coalesce(p.party_code, d.sage100_party_code, d.party_native_id) as party_code,
    coalesce(p.party_name, d.party_name) as party_name,
    p.party_id,
    case when d.system = 'sage100' then d.party_key else p.matched_party_key end as identity_sage100_party_key,
    d.issue_date,
    d.due_date,
    coalesce(d.posting_date, d.issue_date) as posting_date,
    d.period,
    d.status,
    d.status_normalized,
    coalesce(d.is_posted, false) as is_posted,
    d.status_normalized in ('voided', 'deleted') as is_void,
    d.currency_code,
    d.base_currency,
    d.exchange_rate,
    coalesce(d.subtotal_amount, 0) as subtotal_amount,
    coalesce(d.tax_amount, 0) as tax_amount,
    coalesce(d.total_amount, 0) as total_amount,
    coalesce(d.amount_due, 0) as amount_due,
    coalesce(d.base_total_amount, 0) as base_total_amount,
    d.sage100_invoice_type,
    d.sage100_division_no,
    {{ recon_code_key('d.document_number') }} as number_code,
    {{ recon_digits_key('d.document_number') }} as number_digits,
    {{ recon_tail_key('d.document_number') }} as number_tail,
    {{ recon_code_key('d.reference') }} as reference_code,
    {{ recon_digits_key('d.reference') }} as reference_digits,
    {{ recon_tail_key('d.reference') }} as reference_tail,
    -- the keys a Sage 100 comment holds (the comment itself stays in core.documents), tokenized once here
    case when d.system = 'sage100' then {{ recon_comment_keys('d.sage100_comment') }} end as comment_keys,
    p.party_state,
    {{ built_at() }} as _built_at
from docs as d
left join parties as p on p.party_key = d.party_key
{{ tombstones('document_key', "select t.document_key from " ~ this ~ " as t where t.document_key not in (select document_key from " ~ ref('documents') ~ ")") }}

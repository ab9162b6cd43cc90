-- Documents of every system in the shape the tie-out needs: invoices, bills and credit notes of the
-- ledger (Xero / KashFlow) and of Sage 100, with the resolved Sage 100 party of each ledger party
-- (identity resolution, core.parties) and the text that may name another system's number.
with docs as (
    select * from {{ ref('documents') }}
),

parties as (
    select party_key, party_id, matched_party_key, party_code, party_name from {{ ref('parties') }}
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
    d.sage100_comment as comment,
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
    {{ recon_tail_key('d.reference') }} as reference_tail
from docs as d
left join parties as p on p.party_key = d.party_key

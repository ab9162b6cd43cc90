-- Every posting group derived from a ledger document, payment, bank transaction or journal balances:
-- debits equal credits in base currency, and in document currency. (Sage 100's GL detail is taken as
-- Sage posted it; an unbalanced Sage 100 register is a finding for reconciliation, not a model error.)
select
    system,
    entry_group_key,
    sum(base_amount) as base_difference,
    sum(amount) as document_currency_difference
from {{ ref('gl_entries') }}
where source_type <> 'gl_detail'
group by system, entry_group_key
having sum(base_amount) <> 0 or sum(amount) <> 0

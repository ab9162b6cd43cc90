-- Every journal proposal balances: its lines' debits equal its credits.
select proposal_id, sum(debit) as debit, sum(credit) as credit
from {{ ref('proposal_lines') }}
group by proposal_id
having sum(debit) <> sum(credit)

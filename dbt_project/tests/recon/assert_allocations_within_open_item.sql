-- Inferred allocations never exceed what the open item still owes.
select m.document_key, sum(m.allocated_amount) as allocated, max(i.amount_due) as amount_due
from {{ ref('payment_matches') }} as m
inner join {{ ref('int_recon__open_items') }} as i on i.document_key = m.document_key
where m.rule not in ('native', 'unallocated')
group by m.document_key
having sum(m.allocated_amount) > max(i.amount_due) + {{ var('recon_amount_tolerance', 0.01) }}

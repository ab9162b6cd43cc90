-- Allocations never exceed their payment (inferred ones; native ones are as the system recorded them).
select payment_system, payment_ref, max(payment_amount) as payment_amount, sum(allocated_amount) as allocated
from {{ ref('payment_matches') }}
where rule <> 'native'
group by payment_system, payment_ref
having sum(allocated_amount) > max(payment_amount) + {{ var('recon_amount_tolerance', 0.01) }}

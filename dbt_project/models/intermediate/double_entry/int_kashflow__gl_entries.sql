-- KashFlow's postings derived from its documents (invoices, purchases and their credit notes) and
-- payment lines, in document and base currency. KashFlow's API exposes no journal of its own.
with document_entries as (
    {{ document_gl_entries(ref('int_kashflow__documents'), ref('int_kashflow__document_lines'), 'kashflow') }}
),

payment_entries as (
    {{ payment_gl_entries(ref('int_kashflow__payments'), ref('int_kashflow__documents'), 'kashflow') }}
)

select * from document_entries
union all by name
select * from payment_entries

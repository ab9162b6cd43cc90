-- KashFlow purchases__payment_lines: Payments made against purchase invoices.
-- KashFlow date strings as dates/timestamps, amounts as DECIMAL(18,2), codes as text.
-- Built by macros/kashflow_staging.sql, shared with its sales/purchase twin.
{{ stg_kashflow_payment_lines('purchases__payment_lines') }}

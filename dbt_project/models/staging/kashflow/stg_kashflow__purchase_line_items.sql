-- KashFlow purchases__line_items: Lines of purchase invoices.
-- KashFlow date strings as dates/timestamps, amounts as DECIMAL(18,2), codes as text.
-- Built by macros/kashflow_staging.sql, shared with its sales/purchase twin.
{{ stg_kashflow_line_items('purchases__line_items') }}

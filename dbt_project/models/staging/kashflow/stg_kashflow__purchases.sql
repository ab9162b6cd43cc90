-- KashFlow purchases: Purchase invoices (bills).
-- KashFlow date strings as dates/timestamps, amounts as DECIMAL(18,2), codes as text, status through status_map.
-- Built by macros/kashflow_staging.sql, shared with its sales/purchase twin.
{{ stg_kashflow_documents('purchases', 'purchase', 'supplier') }}

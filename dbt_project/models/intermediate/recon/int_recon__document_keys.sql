-- Number keys of every document (the blocking keys of the document tie-out): its own number reduced
-- to alphanumerics, to digits and to its last run of digits, its reference (a bill's supplier number, a
-- customer PO) and, for Sage 100, the tokens of its comment (integrations often write the source number
-- there). key_kind says where a key came from; document_type lets the candidates block on the type too
-- (an invoice is never the counterpart of a bill, so their keys need not meet).
-- A view (macros/recon_keys.sql, recon_document_keys): a key is a function of its document's row, cheap
-- to compute where the candidates read it; storing the 13.7M keys of a large company cost more than
-- computing them. The candidates' incremental run computes the keys of its changed documents only.
{{ config(materialized='view') }}
{{ recon_document_keys(ref('int_recon__documents')) }}

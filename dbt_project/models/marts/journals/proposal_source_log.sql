-- Every version of every proposal ever built, with the records it summarized: (proposal_id, content_hash)
-- -> sources. Append-only (kept through --full-refresh): once a version is posted, the records it covered
-- are known from here even after the next build no longer proposes them. recon reads it, with Sage 100's
-- general ledger, in int_recon__posted_proposals to close what tieout's own postings fixed.
{{ config(materialized='incremental', full_refresh=false, on_schema_change='append_new_columns') }}

with current_sources as (
    select s.*, p.content_hash, p.posting_date
    from {{ ref('proposal_sources') }} as s
    inner join {{ ref('proposals') }} as p on p.proposal_id = s.proposal_id
)

select
    proposal_id,
    content_hash,
    target,
    kind,
    period,
    posting_date,
    source_system,
    source_key,
    source_native_id,
    document_number,
    document_type,
    exception_id,
    exception_type,
    sage100_document_key,
    source_amount,
    source_currency
from current_sources as c
{% if is_incremental() %}
where not exists (
    select 1 from {{ this }} as t
    where t.proposal_id = c.proposal_id and t.content_hash = c.content_hash and t.source_key = c.source_key
        and coalesce(t.exception_type, '') = coalesce(c.exception_type, '')
        and coalesce(t.document_number, '') = coalesce(c.document_number, '')
        and coalesce(t.sage100_document_key, '') = coalesce(c.sage100_document_key, '')
)
{% endif %}

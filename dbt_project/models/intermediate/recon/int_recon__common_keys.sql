{{ config(materialized='incremental', incremental_strategy='delete+insert',
    unique_key=['side', 'document_type', 'key_kind', 'key_value'], on_schema_change='append_new_columns') }}
-- Number keys too common to tell documents apart: a key held by more than `recon_max_key_documents`
-- documents of one type on one side (a reference like "Monthly retainer" on thousands of invoices, a word
-- every Sage 100 comment carries) is not a blocking key. Pairing on it would pair each of those documents
-- with each on the other side - a number of candidates growing as the square of theirs - and say nothing
-- about which is which; the documents are still paired by their other keys, or by party and amount.
-- Every run counts every key again. A row is written only when a key's status changes: is_common when the
-- key becomes common, not is_common when it no longer is (the row stays). So `_built_at` tells the
-- candidates which keys changed status since their last run; the documents holding them are paired again.
with common_now as (
    select side, document_type, key_kind, key_value
    from {{ ref('int_recon__document_keys') }}
    group by all
    having count(*) > {{ var('recon_max_key_documents', 50) }}
)

{%- if is_incremental() %},

previous as (
    select * from {{ this }}
)

-- keys that became common
select n.side, n.document_type, n.key_kind, n.key_value, true as is_common, {{ built_at() }} as _built_at
from common_now as n
left join previous as p on {{ recon_same_key('p', 'n') }}
where p.is_common is distinct from true
union all
-- keys that are no longer common
select p.side, p.document_type, p.key_kind, p.key_value, false as is_common, {{ built_at() }} as _built_at
from previous as p
anti join common_now as n on {{ recon_same_key('n', 'p') }}
where p.is_common
{%- else %}

select side, document_type, key_kind, key_value, true as is_common, {{ built_at() }} as _built_at
from common_now
{%- endif %}

{{ config(
    materialized='incremental',
    incremental_strategy='replace_groups',
    unique_key='document_key',
    on_schema_change='append_new_columns'
) }}
-- Lines of core.documents. Incremental by document: a changed document has all its lines replaced
-- (so a line removed at the source disappears too).
with changed_documents as (
    select document_key, native_id, base_currency from {{ ref('int_xero__documents') }}
    where {{ in_change_set('xero', 'documents', 'native_id') }}
    union all
    select document_key, native_id, base_currency from {{ ref('int_kashflow__documents') }}
    where {{ in_change_set('kashflow', 'documents', 'native_id') }}
    union all
    select document_key, native_id, base_currency from {{ ref('int_sage100__documents') }}
    where {{ in_change_set('sage100', 'documents', 'native_id') }}
),

unioned as (
    select * from {{ ref('int_xero__document_lines') }}
    union all by name
    select * from {{ ref('int_kashflow__document_lines') }}
    union all by name
    select * from {{ ref('int_sage100__document_lines') }}
),

documents as (
    select document_key, base_currency from {{ ref('int_xero__documents') }}
    union all
    select document_key, base_currency from {{ ref('int_kashflow__documents') }}
    union all
    select document_key, base_currency from {{ ref('int_sage100__documents') }}
)

select
    src.document_line_key,
    src.document_key,
    src.system,
    src.document_type,
    src.native_id,
    src.document_number,
    src.line_number,
    src.item_code,
    src.description,
    src.quantity,
    src.unit_price,
    src.account_code,
    src.tax_type,
    src.tax_amount,
    src.net_amount,
    src.currency_code,
    src.base_net_amount,
    src.base_tax_amount,
    d.base_currency,
    coalesce(src.is_synthetic, false) as is_synthetic,
    src._dlt_load_id,
    {{ built_at() }} as _built_at
from unioned as src
inner join changed_documents as d on d.document_key = src.document_key
{{ tombstones('document_key', 'select document_key from changed_documents') }}

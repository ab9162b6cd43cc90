{{ config(
    materialized='incremental',
    incremental_strategy='replace_groups',
    unique_key='document_key',
    on_schema_change='append_new_columns'
) }}
-- Lines of core.documents. Incremental by document: the lines the intermediate models rebuilt since this
-- model last ran are copied, and every changed document has all its lines replaced (so a line removed
-- at the source disappears too: macros/change_sets.sql names the changed documents).
with changed_documents as (
    select document_key from {{ ref('int_xero__documents') }}
    where {{ in_change_set('xero', 'documents', 'native_id') }}
    union all
    select document_key from {{ ref('int_kashflow__documents') }}
    where {{ in_change_set('kashflow', 'documents', 'native_id') }}
    union all
    select document_key from {{ ref('int_sage100__documents') }}
    where {{ in_change_set('sage100', 'documents', 'native_id') }}
),

unioned as (
    select * exclude (_built_at) from {{ ref('int_xero__document_lines') }}
    where {{ built_since_last_run('xero') }}
    union all by name
    select * exclude (_built_at) from {{ ref('int_kashflow__document_lines') }}
    where {{ built_since_last_run('kashflow') }}
    union all by name
    select * exclude (_built_at) from {{ ref('int_sage100__document_lines') }}
    where {{ built_since_last_run('sage100') }}
),

base as (
    select system, base_currency from {{ ref('int_base_currencies') }}
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
left join base as d on d.system = src.system
{{ tombstones('document_key', 'select document_key from changed_documents') }}

{{ config(materialized='view', meta={'tests_on_changed_rows': true}) }}
-- Lines of core.documents: a view over the incremental intermediate models int_<system>__document_lines
-- (each line is written once, there; a changed document has all its lines replaced, so a line removed at
-- the source disappears too). The line's key is derived from its document and line number where the
-- table does not store it (macros/derived_keys.sql).
with unioned as (
    select * from {{ ref('int_xero__document_lines') }}
    union all by name
    select * from {{ ref('int_kashflow__document_lines') }}
    union all by name
    select * from {{ ref('int_sage100__document_lines') }}
),

base as (
    select system, base_currency from {{ ref('int_base_currencies') }}
)

select
    {{ line_document_line_key('src') }} as document_line_key,
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
    src._built_at
from unioned as src
left join base as d on d.system = src.system


-- Items of every system; each ledger item with the Sage 100 item code it harmonizes to.
with items as (
    select * from {{ ref('int_xero__items') }}
    union all by name
    select * from {{ ref('int_kashflow__items') }}
    union all by name
    select * from {{ ref('int_sage100__items') }}
),

harmonized as (
    select * from {{ ref('int_items__harmonized') }}
)

select
    i.item_key,
    i.system,
    i.native_id,
    i.item_code,
    i.item_name,
    i.description,
    i.item_type,
    i.is_tracked,
    i.unit_price,
    i.unit_cost,
    i.sales_account_code,
    i.purchase_account_code,
    i.quantity_on_hand,
    i.is_active,
    case when i.system = 'sage100' then i.item_code else h.sage100_item_code end as sage100_item_code,
    case when i.system = 'sage100' then 'native' else coalesce(h.match_status, 'unmatched') end as match_status,
    h.candidate_sage100_item_code,
    h.match_score,
    h.evidence as match_evidence,
    i.tenant_id,
    i.updated_at,
    i._loaded_at
from items as i
left join harmonized as h on h.item_key = i.item_key

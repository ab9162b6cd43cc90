-- Xero items.
select
    'xero:' || i.item_code as item_key,
    'xero' as system,
    i.item_id as native_id,
    i.item_code,
    i.item_name,
    coalesce(i.description, i.item_name) as description,
    case when coalesce(i.is_tracked_as_inventory, false) then 'inventory' else 'non_inventory' end as item_type,
    coalesce(i.is_tracked_as_inventory, false) as is_tracked,
    i.sales_unit_price as unit_price,
    i.purchase_unit_price as unit_cost,
    i.sales_account_code,
    i.purchase_account_code,
    i.quantity_on_hand,
    true as is_active,
    i.tenant_id,
    i.updated_at,
    i._loaded_at
from {{ ref('stg_xero__items') }} as i
where i.item_code is not null

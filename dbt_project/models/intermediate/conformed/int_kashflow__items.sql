-- KashFlow products.
select
    'kashflow:' || p.product_code as item_key,
    'kashflow' as system,
    cast(p.product_id as varchar) as native_id,
    p.product_code as item_code,
    p.product_name as item_name,
    coalesce(p.description, p.product_name) as description,
    case when coalesce(p.manage_stock_level, false) then 'inventory' else 'non_inventory' end as item_type,
    coalesce(p.manage_stock_level, false) as is_tracked,
    p.price as unit_price,
    cast(null as decimal(18, 6)) as unit_cost,
    p.nominal_code as sales_account_code,
    cast(null as varchar) as purchase_account_code,
    p.quantity_in_stock as quantity_on_hand,
    not coalesce(p.is_archived, false) as is_active,
    cast(null as varchar) as tenant_id,
    cast(null as timestamp) as updated_at,
    p._loaded_at
from {{ ref('stg_kashflow__products') }} as p
where p.product_code is not null

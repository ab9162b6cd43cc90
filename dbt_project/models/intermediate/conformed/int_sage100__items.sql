-- Sage 100 items (CI_Item) with the warehouse quantities of IM_ItemWarehouse summed.
with warehouse as (
    select item_code, sum(quantity_on_hand) as quantity_on_hand
    from {{ ref('stg_sage100__im_item_warehouses') }}
    where is_open
    group by item_code
)

select
    'sage100:' || i.item_code as item_key,
    'sage100' as system,
    i.item_code as native_id,
    i.item_code,
    i.item_code_desc as item_name,
    i.item_code_desc as description,
    -- Sage 100 item types: 1 regular (stocked), 3 miscellaneous, 4 charge, 5 comment
    case i.item_type when '1' then 'inventory' when '3' then 'non_inventory' when '4' then 'charge'
        when '5' then 'comment' else 'other' end as item_type,
    i.item_type = '1' as is_tracked,
    i.standard_unit_price as unit_price,
    i.standard_unit_cost as unit_cost,
    sa.account as sales_account_code,
    ia.account as purchase_account_code,
    coalesce(w.quantity_on_hand, i.total_quantity_on_hand) as quantity_on_hand,
    coalesce(i.inactive_item, 'N') <> 'Y' as is_active,
    cast(null as varchar) as tenant_id,
    i.updated_at,
    i._loaded_at
from {{ ref('stg_sage100__ci_items') }} as i
left join warehouse as w on w.item_code = i.item_code
left join {{ ref('stg_sage100__gl_accounts') }} as sa on sa.account_key = i.sales_acct_key
left join {{ ref('stg_sage100__gl_accounts') }} as ia on ia.account_key = i.inventory_acct_key
where i.item_code is not null

-- Xero items: Products and services (Items endpoint).
-- /Date(..)/ values as dates/timestamps, amounts as DECIMAL(18,2), rates DECIMAL(18,10).
with source as (
    {{ raw_source('xero', 'items', ['item_id', 'tenant_id', 'code', 'name', 'description', 'purchase_description', 'is_sold', 'is_purchased', 'is_tracked_as_inventory', 'inventory_asset_account_code', 'quantity_on_hand', 'total_cost_pool', 'sales_details__unit_price', 'sales_details__account_code', 'sales_details__tax_type', 'purchase_details__unit_price', 'purchase_details__account_code', 'purchase_details__cogs_account_code', 'purchase_details__tax_type', 'updated_date_utc'], dlt_columns=['_dlt_load_id', '_dlt_id']) }}
),

renamed as (
    select
        'xero' as system,
        {{ clean_string('item_id') }} as item_id,
        {{ clean_string('tenant_id') }} as tenant_id,
        {{ clean_string('code') }} as item_code,
        {{ clean_string('name') }} as item_name,
        {{ clean_string('description') }} as description,
        {{ clean_string('purchase_description') }} as purchase_description,
        {{ to_bool('is_sold') }} as is_sold,
        {{ to_bool('is_purchased') }} as is_purchased,
        {{ to_bool('is_tracked_as_inventory') }} as is_tracked_as_inventory,
        {{ clean_string('inventory_asset_account_code') }} as inventory_asset_account_code,
        {{ to_decimal('quantity_on_hand', 18, 6) }} as quantity_on_hand,
        {{ to_money('total_cost_pool') }} as total_cost_pool,
        {{ to_decimal('sales_details__unit_price', 18, 6) }} as sales_unit_price,
        {{ clean_string('sales_details__account_code') }} as sales_account_code,
        {{ clean_string('sales_details__tax_type') }} as sales_tax_type,
        {{ to_decimal('purchase_details__unit_price', 18, 6) }} as purchase_unit_price,
        {{ clean_string('purchase_details__account_code') }} as purchase_account_code,
        {{ clean_string('purchase_details__cogs_account_code') }} as cogs_account_code,
        {{ clean_string('purchase_details__tax_type') }} as purchase_tax_type,
        {{ xero_timestamp('updated_date_utc') }} as updated_at,
        _dlt_id,
        _dlt_load_id,
        {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final

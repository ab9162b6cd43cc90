-- Sage 100 GL_FiscalYear: trimmed strings, DECIMAL amounts, blank dates (1753-01-01) as null,
-- decimal-hour audit times folded into created_at / updated_at. Key: FiscalYear.
with source as (
    {{ raw_source('sage100', 'gl_fiscal_year', ['fiscal_year', 'number_of_periods', 'beginning_date', 'ending_date', 'year_closed', 'date_created', 'time_created', 'user_created_key', 'date_updated', 'time_updated', 'user_updated_key', '_row_hash']) }}
)

select
    'sage100' as system,
    {{ clean_string('fiscal_year') }} as fiscal_year,
    {{ clean_string('number_of_periods') }} as number_of_periods,
    {{ blank_date_to_null('beginning_date') }} as beginning_date,
    {{ blank_date_to_null('ending_date') }} as ending_date,
    {{ clean_string('year_closed') }} as year_closed,
    {{ blank_date_to_null('date_created') }} as date_created,
    {{ clean_string('user_created_key') }} as user_created_key,
    {{ blank_date_to_null('date_updated') }} as date_updated,
    {{ clean_string('user_updated_key') }} as user_updated_key,
    {{ sage100_timestamp('date_created', 'time_created') }} as created_at,
    {{ sage100_timestamp('date_updated', 'time_updated') }} as updated_at,
    _row_hash,
    _dlt_load_id,
    {{ dlt_loaded_at('_dlt_load_id') }} as _loaded_at
from source

{#- Incremental runs of the large models (documents, lines, payments, postings): the conformed and
    double-entry intermediate models are incremental tables, and core's documents, document_lines, payments
    and gl_entries are views over them, so each row is written once and core always equals a full rebuild.

    What changed is decided from dlt's load ids: a model's watermark is the newest `_dlt_load_id` among
    its rows (per system); raw rows loaded after it changed. A changed document brings its lines, its
    postings and every payment applied to it (a payment's postings depend on the document's rate and on
    the document's other payments); a changed payment brings the other payments of its document.
    Small entities (bank transactions, manual journals) are rebuilt whole on every run, and a change to a
    system's reference data (accounts, items, currencies, organisation, divisions, bank accounts) rebuilds
    that system in full. The change sets are in macros/change_sets.sql.

    Models use the `replace_groups` strategy: every key (`unique_key`: a document, a posting group, ...)
    in the batch is deleted from the table, then the batch's rows are inserted. A batch row whose `system`
    is null is a *tombstone*: it deletes its key and is not inserted, so a document that lost its lines
    or a posting group that no longer posts (voided, deleted) disappears as in a full refresh. -#}

{% macro get_incremental_replace_groups_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- if not unique_key or (unique_key is sequence and unique_key is not string) -%}
        {{ exceptions.raise_compiler_error("replace_groups needs one unique_key column (the group to replace)") }}
    {%- endif %}
    delete from {{ target }}
    where {{ unique_key }} in (select {{ unique_key }} from {{ source }});
    insert into {{ target }} ({{ dest_cols_csv }})
    select {{ dest_cols_csv }} from {{ source }} where system is not null
{%- endmacro %}

{#- The newest load a model holds for `system`, read once when the model runs and compared as a literal,
    so that scans skip the row groups loaded before it (dlt load ids are epoch seconds as text with ten
    integer digits: text order is time order). '' when the model holds none. -#}
{% macro load_watermark(system) -%}
    {%- set newest = '' -%}
    {%- if execute and is_incremental() -%}
        {%- set result = run_query("select max(_dlt_load_id) from " ~ this
            ~ " where system = '" ~ system ~ "'") -%}
        {%- set newest = result.columns[0].values()[0] or '' -%}
    {%- endif -%}
    '{{ newest }}'
{%- endmacro %}

{#- True for a raw row loaded after the model's watermark (always true outside incremental runs). -#}
{% macro is_newer(load_id, system) -%}
    {%- if is_incremental() -%}
    {{ load_id }} > {{ load_watermark(system) }}
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- `column` is in the change set `entity` of `system` (always true outside incremental runs or when the
    system's reference data changed). -#}
{% macro in_change_set(system, entity, column) -%}
    {#- rendered always, so that parsing records the refs the change set reads -#}
    {%- set keys_sql = change_set(system, entity) -%}
    {%- set reference_sql = reference_changed(system) -%}
    {%- if is_incremental() -%}
    ({{ column }} in ({{ keys_sql }}) or {{ reference_sql }})
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- A row of `system` loaded since the model's watermark, or any row when the system's reference data changed. -#}
{% macro changed_since_last_run(load_id, system) -%}
    {%- set reference_sql = reference_changed(system) -%}
    {%- if is_incremental() -%}
    ({{ is_newer(load_id, system) }} or {{ reference_sql }})
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- Tombstones for the keys `keys_sql` selects (one column, named `key_column`), only in incremental runs. -#}
{% macro tombstones(key_column, keys_sql) -%}
    {%- if is_incremental() %}
    union all by name
    select distinct k.{{ key_column }} from ({{ keys_sql }}) as k
    {%- endif %}
{%- endmacro %}

{#- Kept for models of other areas: rows loaded after the newest load already in the model, per system. -#}
{% macro loaded_since_last_run(alias='src') -%}
    {%- if is_incremental() %}
    where cast({{ alias }}._dlt_load_id as double) > coalesce(
        (select max(cast(t._dlt_load_id as double)) from {{ this }} as t where t.system = {{ alias }}.system), -1)
    {%- endif %}
{%- endmacro %}

{#- When this dbt invocation started, as a timestamp: the rows a run writes carry it (`_built_at`). -#}
{% macro built_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}


{#- `replace_pairs`: a model keyed by a pair of columns (`replace_keys`, e.g. a ledger and a Sage 100 document).
    A batch row whose `tombstone_column` is null is a tombstone for the value it holds in one of the key columns:
    every row holding that value in that column is deleted (the pairs of a changed document, on its side);
    the other batch rows are inserted. -#}
{% macro get_incremental_replace_pairs_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set keys = config.get('replace_keys') or [] -%}
    {%- set marker = config.get('tombstone_column') -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- if keys | length == 0 or not marker -%}
        {{ exceptions.raise_compiler_error("replace_pairs needs replace_keys (the key columns) and tombstone_column") }}
    {%- endif %}
    delete from {{ target }}
    where {% for k in keys -%}
        {{ k }} in (select {{ k }} from {{ source }} where {{ marker }} is null and {{ k }} is not null)
        {{- ' or ' if not loop.last }}
    {%- endfor %};
    insert into {{ target }} ({{ dest_cols_csv }})
    select {{ dest_cols_csv }} from {{ source }} where {{ marker }} is not null
{%- endmacro %}


{#- is_incremental(), and the model's table already has `columns`: a table built before the model became
    incremental (or before it had these columns) is rebuilt in full once, with tombstones for its old keys. -#}
{% macro incremental_with_columns(columns) -%}
    {%- if not (execute and is_incremental()) -%}{{ return(false) }}{%- endif -%}
    {%- set existing = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- for c in columns if c | lower not in existing -%}{{ return(false) }}{%- endfor -%}
    {{ return(true) }}
{%- endmacro %}

{#- The newest `_built_at` of the model's rows: rows of its sources written after it are new to it. A model
    holding no rows yet has seen nothing (every source row is new). -#}
{% macro built_watermark() -%}
    coalesce((select max(_built_at) from {{ this }}), cast('1900-01-01' as timestamp))
{%- endmacro %}


{#- `replace_changed`: a model computed whole on every run (its logic reads across many rows: pairings,
    rankings, allocations) that writes only the rows whose content changed. Every row carries `_row_hash`,
    a hash of all its other columns but `_built_at` (replace_changed_select); rows of the new result whose
    hash the table does not hold are inserted (with this run's `_built_at`), rows of the table whose hash
    the new result does not hold are deleted, the rest stay as they were. So the table always equals a full
    rebuild, costs the query but not the write of unchanged rows, and `_built_at` says which rows changed
    (the tests check those: macros/test_changed_rows.sql). The model's rows must be unique (a unique key,
    `unique_key`, tested): two equal rows would be one hash. A 64-bit hash shared by an old and a new row of
    different content would keep the old row: about one chance in 10^12 per changed row on ten million rows. -#}
{% macro get_incremental_replace_changed_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- if not arg_dict['unique_key'] -%}
        {{ exceptions.raise_compiler_error("replace_changed needs unique_key: the model's rows must be unique") }}
    {%- endif %}
    {%- if replace_changed_skipped() %}
    -- inputs unchanged since the last run (replace_changed_select): nothing to write
    select 1
    {%- else %}
    {#- (not exists, not `not in`: a table built before the model was replace_changed has rows without a hash) #}
    delete from {{ target }} as t
    where not exists (select 1 from {{ source }} as s where s._row_hash = t._row_hash);
    insert into {{ target }} ({{ dest_cols_csv }})
    select {{ dest_cols_csv }} from {{ source }} as s
    where not exists (select 1 from {{ target }} as t where t._row_hash = s._row_hash)
    {%- endif %}
{%- endmacro %}

{#- A `replace_changed` model's SQL, wrapped in `{% call replace_changed_select('final') %} ... {% endcall %}`:
    the model's query (ending in the CTE `cte`), then every column of `cte` with its `_row_hash` and
    `_built_at`.

    The query is not run when neither the model's SQL (as rendered, macros included) nor its inputs changed
    since it last ran: the result would be the same, and nothing would be written. The inputs' state is a
    signature read cheaply (inputs_signature); the model's post-hook (record_inputs_signature) records it
    in intermediate.tieout_model_inputs. A --full-refresh, a first run, a table without `_row_hash` or an
    input without a signature always runs the query. -#}
{% macro replace_changed_select(cte) -%}
    {%- set query = caller() -%}
    {%- set inputs = inputs_signature() -%}
    {%- set signature = none if inputs is none else local_md5(query ~ '|' ~ inputs) -%}
    {%- if signature is not none and replace_changed_signature_recorded(signature) %}
-- tieout: inputs unchanged, signature {{ signature }}
select * from {{ this }} where false
    {%- else %}
{{ query }}

select *, {{ row_hash(cte) }} as _row_hash, {{ built_at() }} as _built_at
from {{ cte }}
-- tieout: inputs signature {{ signature or 'none' }}
    {%- endif %}
{%- endmacro %}

{#- The state of the model's inputs (the models and seeds it refs), or none when one cannot be read cheaply:
    - a model whose rows carry `_built_at` (declared in its yml) and are only ever replaced by dbt
      (incremental models, replace_changed ones, core's views over them): its row count and newest
      `_built_at` (a run that writes a row writes it with a later `_built_at`; one that only deletes lowers
      the count);
    - a table or seed of at most `replace_changed_max_hashed_rows` rows (100,000): its row count and the
      sum of its rows' hashes (its content);
    - anything else (a view over raw data, a bigger table): none. -#}
{% macro inputs_signature() -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- set parts = [] -%}
    {%- for input_id in graph.nodes[model.unique_id].depends_on.nodes -%}
        {%- set input = graph.nodes.get(input_id) -%}
        {%- if input is none -%}{{ return(none) }}{%- endif -%}
        {%- set relation = adapter.get_relation(input.database, input.schema, input.alias or input.name) -%}
        {%- if relation is none -%}{{ return(none) }}{%- endif -%}
        {%- set by_built_at = '_built_at' in input.get('columns', {}) and (input.config.materialized == 'incremental'
            or (input.config.get('meta') or {}).get('tests_on_changed_rows', false)) -%}
        {%- if by_built_at -%}
            {%- set found = run_query("select count(*) || ':' || coalesce(cast(max(_built_at) as varchar), '') from "
                ~ relation) -%}
        {%- elif input.config.materialized in ('table', 'seed') -%}
            {%- set found = run_query("select case when count(*) <= " ~ var('replace_changed_max_hashed_rows', 100000)
                ~ " then count(*) || ':' || coalesce(cast(sum(cast(" ~ row_hash('t') ~ " as hugeint)) as varchar), '')"
                ~ " end from " ~ relation ~ " as t") -%}
        {%- else -%}
            {{ return(none) }}
        {%- endif -%}
        {%- set value = found.columns[0].values()[0] -%}
        {%- if value is none -%}{{ return(none) }}{%- endif -%}
        {%- do parts.append(input_id ~ '=' ~ value) -%}
    {%- endfor -%}
    {{ return(parts | join('|')) }}
{%- endmacro %}

{#- A table of the build's own bookkeeping (tests passed, models' input signatures) in the intermediate schema. -#}
{% macro state_relation(identifier) -%}
    {{ return(api.Relation.create(database=target.database, schema=generate_schema_name('intermediate', none),
        identifier=identifier)) }}
{%- endmacro %}

{% macro model_inputs_relation() -%}
    {{ return(state_relation('tieout_model_inputs')) }}
{%- endmacro %}

{#- In an incremental run of a table that has its `_row_hash`: `signature` is the one recorded when the model
    last ran. -#}
{% macro replace_changed_signature_recorded(signature) -%}
    {%- if not (execute and is_incremental()) or flags.FULL_REFRESH -%}{{ return(false) }}{%- endif -%}
    {%- if not incremental_with_columns(['_row_hash', '_built_at']) -%}{{ return(false) }}{%- endif -%}
    {%- set state = model_inputs_relation() -%}
    {%- if adapter.get_relation(state.database, state.schema, state.identifier) is none -%}{{ return(false) }}{%- endif -%}
    {%- set found = run_query("select count(*) from " ~ state ~ " where model_id = '" ~ model.unique_id
        ~ "' and signature = '" ~ signature ~ "'") -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}

{#- The running model's query was not run (replace_changed_select). -#}
{% macro replace_changed_skipped() -%}
    {{ return('-- tieout: inputs unchanged, signature ' in (model.compiled_code or '')) }}
{%- endmacro %}

{#- post-hook of a replace_changed model: remember the signature its SQL carries (none: forget it). -#}
{% macro record_inputs_signature() -%}
    {%- if not execute or replace_changed_skipped() -%}{{ return('select 1') }}{%- endif -%}
    {%- set state = model_inputs_relation() -%}
    {%- set found = modules.re.search('-- tieout: inputs signature ([0-9a-f]+)', model.compiled_code or '') -%}
    create schema if not exists {{ state.schema }};
    create table if not exists {{ state }} (model_id varchar, signature varchar, recorded_at timestamp);
    delete from {{ state }} where model_id = '{{ model.unique_id }}';
    {%- if found %}
    insert into {{ state }} values ('{{ model.unique_id }}', '{{ found.group(1) }}', {{ built_at() }});
    {%- endif %}
{%- endmacro %}

{#- A 64-bit hash of every column of the row of `relation` (a table or CTE name), dispatched: DuckDB hashes
    the row as a struct. -#}
{% macro row_hash(relation) -%}
    {{ return(adapter.dispatch('row_hash', 'tieout')(relation)) }}
{%- endmacro %}

{% macro default__row_hash(relation) -%}
    hash({{ relation }})
{%- endmacro %}

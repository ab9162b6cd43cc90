{#- Data tests of incremental models check the rows written since the test last passed.

    A row of an incremental model (and of the core views over them) carries `_built_at`, when the run that
    wrote it started; a row an incremental run leaves alone is exactly as it was. So once a test has
    passed, the rows it checked stay good until they are rewritten, and the next run only needs to check
    the rows with a later `_built_at`:
    - row-by-row tests (not_null, accepted_values, non_negative, status_is_mapped) check those rows;
    - uniqueness tests (unique, unique_combination) check every row whose key is among those rows' keys
      (a duplicate always involves a row written since, because the rows before were unique);
    - relationship tests and singular tests always check everything (a parent can disappear while its
      children stay; whole-ledger checks are not row by row).
    When a test last passed is recorded per test at the end of every dbt invocation (on-run-end:
    record_passed_tests) in the warehouse itself, keyed by the test's definition and its model's SQL, so a
    changed test or model checks everything again, a failing test keeps checking every row it has not
    passed on, and a --full-refresh (every row rewritten) checks everything. Only models whose rows carry
    `_built_at` (declared in their yml) and that opt in are filtered: incremental models, and views with
    `meta: {tests_on_changed_rows: true}` whose rows are those of incremental models (core's documents,
    document_lines, payments, gl_entries; document_lines joins the system's base currency, reference data
    whose change rebuilds the system).

    Staging views over a raw table carry dlt's `_dlt_load_id` instead: dlt writes a new or changed record
    with the id of the load that wrote it and leaves the other rows as they are. Their row and uniqueness
    tests check the rows loaded since the test last passed: the pass records the newest load the view held
    among the loads dlt completed (`passed_load_id`; a load still unfinished may write more rows under its
    id later, so its rows stay to be checked), and the next run checks the rows of later loads. Only views
    whose yml declares `_dlt_load_id` (views over dlt's root tables: its nested tables carry no load id) are
    filtered; the seeds a view joins (status_map) are part of the test's identity, so a changed seed checks
    every row. -#}

{% macro test_state_relation() -%}
    {{ return(state_relation('tieout_test_passes')) }}
{%- endmacro %}

{#- The test's identity: its id, arguments and the SQL of the model it tests. -#}
{% macro test_state_key(test_id) -%}
    {%- set node = graph.nodes.get(test_id) -%}
    {%- if node is none or not node.get('test_metadata') -%}{{ return(none) }}{%- endif -%}
    {%- set tested = graph.nodes.get(node.get('attached_node') or '', {}) -%}
    {%- set seeds = [] -%}
    {%- for parent in (tested.get('depends_on') or {}).get('nodes', []) if parent.startswith('seed.') -%}
        {%- do seeds.append(((graph.nodes.get(parent) or {}).get('checksum') or {}).get('checksum', '')) -%}
    {%- endfor -%}
    {{ return(local_md5(test_id ~ '|' ~ tojson(node.test_metadata) ~ '|' ~ tojson(node.config.get('where'))
        ~ '|' ~ (tested.get('checksum') or {}).get('checksum', '') ~ ('|' ~ seeds | join(',') if seeds else ''))) }}
{%- endmacro %}

{#- Whether the tests of the model `attached` (a node id) may check only the rows written since. -#}
{% macro tests_on_changed_rows(attached) -%}
    {%- set tested = graph.nodes.get(attached or '', none) -%}
    {%- if tested is none or tested.resource_type != 'model' -%}{{ return(false) }}{%- endif -%}
    {{ return(tested.config.materialized == 'incremental'
        or (tested.config.get('meta') or {}).get('tests_on_changed_rows', false)) }}
{%- endmacro %}

{#- Whether the tests of the model `attached` may check only the rows loaded since: a staging view over a
    dlt root table (its yml declares `_dlt_load_id`). -#}
{% macro tests_on_loaded_rows(attached) -%}
    {%- set tested = graph.nodes.get(attached or '', none) -%}
    {{ return(tested is not none and tested.resource_type == 'model' and tested.config.materialized == 'view'
        and '_dlt_load_id' in tested.get('columns', {}) and not tests_on_changed_rows(attached)) }}
{%- endmacro %}

{#- When the test running now last passed on this warehouse (a timestamp literal), or, with `load_id`, the
    newest load its model held then (a text literal); none when it never passed. -#}
{% macro test_last_passed(load_id=false) -%}
    {%- if not execute or model.resource_type != 'test' -%}{{ return(none) }}{%- endif -%}
    {%- set key = test_state_key(model.unique_id) -%}
    {%- set state = test_state_relation() -%}
    {%- if key is none or adapter.get_relation(state.database, state.schema, state.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if load_id -%}
        {%- if 'passed_load_id' not in adapter.get_columns_in_relation(state) | map(attribute='name') | list -%}
            {{ return(none) }}
        {%- endif -%}
        {%- set found = run_query("select max(passed_load_id) from " ~ state ~ " where test_key = '" ~ key ~ "'") -%}
        {%- set passed = found.columns[0].values()[0] -%}
        {{ return(none if passed is none else "'" ~ passed ~ "'") }}
    {%- endif -%}
    {%- set found = run_query("select max(passed_run_started_at) from " ~ state ~ " where test_key = '" ~ key ~ "'") -%}
    {%- set passed = found.columns[0].values()[0] -%}
    {{ return(none if passed is none else "cast('" ~ passed ~ "' as timestamp)") }}
{%- endmacro %}

{#- dbt wraps the model of every generic test in this macro (dbt's own honours the `where` config). -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set meta = graph.nodes.get(model.unique_id, {}).get('test_metadata') if execute else none -%}
    {%- set row_tests = ['not_null', 'accepted_values', 'non_negative', 'status_is_mapped'] -%}
    {%- set key_tests = ['unique', 'unique_combination'] -%}
    {%- set attached = graph.nodes[model.unique_id].get('attached_node') if meta else none -%}
    {#- `newer` is the condition on a row (alias prefix `{}`) written or loaded since the test last passed -#}
    {%- set newer = none -%}
    {#- only models whose yml declares `_built_at` or `_dlt_load_id` (the declaration, not a query per test:
        tests/test_recon_small.py and tests/test_dbt_build.py check them against the built tables), and not on
        a --full-refresh, which rewrites every row -#}
    {%- if meta and meta.name in row_tests + key_tests and not flags.FULL_REFRESH -%}
        {%- if tests_on_changed_rows(attached) and '_built_at' in graph.nodes[attached].get('columns', {}) -%}
            {%- set since = test_last_passed() -%}
            {%- set newer = none if since is none else '{}_built_at > ' ~ since -%}
        {%- elif tests_on_loaded_rows(attached) -%}
            {%- set since = test_last_passed(load_id=true) -%}
            {%- set newer = none if since is none else '({}_dlt_load_id is null or {}_dlt_load_id > ' ~ since ~ ')' -%}
        {%- endif -%}
    {%- endif -%}
    {%- set conditions = [] -%}
    {%- if where -%}{%- do conditions.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- if newer is not none and meta.name in row_tests -%}
        {%- do conditions.append(newer | replace('{}', '')) -%}
    {%- elif newer is not none -%}
        {%- set keys = [meta.kwargs.column_name] if meta.name == 'unique' else meta.kwargs.columns -%}
        {%- set matches = [] -%}
        {%- for k in keys -%}{%- do matches.append('c.' ~ k ~ ' is not distinct from r.' ~ k) -%}{%- endfor -%}
        {%- do conditions.append('exists (select 1 from ' ~ relation ~ ' as c where ' ~ newer | replace('{}', 'c.')
            ~ ' and ' ~ matches | join(' and ') ~ ')') -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' as r where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The table of the loads dlt completed (`_dlt_loads`) in the raw schema the staging view `attached` reads,
    or none (a view over no raw table, or a source not loaded into this warehouse). -#}
{% macro loads_completed_relation(attached) -%}
    {%- set sources = [] -%}
    {%- for parent in graph.nodes[attached].depends_on.nodes if parent.startswith('source.') -%}
        {%- do sources.append(graph.sources[parent]) -%}
    {%- endfor -%}
    {%- if sources | length != 1 -%}{{ return(none) }}{%- endif -%}
    {{ return(adapter.get_relation(database=sources[0].database, schema=sources[0].schema, identifier='_dlt_loads')) }}
{%- endmacro %}

{#- on-run-end: the SQL that remembers when each test that passed in this invocation passed (its run's
    start) and, for a test of a staging view over raw data, the newest load its view holds; nothing when none
    passed. -#}
{% macro record_passed_tests(results) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set rows = [] -%}
    {%- set keys = [] -%}
    {%- set loaded = {} -%}
    {%- for r in results if r.node.resource_type == 'test' and r.status == 'pass' -%}
        {%- set key = test_state_key(r.node.unique_id) -%}
        {%- if key is not none -%}
            {%- set attached = graph.nodes[r.node.unique_id].get('attached_node') or '' -%}
            {%- if tests_on_loaded_rows(attached) and attached not in loaded -%}
                {%- set completed = loads_completed_relation(attached) -%}
                {%- if completed is not none -%}
                    {%- set tested = graph.nodes[attached] -%}
                    {%- do loaded.update({attached: (api.Relation.create(database=tested.database,
                        schema=tested.schema, identifier=tested.alias), completed)}) -%}
                {%- endif -%}
            {%- endif -%}
            {%- do keys.append("'" ~ key ~ "'") -%}
            {%- do rows.append("('" ~ key ~ "', '" ~ r.node.unique_id ~ "', '" ~ attached ~ "')") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not rows -%}{{ return('') }}{%- endif -%}
    {%- set state = test_state_relation() -%}
    create schema if not exists {{ state.schema }};
    create table if not exists {{ state }} (test_key varchar, test_id varchar, passed_run_started_at timestamp);
    alter table {{ state }} add column if not exists passed_load_id varchar;
    delete from {{ state }} where test_key in ({{ keys | join(', ') }});
    insert into {{ state }} (test_key, test_id, passed_run_started_at, passed_load_id)
    select v.test_key, v.test_id, cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp), l.newest
    from (values {{ rows | join(', ') }}) as v (test_key, test_id, model_id)
    left join (
        select cast(null as varchar) as model_id, cast(null as varchar) as newest where false
        {%- for model_id, (relation, completed) in loaded.items() %}
        union all select '{{ model_id }}', max(_dlt_load_id) from {{ relation }}
            where _dlt_load_id in (select load_id from {{ completed }} where status = 0)
        {%- endfor %}
    ) as l on l.model_id = v.model_id
{%- endmacro %}

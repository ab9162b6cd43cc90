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
    whose change rebuilds the system). -#}

{% macro test_state_relation() -%}
    {{ return(state_relation('tieout_test_passes')) }}
{%- endmacro %}

{#- The test's identity: its id, arguments and the SQL of the model it tests. -#}
{% macro test_state_key(test_id) -%}
    {%- set node = graph.nodes.get(test_id) -%}
    {%- if node is none or not node.get('test_metadata') -%}{{ return(none) }}{%- endif -%}
    {%- set tested = graph.nodes.get(node.get('attached_node') or '', {}) -%}
    {{ return(local_md5(test_id ~ '|' ~ tojson(node.test_metadata) ~ '|' ~ tojson(node.config.get('where'))
        ~ '|' ~ (tested.get('checksum') or {}).get('checksum', ''))) }}
{%- endmacro %}

{#- Whether the tests of the model `attached` (a node id) may check only the rows written since. -#}
{% macro tests_on_changed_rows(attached) -%}
    {%- set tested = graph.nodes.get(attached or '', none) -%}
    {%- if tested is none or tested.resource_type != 'model' -%}{{ return(false) }}{%- endif -%}
    {{ return(tested.config.materialized == 'incremental'
        or (tested.config.get('meta') or {}).get('tests_on_changed_rows', false)) }}
{%- endmacro %}

{#- When the test running now last passed on this warehouse (a timestamp literal), or none. -#}
{% macro test_last_passed() -%}
    {%- if not execute or model.resource_type != 'test' -%}{{ return(none) }}{%- endif -%}
    {%- set key = test_state_key(model.unique_id) -%}
    {%- set state = test_state_relation() -%}
    {%- if key is none or adapter.get_relation(state.database, state.schema, state.identifier) is none -%}
        {{ return(none) }}
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
    {%- set since = none -%}
    {%- set attached = graph.nodes[model.unique_id].get('attached_node') if meta else none -%}
    {#- only models whose yml declares `_built_at` (an incremental model may be append-only without it; the
        declaration, not a query per test: tests/test_recon_small.py checks it against the built tables), and
        not on a --full-refresh, which rewrites every row -#}
    {%- if meta and meta.name in row_tests + key_tests and tests_on_changed_rows(attached) and not flags.FULL_REFRESH
        and '_built_at' in graph.nodes[attached].get('columns', {}) -%}
        {%- set since = test_last_passed() -%}
    {%- endif -%}
    {%- set conditions = [] -%}
    {%- if where -%}{%- do conditions.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- if since is not none and meta.name in row_tests -%}
        {%- do conditions.append('_built_at > ' ~ since) -%}
    {%- elif since is not none -%}
        {%- set keys = [meta.kwargs.column_name] if meta.name == 'unique' else meta.kwargs.columns -%}
        {%- set matches = [] -%}
        {%- for k in keys -%}{%- do matches.append('c.' ~ k ~ ' is not distinct from r.' ~ k) -%}{%- endfor -%}
        {%- do conditions.append('exists (select 1 from ' ~ relation ~ ' as c where c._built_at > ' ~ since
            ~ ' and ' ~ matches | join(' and ') ~ ')') -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' as r where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- on-run-end: the SQL that remembers when each test that passed in this invocation passed (its run's
    start); nothing when none passed. -#}
{% macro record_passed_tests(results) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set rows = [] -%}
    {%- set keys = [] -%}
    {%- for r in results if r.node.resource_type == 'test' and r.status == 'pass' -%}
        {%- set key = test_state_key(r.node.unique_id) -%}
        {%- if key is not none -%}
            {%- do keys.append("'" ~ key ~ "'") -%}
            {%- do rows.append("('" ~ key ~ "', '" ~ r.node.unique_id ~ "')") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not rows -%}{{ return('') }}{%- endif -%}
    {%- set state = test_state_relation() -%}
    create schema if not exists {{ state.schema }};
    create table if not exists {{ state }} (test_key varchar, test_id varchar, passed_run_started_at timestamp);
    delete from {{ state }} where test_key in ({{ keys | join(', ') }});
    insert into {{ state }} (test_key, test_id, passed_run_started_at)
    select test_key, test_id, cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
    from (values {{ rows | join(', ') }}) as v (test_key, test_id)
{%- endmacro %}

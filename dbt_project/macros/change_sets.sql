{#- Change sets of incremental runs (see macros/incremental.sql): each returns a one-column query of the
    native ids (or keys) whose rows a model must rebuild, measured against the calling model's watermark. -#}

{% macro change_set(system, entity) -%}
    {%- if system == 'xero' and entity == 'documents' -%}{{ xero_changed_documents() }}
    {%- elif system == 'xero' and entity == 'payment_documents' -%}{{ xero_payment_documents() }}
    {%- elif system == 'xero' and entity == 'payments' -%}{{ xero_changed_payments() }}
    {%- elif system == 'xero' and entity == 'payment_rows' -%}{{ xero_changed_payments('_dlt_id') }}
    {%- elif system == 'kashflow' and entity in ('documents', 'payment_documents') -%}{{ kashflow_changed_documents() }}
    {%- elif system == 'sage100' and entity == 'documents' -%}{{ sage100_changed_documents() }}
    {%- elif system == 'sage100' and entity == 'document_keys' -%}{{ sage100_changed_document_keys() }}
    {%- else -%}{{ exceptions.raise_compiler_error("no change set " ~ entity ~ " for " ~ system) }}
    {%- endif -%}
{%- endmacro %}

{#- A system's reference data changed since the watermark: rebuild the system in full. In an incremental
    run it is decided when the model runs and written as a literal (true / false), so that the filters
    using it reach the raw table scans (an `or exists (...)` keeps DuckDB from pushing them below the
    staging views' parsing of every row). -#}
{% macro reference_changed(system) -%}
    {%- set tables = {
        'xero': ['stg_xero__accounts', 'stg_xero__items', 'stg_xero__organisations', 'stg_xero__currencies'],
        'kashflow': ['stg_kashflow__nominals', 'stg_kashflow__products', 'stg_kashflow__bank_accounts'],
        'sage100': ['stg_sage100__gl_accounts', 'stg_sage100__ar_divisions', 'stg_sage100__ap_divisions'],
    }[system] -%}
    {%- set sql -%}
    exists (
        {%- for t in tables %}
        select 1 from {{ ref(t) }} where {{ is_newer('_dlt_load_id', system) }}
        {{- " union all" if not loop.last }}
        {%- endfor %}
    )
    {%- endset -%}
    {%- if execute and is_incremental() -%}
        {%- set found = run_query('select ' ~ sql) -%}
        {{ 'true' if found.columns[0].values()[0] else 'false' }}
    {%- else -%}
        {{ sql }}
    {%- endif -%}
{%- endmacro %}

{#- Xero: invoices and credit notes (native ids) loaded since the watermark. -#}
{% macro xero_changed_documents() -%}
    select invoice_id from {{ ref('stg_xero__invoices') }} where {{ is_newer('_dlt_load_id', 'xero') }}
    union
    select credit_note_id from {{ ref('stg_xero__credit_notes') }} where {{ is_newer('_dlt_load_id', 'xero') }}
{%- endmacro %}

{#- Xero documents whose payments must be rebuilt: changed documents and documents of changed payments. -#}
{% macro xero_payment_documents() -%}
    {{ xero_changed_documents() }}
    union
    select coalesce(invoice_id, credit_note_id) from {{ ref('stg_xero__payments') }}
    where {{ is_newer('_dlt_load_id', 'xero') }}
    union
    select a.invoice_id from {{ ref('stg_xero__credit_note_allocations') }} as a
    inner join {{ ref('stg_xero__credit_notes') }} as c on c._dlt_id = a._dlt_parent_id
    where {{ is_newer('c._dlt_load_id', 'xero') }}
{%- endmacro %}

{#- Xero payments to rebuild: those loaded since the watermark and every payment of their documents or of
    a changed document; by payment id, or (`column` '_dlt_id') by their raw rows. -#}
{% macro xero_changed_payments(column='payment_id') -%}
    select {{ column }} from {{ ref('stg_xero__payments') }}
    where {{ is_newer('_dlt_load_id', 'xero') }}
        or coalesce(invoice_id, credit_note_id) in ({{ xero_payment_documents() }})
{%- endmacro %}

{#- KashFlow: invoices and purchases (native ids) loaded since the watermark; their lines and payment
    lines are nested in them, so this is also the set of documents whose payments are rebuilt. -#}
{% macro kashflow_changed_documents() -%}
    select cast(invoice_id as varchar) from {{ ref('stg_kashflow__invoices') }} where {{ is_newer('_dlt_load_id', 'kashflow') }}
    union
    select cast(purchase_id as varchar) from {{ ref('stg_kashflow__purchases') }} where {{ is_newer('_dlt_load_id', 'kashflow') }}
{%- endmacro %}

{#- Sage 100 documents (native ids) to rebuild: the header, one of its detail lines, its open item or its
    customer / vendor loaded since the watermark. -#}
{% macro sage100_changed_documents() -%}
    select h.invoice_no || '-' || h.header_seq_no
    from {{ ref('stg_sage100__ar_invoice_history_headers') }} as h
    where {{ is_newer('h._dlt_load_id', 'sage100') }}
        or h.invoice_no in (
            select invoice_no from {{ ref('stg_sage100__ar_open_invoices') }} where {{ is_newer('_dlt_load_id', 'sage100') }})
        or h.invoice_no || '-' || h.header_seq_no in (
            select invoice_no || '-' || header_seq_no from {{ ref('stg_sage100__ar_invoice_history_details') }}
            where {{ is_newer('_dlt_load_id', 'sage100') }})
        or h.ar_division_no || '-' || h.customer_no in (
            select ar_division_no || '-' || customer_no from {{ ref('stg_sage100__ar_customers') }}
            where {{ is_newer('_dlt_load_id', 'sage100') }})
    union
    select h.ap_division_no || '-' || h.vendor_no || '-' || h.invoice_no || '-' || h.header_seq_no
    from {{ ref('stg_sage100__ap_invoice_history_headers') }} as h
    where {{ is_newer('h._dlt_load_id', 'sage100') }}
        or h.ap_division_no || '-' || h.vendor_no || '-' || h.invoice_no in (
            select ap_division_no || '-' || vendor_no || '-' || invoice_no from {{ ref('stg_sage100__ap_open_invoices') }}
            where {{ is_newer('_dlt_load_id', 'sage100') }})
        or h.ap_division_no || '-' || h.vendor_no in (
            select ap_division_no || '-' || vendor_no from {{ ref('stg_sage100__ap_vendors') }}
            where {{ is_newer('_dlt_load_id', 'sage100') }})
{%- endmacro %}

{% macro sage100_changed_document_keys() -%}
    select document_key from {{ ref('int_sage100__documents') }}
    where native_id in ({{ sage100_changed_documents() }})
{%- endmacro %}

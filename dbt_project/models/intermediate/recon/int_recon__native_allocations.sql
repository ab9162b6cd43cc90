{{ config(materialized='incremental', incremental_strategy='replace_changed', unique_key='allocation_key',
    on_schema_change='sync_all_columns', post_hook="{{ record_inputs_signature() }}") }}
-- Allocations each system records itself (rule 'native'), one row per payment (or credit) and open item:
--   Xero: a payment's invoice (a batch payment is one payment: its BatchPaymentID), a credit note's allocations;
--   KashFlow: payment lines (bulk payments grouped by their number), credit notes applied to invoices;
--   Sage 100: cash receipt lines (InvoiceNo; PP lines are the receipt's unapplied cash), credit memos applied
--   to invoices (AR_TransactionPaymentHistory), AP check lines.
-- payment_ref is the payment's id in its system: Xero PaymentID / BatchPaymentID / CreditNoteID, KashFlow
-- payment line id / bulk:<number> / credit note number, Sage 100 DepositNo/Division-Customer/CheckNo for a
-- receipt, BankCode/CheckNo for a check, the credit memo number for a credit memo.
{% call replace_changed_select('final') -%}
with ledger_payments as (
    select * from {{ ref('payments') }}
    where system in ('xero', 'kashflow')
        and coalesce(payment_source, 'payment') = 'payment'
        and coalesce(native_payment_type, '') <> 'credit_note'
),

ledger_docs as (
    select document_key, system, document_number, document_type, party_key, number_code, number_digits
    from {{ ref('int_recon__documents') }}
    where side = 'ledger'
),

xero_credit as (
    select cn.credit_note_id, cn.credit_note_number, a.invoice_id, a.invoice_number, a.amount, a.allocation_date,
        cn.currency_code, cn.contact_id,
        case when cn.credit_note_type = 'ACCPAYCREDIT' then 'bill' else 'sales_invoice' end as invoice_type,
        -- a supplier's credit note (ACCPAYCREDIT) is the supplier's credit against a bill
        case when cn.credit_note_type = 'ACCPAYCREDIT' then 'vendor' else 'customer' end as party_role
    from {{ ref('stg_xero__credit_note_allocations') }} as a
    inner join {{ ref('stg_xero__credit_notes') }} as cn on cn._dlt_id = a._dlt_parent_id
    where not coalesce(a.is_deleted, false)
),

kashflow_credit_lines as (
    -- credit notes applied to an invoice: the invoice's payment line names the credit note in its text
    select l.payment_id, l.payment_date, l.amount, l.reference, l.note, inv.document_key as invoice_key,
        inv.document_number as invoice_number, inv.party_key
    from {{ ref('stg_kashflow__invoice_payment_lines') }} as l
    inner join {{ ref('stg_kashflow__invoices') }} as h on h._dlt_id = l._dlt_parent_id
    inner join ledger_docs as inv on inv.system = 'kashflow' and inv.document_type = 'sales_invoice'
        and inv.document_key = 'kashflow:sales_invoice:' || cast(h.invoice_id as varchar)
    where coalesce(l.is_payment_credit_note, false) and l.amount > 0
),

kashflow_credit as (
    select * from (
        select k.*, cn.document_number as credit_note_number,
            row_number() over (partition by k.payment_id order by cn.document_number) as rn
        from (select *, unnest({{ recon_tokens("coalesce(reference, '') || ' ' || coalesce(note, '')") }}) as tok
              from kashflow_credit_lines) as k
        inner join ledger_docs as cn
            on cn.system = 'kashflow' and cn.document_type = 'sales_credit_note' and cn.party_key = k.party_key
            and cn.number_code = {{ recon_token_key('k.tok') }}
    ) where rn = 1
),

receipts as (
    select * from {{ ref('stg_sage100__ar_cash_receipts_history') }}
),

checks as (
    select d.*, h.check_date, h.transaction_date
    from {{ ref('stg_sage100__ap_check_history_details') }} as d
    left join {{ ref('stg_sage100__ap_check_history_headers') }} as h
        on h.bank_code = d.bank_code and h.check_no = d.check_no and h.check_seq_no = d.check_seq_no
),

credit_memos as (
    select * from {{ ref('stg_sage100__ar_transaction_payment_history') }}
    where transaction_type = 'C' and coalesce(invoice_type, '') <> 'CM' and coalesce(transaction_amt, 0) <> 0
),

sage_docs as (
    select document_key, document_number, sage100_invoice_type, party_key, currency_code, ledger_side
    from {{ ref('int_recon__documents') }}
    where side = 'sage100'
),

sage_doc_one as (
    select * from (
        select *, row_number() over (partition by party_key, document_number, coalesce(sage100_invoice_type, '') order by document_key desc) as rn
        from sage_docs
    ) where rn = 1
),

unioned as (
    select
        p.system as payment_system,
        case when p.system = 'kashflow' and coalesce(p.payment_group_ref, '0') not in ('0', '')
             then 'bulk:' || p.payment_group_ref
             when p.system = 'kashflow' then p.native_id
             else coalesce(nullif(p.payment_group_ref, ''), p.native_id) end as payment_ref,
        'payment' as payment_kind,
        p.payment_type,
        p.party_key,
        p.payment_date,
        p.system as open_item_system,
        p.document_key,
        p.document_number,
        p.amount as allocated_amount,
        p.currency_code,
        p.reference as payment_text
    from ledger_payments as p
    union all
    select 'xero', x.credit_note_id, 'credit_note', x.party_role || '_credit', 'xero:' || x.party_role || ':' || x.contact_id,
        x.allocation_date,
        'xero', coalesce(d.document_key, n.document_key), x.invoice_number, x.amount, x.currency_code, x.credit_note_number
    from xero_credit as x
    -- by the allocation's InvoiceID: a bill can carry the same number as a sales invoice (suppliers number
    -- their own documents), so the number alone may name two open items; the number only when the id is absent
    left join ledger_docs as d on d.system = 'xero' and d.document_key = 'xero:' || x.invoice_type || ':' || x.invoice_id
    left join ledger_docs as n on x.invoice_id is null and n.system = 'xero' and n.document_type = x.invoice_type
        and n.document_number = x.invoice_number
    union all
    select 'kashflow', k.credit_note_number, 'credit_note', 'customer_credit', k.party_key, k.payment_date,
        'kashflow', k.invoice_key, k.invoice_number, k.amount, null, k.reference
    from kashflow_credit as k
    union all
    select 'sage100',
        r.deposit_no || '/' || r.ar_division_no || '-' || r.customer_no || '/' || coalesce(r.check_no, ''),
        case when coalesce(r.invoice_type, '') = 'PP' then 'on_account' else 'payment' end,
        'customer_receipt',
        'sage100:customer:' || r.ar_division_no || '-' || r.customer_no,
        coalesce(r.posting_date, r.deposit_date),
        'sage100', d.document_key, r.invoice_no, r.cash_amount_applied, d.currency_code, r.check_no
    from receipts as r
    left join sage_doc_one as d
        on d.party_key = 'sage100:customer:' || r.ar_division_no || '-' || r.customer_no
        and d.document_number = r.invoice_no and coalesce(d.sage100_invoice_type, '') = coalesce(r.invoice_type, '')
        and d.ledger_side = 'receivable'
    where coalesce(r.cash_amount_applied, 0) <> 0
    union all
    select 'sage100', m.payment_reference, 'credit_note', 'customer_credit',
        'sage100:customer:' || m.ar_division_no || '-' || m.customer_no, m.transaction_date,
        'sage100', d.document_key, m.invoice_no, m.transaction_amt, d.currency_code, null
    from credit_memos as m
    left join sage_doc_one as d
        on d.party_key = 'sage100:customer:' || m.ar_division_no || '-' || m.customer_no
        and d.document_number = m.invoice_no and coalesce(d.sage100_invoice_type, '') = coalesce(m.invoice_type, '')
    union all
    select 'sage100', c.bank_code || '/' || c.check_no, 'payment', 'vendor_payment',
        'sage100:vendor:' || c.ap_division_no || '-' || c.vendor_no, coalesce(c.check_date, c.transaction_date),
        'sage100', d.document_key, c.invoice_no, c.amount_paid, d.currency_code, c.check_no
    from checks as c
    left join sage_doc_one as d
        on d.party_key = 'sage100:vendor:' || c.ap_division_no || '-' || c.vendor_no and d.document_number = c.invoice_no
        and d.ledger_side = 'payable'
    where coalesce(c.amount_paid, 0) <> 0
),

final as (
    select
        {{ recon_hash(['payment_system', 'payment_ref', 'payment_kind', 'document_number']) }} as allocation_key,
        *
    from (
        select payment_system, payment_ref, payment_kind, payment_type, party_key, min(payment_date) as payment_date,
            open_item_system, document_key, document_number, sum(allocated_amount) as allocated_amount,
            max(currency_code) as currency_code, max(payment_text) as payment_text
        from unioned
        group by payment_system, payment_ref, payment_kind, payment_type, party_key, open_item_system, document_key, document_number
    )
)
{%- endcall %}

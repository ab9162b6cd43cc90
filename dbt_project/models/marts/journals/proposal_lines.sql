-- Lines of the journal proposals, every proposal balanced:
--   summaries (sales / purchases / cash receipts / payments): the ledger's own postings of the summarized
--     records (core.gl_entries, base currency), each account mapped to its Sage 100 account (confirmed or
--     suggested; an unmapped account shows as UNMAPPED:<code> and blocks posting), summed per account;
--   adjustments: the ledger document's postings (mapped) minus the Sage 100 document's postings, per
--     Sage 100 account — what turns Sage 100's general ledger into the ledger's;
--   cash_receipt (Xero): one credit on the ledger's receivables account per invoice paid (document_number,
--     party), one debit on the bank account the ledger's customer payments use.
-- Every posting group balances, hence every proposal does.
-- Amounts and their currencies: debit / credit are what the target posts, in `currency` (a Sage 100
-- journal: the base currency; a Xero payment: the invoice's currency, as Xero takes payments);
-- base_debit / base_credit are the same line in the ledger's base currency `base_currency` (equal to
-- debit / credit when `currency` is the base currency), and balance too. A Xero manual journal posts the
-- base amounts (Xero's manual journals are in the organisation's base currency).
with sources as (
    select * from {{ ref('proposal_sources') }}
),

summary_entries as (
    -- a ledger document's postings are the posting group of its key (macros/double_entry.sql)
    select s.proposal_id, s.currency, g.account_code, g.base_amount, g.system
    from sources as s
    inner join {{ ref('gl_entries') }} as g on g.entry_group_key = s.source_key and g.system = s.source_system
    where s.kind in ('sales_summary', 'purchases_summary')
    union all
    select s.proposal_id, s.currency, g.account_code, g.base_amount, g.system
    from sources as s
    inner join {{ ref('gl_entries') }} as g
        on g.system = s.source_system and g.source_native_id = s.source_native_id and g.source_type = 'payment'
    where s.kind in ('cash_receipts_summary', 'payments_summary')
    union all
    -- a batch payment posts per allocation: its entries carry the allocations' ids
    select s.proposal_id, s.currency, g.account_code, g.base_amount, g.system
    from sources as s
    inner join {{ ref('payments') }} as p on p.system = s.source_system and p.payment_group_ref = s.source_native_id
    inner join {{ ref('gl_entries') }} as g on g.system = p.system and g.source_native_id = p.native_id and g.source_type = 'payment'
    where s.kind in ('cash_receipts_summary', 'payments_summary')
    union all
    -- money on account received as a bank transaction (Xero RECEIVE-PREPAYMENT / -OVERPAYMENT): its
    -- postings are the bank transaction's
    select s.proposal_id, s.currency, g.account_code, g.base_amount, g.system
    from sources as s
    inner join {{ ref('payments') }} as p
        on p.system = s.source_system and p.native_id = s.source_native_id and p.payment_source = 'bank_transaction'
    inner join {{ ref('gl_entries') }} as g
        on g.system = p.system and g.source_native_id = p.native_id and g.source_type = 'bank_transaction'
    where s.kind in ('cash_receipts_summary', 'payments_summary') and s.document_type = 'on_account'
),

adjusted as (
    -- one row per adjusted pair (a pair has at most one of amount / tax mismatch)
    select distinct proposal_id, currency, source_system, source_key, sage100_document_key
    from sources
    where kind = 'adjustments'
),

sage_documents as (
    select document_key, document_number,
        coalesce(sage100_source_journal, case when ledger_side = 'payable' then 'AP' end) as source_journal,
        coalesce(sage100_invoice_type, 'IN') as invoice_type
    from {{ ref('documents') }}
    where system = 'sage100'
),

adjustment_entries as (
    select a.proposal_id, a.currency, g.account_code, g.base_amount, g.system
    from adjusted as a
    inner join {{ ref('gl_entries') }} as g on g.entry_group_key = a.source_key and g.system = a.source_system
    union all
    select a.proposal_id, a.currency, g.account_code, -g.base_amount, g.system
    from adjusted as a
    inner join sage_documents as d on d.document_key = a.sage100_document_key
    inner join {{ ref('gl_entries') }} as g
        on g.system = 'sage100' and g.sage100_source_journal = d.source_journal
        and g.document_number = d.document_number and g.sage100_document_type = d.invoice_type
),

sage100_lines as (
    select e.proposal_id, e.currency,
        case when e.system = 'sage100' then e.account_code
             else coalesce(a.sage100_account, 'UNMAPPED:' || coalesce(e.account_code, '?')) end as account,
        sum(e.base_amount) as net
    from (select * from summary_entries union all select * from adjustment_entries) as e
    left join {{ ref('accounts') }} as a on a.system = e.system and a.account_code = e.account_code and e.system <> 'sage100'
    group by all
    having sum(e.base_amount) <> 0
),

ledger_bank as (
    -- the bank account the ledger's customer payments go to (the most used one)
    select system, account_code from (
        select system, bank_account_code as account_code,
            row_number() over (partition by system order by count(*) desc, bank_account_code) as rn
        from {{ ref('payments') }}
        where system <> 'sage100' and payment_type = 'customer_receipt' and bank_account_code is not null
        group by system, bank_account_code
    ) where rn = 1
),

ar_control as (
    select system, account_code from {{ ref('int_ledger__control_accounts') }} where role = 'ar_control'
),

base_currency as (
    select system, min(base_currency) as base_currency from {{ ref('gl_entries') }} group by system
),

receipt_lines as (
    select s.proposal_id, s.currency, ar.account_code as account, 0 as debit, s.source_amount as credit,
        0 as base_debit, coalesce(s.source_base_amount, s.source_amount) as base_credit, bc.base_currency,
        s.ledger_document_number as document_number, s.party, s.document_number as reference,
        'payment of ' || s.ledger_document_number || ' (Sage 100 receipt ' || s.document_number || ')' as description
    from sources as s
    inner join ar_control as ar on ar.system = 'xero'
    inner join base_currency as bc on bc.system = 'xero'
    where s.kind = 'cash_receipt'
    union all
    select s.proposal_id, s.currency, b.account_code, sum(s.source_amount), 0,
        sum(coalesce(s.source_base_amount, s.source_amount)), 0, bc.base_currency, null, null, null,
        'received into the bank (Sage 100 receipts missing in the ledger)'
    from sources as s
    inner join ledger_bank as b on b.system = 'xero'
    inner join base_currency as bc on bc.system = 'xero'
    where s.kind = 'cash_receipt'
    group by all
),

lines as (
    select proposal_id, currency, account,
        case when net > 0 then net else 0 end as debit,
        case when net < 0 then -net else 0 end as credit,
        case when net > 0 then net else 0 end as base_debit,
        case when net < 0 then -net else 0 end as base_credit,
        currency as base_currency,
        cast(null as varchar) as document_number, cast(null as varchar) as party, cast(null as varchar) as reference,
        case when net > 0 then 'debit ' else 'credit ' end || account || ' (summary of ledger postings missing in Sage 100)'
            as description
    from sage100_lines
    union all
    select proposal_id, currency, account, debit, credit, base_debit, base_credit, base_currency, document_number, party,
        reference, description
    from receipt_lines
)

select
    l.proposal_id,
    row_number() over (
        partition by l.proposal_id
        order by case when l.debit > 0 then 0 else 1 end, l.account, l.document_number, l.reference
    ) as line_no,
    l.account,
    cast(l.debit as decimal(18, 2)) as debit,
    cast(l.credit as decimal(18, 2)) as credit,
    l.currency,
    cast(l.base_debit as decimal(18, 2)) as base_debit,
    cast(l.base_credit as decimal(18, 2)) as base_credit,
    l.base_currency,
    case when s.kind = 'adjustments'
         then replace(l.description, 'summary of ledger postings missing in Sage 100', 'ledger minus Sage 100 postings')
         else l.description end as description,
    l.document_number,
    l.party,
    l.reference
from lines as l
inner join (select distinct proposal_id, kind from sources) as s on s.proposal_id = l.proposal_id

-- Evidence for account mapping: which Sage 100 account the same transactions hit on the other side.
--   lines: a line of a linked ledger document and a line of its Sage 100 document with the same net amount;
--   gl:    a ledger posting of a linked document and a Sage 100 GL detail posting of that document
--          (GL_DetailPosting.DocumentNo) with the same base amount and sign;
--   amount: a ledger posting not tied to a linked document (payments, bank transactions, journals) and
--          a Sage 100 GL detail posting of the same base amount and sign within
--          `account_evidence_days` days (amounts seen more than 5 times a day on a side are skipped);
--   role:  both accounts play the same control role (receivable, payable, tax) in their system.
with ledger_lines as (
    select * from {{ ref('int_xero__document_lines') }}
    union all by name
    select * from {{ ref('int_kashflow__document_lines') }}
),

sage_lines as (
    select * from {{ ref('int_sage100__document_lines') }}
),

line_pairs as (
    select l.system, l.account_code as source_account_code, s.account_code as sage100_account, 'lines' as kind,
        abs(l.base_net_amount) as amount
    from {{ ref('int_documents__links') }} as k
    inner join ledger_lines as l on l.document_key = k.ledger_document_key
    inner join sage_lines as s on s.document_key = k.sage100_document_key
        and abs(s.net_amount - l.net_amount) <= 0.01
    where l.account_code is not null and s.account_code is not null
),

ledger_gl as not materialized (
    -- read twice (linked and loose postings): scanned where it is used rather than kept in memory
    select * from {{ ref('int_xero__gl_entries') }}
    union all by name
    select * from {{ ref('int_kashflow__gl_entries') }}
),

linked_gl as materialized (
    -- postings of linked ledger documents with their Sage 100 document's number (the link carries it),
    -- first: joined on the amount alone, the optimizer pairs millions of equal amounts before it filters
    -- by document
    select g.system, g.account_code, g.base_amount, k.sage100_document_number as document_number
    from {{ ref('int_documents__links') }} as k
    inner join ledger_gl as g on g.entry_group_key = k.ledger_document_key
    where g.account_code is not null and g.base_amount <> 0
),

gl_pairs as (
    select g.system, g.account_code as source_account_code, s.account_code as sage100_account, 'gl' as kind,
        abs(g.base_amount) as amount
    from linked_gl as g
    inner join {{ ref('int_sage100__gl_entries') }} as s on s.document_number = g.document_number and s.base_amount = g.base_amount
),

linked_groups as (
    select ledger_document_key as entry_group_key from {{ ref('int_documents__links') }} as links
),

loose_ledger as (
    select g.system, g.account_code, g.posting_date, g.base_amount
    from ledger_gl as g
    where g.source_type in ('payment', 'bank_transaction', 'manual_journal')
        and g.account_code is not null and g.base_amount <> 0
        and g.entry_group_key not in (select entry_group_key from linked_groups)
    qualify count(*) over (partition by g.system, g.posting_date, g.base_amount) <= 5
),

loose_sage as (
    select s.account_code, s.posting_date, s.base_amount
    from {{ ref('int_sage100__gl_entries') }} as s
    where s.base_amount <> 0
    qualify count(*) over (partition by s.posting_date, s.base_amount) <= 5
),

amount_pairs as (
    select l.system, l.account_code as source_account_code, s.account_code as sage100_account, 'amount' as kind,
        abs(l.base_amount) as amount
    from loose_ledger as l
    inner join loose_sage as s
        on s.base_amount = l.base_amount
        and s.posting_date between l.posting_date - {{ var('account_evidence_days', 3) }}
                               and l.posting_date + {{ var('account_evidence_days', 3) }}
),

sage_roles as (
    select 'ar_control' as role, a.account
    from {{ ref('stg_sage100__ar_divisions') }} as d
    inner join {{ ref('stg_sage100__gl_accounts') }} as a on a.account_key = d.accounts_receivable_acct_key
    union
    select 'ap_control', a.account
    from {{ ref('stg_sage100__ap_divisions') }} as d
    inner join {{ ref('stg_sage100__gl_accounts') }} as a on a.account_key = d.accounts_payable_acct_key
    union
    select 'sales_tax', a.account
    from {{ ref('stg_sage100__ar_divisions') }} as d
    inner join {{ ref('stg_sage100__gl_accounts') }} as a on a.account_key = d.sales_tax_acct_key
),

role_pairs as (
    select c.system, c.account_code as source_account_code, r.account as sage100_account, 'role:' || c.role as kind,
        cast(null as decimal(18, 2)) as amount
    from {{ ref('int_ledger__control_accounts') }} as c
    inner join sage_roles as r on r.role = c.role
),

all_pairs as (
    select * from line_pairs
    union all
    select * from gl_pairs
    union all
    select * from amount_pairs
    union all
    select * from role_pairs
)

select
    system,
    source_account_code,
    sage100_account,
    kind,
    count(*) as occurrences,
    sum(amount) as amount
from all_pairs
group by all

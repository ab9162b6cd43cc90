-- One row per problem, from the document and payment tie-outs, the anomaly checks and the master-data
-- comparison. exception_id is a hash of the type and the natural keys of what is wrong, so it stays the
-- same across rebuilds. related_document_number is the same record in the other system (when known).
{%- set tol = var('recon_amount_tolerance', 0.01) %}
-- (models are read where they are used: a CTE read several times is kept whole in memory)
with documents as (
    select t.*, unnest(t.mismatches) as exception_type
    from {{ ref('document_tieout') }} as t
    where t.status not in ('matched', 'not_posted', 'summarized_in_sage100', 'adjusted_in_sage100')
),

document_exceptions as (
    select
        exception_type,
        case when exception_type = 'missing_in_sage100' then system else 'sage100' end as system,
        coalesce(source_document_number, sage100_invoice_no) as document_number,
        case when source_document_number is not null then sage100_invoice_no end as related_document_number,
        coalesce(source_party, sage100_customer_no) as party,
        case exception_type
            when 'amount_mismatch' then difference
            when 'tax_mismatch' then tax_difference
            when 'missing_in_source' then sage100_amount
            else coalesce(source_amount, sage100_amount)
        end as amount,
        currency,
        coalesce(source_period, sage100_period) as period,
        case exception_type
            when 'missing_in_sage100' then 'Posted ' || source_document_type || ' ' || source_document_number || ' for ' || cast(source_amount as varchar) || ' ' || currency || ' has no Sage 100 counterpart'
            when 'missing_in_source' then 'Sage 100 document ' || sage100_invoice_no || ' (' || sage100_customer_no || ', ' || cast(sage100_amount as varchar) || ') has no counterpart in the ledger'
            when 'duplicate_document' then 'Sage 100 holds ' || source_document_number || ' twice: ' || duplicate_of_sage100_invoice_no || ' and ' || sage100_invoice_no
            when 'amount_mismatch' then source_document_number || ' totals ' || cast(source_amount as varchar) || ', Sage 100 ' || sage100_invoice_no || ' ' || cast(sage100_amount as varchar)
            when 'tax_mismatch' then source_document_number || ' tax ' || cast(source_tax as varchar) || ', Sage 100 ' || sage100_invoice_no || ' tax ' || cast(sage100_tax as varchar)
            when 'currency_mismatch' then source_document_number || ' is in ' || currency || ', Sage 100 ' || sage100_invoice_no || ' in ' || sage100_currency
            when 'customer_mismatch' then source_document_number || ' is for ' || coalesce(source_party, '?') || ', Sage 100 ' || sage100_invoice_no || ' is posted to ' || sage100_customer_no
            when 'status_mismatch' then source_document_number || ' is ' || source_status || ' in the ledger but posted in Sage 100 as ' || sage100_invoice_no
            when 'period_mismatch' then source_document_number || ' is dated in ' || source_period || ', Sage 100 ' || sage100_invoice_no || ' posted in ' || sage100_period
        end as details,
        coalesce(source_document_key, '') || '|' || coalesce(sage100_document_key, '') as natural_key
    from documents
),

-- documents entered twice in the ledger: same party, type, currency and total, identical lines, close dates,
-- and the repeat (the later one) still open: a party that paid the repeat confirmed a second order, while
-- a document entered twice by mistake is not paid twice
ledger_docs as (
    select d.*
    from {{ ref('int_recon__documents') }} as d
    where d.side = 'ledger' and d.is_posted and not d.is_void
),

-- pairs alike in everything but their lines first (a few), then the lines of those documents only
twins as (
    select a.document_key as first_key, b.document_key as repeat_key
    from ledger_docs as a
    inner join ledger_docs as b
        on b.system = a.system and b.party_key = a.party_key and b.document_type = a.document_type
        and b.currency_code = a.currency_code and b.total_amount = a.total_amount
        and (b.issue_date > a.issue_date or (b.issue_date = a.issue_date and b.document_number > a.document_number))
    where abs({{ recon_days('a.issue_date', 'b.issue_date') }}) <= {{ var('recon_duplicate_window_days', 7) }}
        and b.amount_due <> 0
),

line_signatures as (
    select document_key,
        md5(string_agg(coalesce(item_code, '') || ':' || coalesce(cast(quantity as varchar), '') || ':'
            || coalesce(cast(unit_price as varchar), '') || ':' || coalesce(cast(net_amount as varchar), ''), '|'
            order by coalesce(item_code, ''), quantity, unit_price, net_amount)) as line_signature
    from {{ ref('document_lines') }}
    where document_key in (select first_key from twins union select repeat_key from twins)
    group by document_key
),

source_duplicates as (
    select
        'duplicate_document' as exception_type, b.system, b.document_number, a.document_number as related_document_number,
        b.party_code as party, b.total_amount as amount, b.currency_code as currency, b.period,
        b.document_number || ' repeats ' || a.document_number || ' (same party, lines and total ' || cast(b.total_amount as varchar)
            || ', ' || cast(abs({{ recon_days('a.issue_date', 'b.issue_date') }}) as varchar) || ' days apart)' as details,
        b.document_key as natural_key
    from twins as t
    inner join ledger_docs as a on a.document_key = t.first_key
    inner join ledger_docs as b on b.document_key = t.repeat_key
    inner join line_signatures as sa on sa.document_key = t.first_key
    inner join line_signatures as sb on sb.document_key = t.repeat_key
    where sa.line_signature = sb.line_signature
),

-- outliers: a line quantity far above what the item (or, without an item, the account) usually sells,
-- on the log scale (quantities spread multiplicatively), either
--   * at least recon_outlier_p90_ratio times the item's 90th percentile, with a robust z-score (median /
--     MAD over the ledger's lines of that item) of at least recon_outlier_z, so that an item sold in
--     widely varying quantities needs a larger jump; or
--   * for an item with at least recon_outlier_tail_min_lines lines (enough for its 99th percentile to say
--     how large an order gets), at least recon_outlier_p99_ratio times that 99th percentile.
-- Items with fewer than recon_outlier_min_lines lines have no usual quantity to compare with.
line_quantities as (
    select l.document_key, l.line_number, l.item_code, l.quantity, coalesce(l.item_code, 'account:' || coalesce(l.account_code, '?')) as grp,
        ln(l.quantity) as x, d.system, d.document_number, d.party_code, d.total_amount, d.currency_code, d.period
    from {{ ref('document_lines') }} as l
    inner join {{ ref('int_recon__documents') }} as d on d.document_key = l.document_key
    where d.side = 'ledger' and d.is_posted and not d.is_void and l.quantity > 0
        and d.document_type in ('sales_invoice', 'bill')
),

quantity_stats as (
    select system, grp, median(x) as med, quantile_cont(x, 0.9) as p90, quantile_cont(x, 0.99) as p99, count(*) as n
    from line_quantities group by all
),

quantity_mad as (
    select q.system, q.grp, median(abs(q.x - s.med)) as mad
    from line_quantities as q
    inner join quantity_stats as s on s.system = q.system and s.grp = q.grp
    group by all
),

outlier_lines as (
    select q.*, s.med, s.p90, 0.6745 * (q.x - s.med) / greatest(m.mad, 0.1) as z,
        row_number() over (partition by q.document_key order by q.x - s.med desc) as rn
    from line_quantities as q
    inner join quantity_stats as s on s.system = q.system and s.grp = q.grp
    inner join quantity_mad as m on m.system = q.system and m.grp = q.grp
    where s.n >= {{ var('recon_outlier_min_lines', 10) }}
        and ((0.6745 * (q.x - s.med) / greatest(m.mad, 0.1) >= {{ var('recon_outlier_z', 2.0) }}
              and q.x - s.p90 >= ln({{ var('recon_outlier_p90_ratio', 7) }}) - 1e-9)
             or (s.n >= {{ var('recon_outlier_tail_min_lines', 100) }}
                 and q.x - s.p99 >= ln({{ var('recon_outlier_p99_ratio', 2) }}) - 1e-9))
        -- (1e-9: a ratio of exactly the threshold counts, whatever the rounding of the logarithms)
),

outliers as (
    select
        'outlier_amount' as exception_type, system, document_number, null as related_document_number,
        party_code as party, total_amount as amount, currency_code as currency, period,
        document_number || ' line ' || cast(line_number as varchar) || ': quantity ' || cast(quantity as varchar) || ' of '
            || replace(grp, 'account:', 'account ') || ' is ' || cast(round(exp(x - med), 1) as varchar) || 'x its median and '
            || cast(round(exp(x - p90), 1) as varchar) || 'x its 90th percentile (robust z ' || cast(round(z, 1) as varchar) || ')' as details,
        document_key as natural_key
    from outlier_lines
    where rn = 1
),

payment_exceptions as (
    select 'payment_missing_in_sage100' as exception_type, p.payment_system as system, p.payment_ref as document_number,
        null as related_document_number, p.party_code as party, p.amount, p.currency_code as currency, p.period,
        p.payment_kind || ' ' || p.payment_ref || ' of ' || cast(p.amount as varchar) || ' on ' || cast(p.payment_date as varchar)
            || ' has no Sage 100 cash receipt or check' as details,
        p.payment_id as natural_key
    from {{ ref('int_recon__payments') }} as p
    where p.side = 'ledger' and p.expected_in_sage100 and not p.posted_by_tieout
        and p.payment_id not in (select ledger_payment_id from {{ ref('int_recon__payment_pairs') }})
    union all
    select 'payment_missing_in_source', 'sage100', p.payment_ref, null, p.sage100_party_key, p.amount, p.currency_code, p.period,
        'Sage 100 ' || replace(p.payment_type, '_', ' ') || ' ' || p.payment_ref || ' of ' || cast(p.amount as varchar) || ' on '
            || cast(p.payment_date as varchar) || ' has no payment in the ledger',
        p.payment_id
    from {{ ref('int_recon__payments') }} as p
    where p.side = 'sage100' and p.payment_id not in (select sage100_payment_id from {{ ref('int_recon__payment_pairs') }})
    union all
    select 'payment_amount_mismatch', 'sage100', pp.ledger_ref, pp.sage100_ref, l.party_code, pp.sage100_amount - pp.ledger_amount,
        l.currency_code, l.period,
        'payment ' || pp.ledger_ref || ' is ' || cast(pp.ledger_amount as varchar) || ', Sage 100 ' || pp.sage100_ref || ' '
            || cast(pp.sage100_amount as varchar),
        pp.ledger_payment_id || '|' || pp.sage100_payment_id
    from {{ ref('int_recon__payment_pairs') }} as pp
    inner join {{ ref('int_recon__payments') }} as l on l.payment_id = pp.ledger_payment_id
    where abs(pp.sage100_amount - pp.ledger_amount) > {{ tol }}
    union all
    -- money on account, less what a person has accepted applying to open items (suggestions alone do not count)
    select 'unapplied_payment', p.payment_system, p.payment_ref, pr.sage100_ref, p.party_code,
        p.on_account_amount - coalesce(m.accepted, 0), p.currency_code, p.period,
        cast(p.on_account_amount - coalesce(m.accepted, 0) as varchar) || ' ' || p.currency_code || ' received on '
            || cast(p.payment_date as varchar) || ' is on account, not applied to any invoice'
            || case when m.accepted is not null then ' (' || cast(m.accepted as varchar) || ' accepted as matched)' else '' end,
        p.payment_id
    from {{ ref('int_recon__payments') }} as p
    left join {{ ref('int_recon__payment_pairs') }} as pr on pr.ledger_payment_id = p.payment_id
    left join (
        select payment_id, sum(allocated_amount) as accepted
        from {{ ref('int_recon__inferred_allocations') }} where rule = 'manual' group by payment_id
    ) as m on m.payment_id = p.payment_id
    where p.side = 'ledger' and p.payment_kind = 'on_account'
        and coalesce(p.on_account_amount, 0) - coalesce(m.accepted, 0) > 0
    union all
    -- money received from a party (a bank receipt the ledger did not link to any document) that no rule
    -- and no person allocated to an open item, wholly or in part: the rest is unapplied
    select 'unapplied_payment', p.payment_system, p.payment_ref, null, p.party_code,
        p.amount - coalesce(a.allocated, 0), p.currency_code, p.period,
        cast(p.amount - coalesce(a.allocated, 0) as varchar) || ' ' || p.currency_code || ' of '
            || replace(p.payment_kind, '_', ' ') || ' ' || p.payment_ref || ' (' || cast(p.amount as varchar) || ' on '
            || cast(p.payment_date as varchar) || coalesce(', "' || nullif(p.payment_text, '') || '"', '')
            || ') is not applied to any open item'
            || case when a.allocated is not null then ' (' || cast(a.allocated as varchar) || ' matched to '
                    || a.documents || ')' else '' end,
        p.payment_id
    from {{ ref('int_recon__payments') }} as p
    left join (
        select payment_id, sum(allocated_amount) as allocated,
            string_agg(document_number, ', ' order by document_number) as documents
        from {{ ref('int_recon__inferred_allocations') }} group by payment_id
    ) as a on a.payment_id = p.payment_id
    where p.side = 'ledger' and p.payment_kind = 'bank_receipt'
        and p.amount - coalesce(a.allocated, 0) > {{ tol }}
),

orphans as (
    select 'orphan_reference' as exception_type, 'sage100' as system, a.payment_ref as document_number,
        pr.ledger_ref as related_document_number, a.party_key as party, p.amount, a.currency_code as currency,
        strftime(a.payment_date, '%Y-%m') as period,
        'Sage 100 ' || replace(a.payment_type, '_', ' ') || ' ' || a.payment_ref || ' is applied to ' || a.document_number
            || ', which Sage 100 does not hold for ' || a.party_key as details,
        a.allocation_key as natural_key
    from {{ ref('int_recon__native_allocations') }} as a
    left join {{ ref('int_recon__payments') }} as p on p.payment_system = a.payment_system and p.payment_ref = a.payment_ref
    left join {{ ref('int_recon__payment_pairs') }} as pr on pr.sage100_payment_id = p.payment_id
    where a.document_key is null and a.payment_kind <> 'on_account' and a.document_number is not null
),

-- open items that disagree: a document both systems hold with the same amounts (status matched) whose
-- balance still due differs (settled in one system, open in the other, or settled differently), when no
-- other exception explains it: no payment or credit touching it is missing, different or unapplied,
-- and none was posted by tieout (its summaries reach Sage 100's general ledger, not the subledger).
-- The pairs whose balances differ come first (a few): only their documents' payments are looked into.
balance_gaps as (
    select t.*, l.amount_due as source_amount_due
    from {{ ref('document_tieout') }} as t
    inner join {{ ref('int_recon__documents') }} as l on l.document_key = t.source_document_key
    where t.relation = 'pair' and t.status = 'matched'
        and l.document_type in ('sales_invoice', 'bill')
        and abs(l.amount_due - t.sage100_amount_due) > {{ tol }}
),

gap_documents as (
    select source_document_key as document_key from balance_gaps
    union
    select sage100_document_key from balance_gaps
),

touching as (
    select a.document_key, {{ recon_hash(['a.payment_system', 'a.payment_ref']) }} as payment_id,
        a.payment_system, a.payment_ref, a.payment_kind, a.payment_text
    from {{ ref('int_recon__native_allocations') }} as a
    where a.document_key in (select document_key from gap_documents)
    union all
    select document_key, payment_id, payment_system, payment_ref, payment_kind, null
    from {{ ref('int_recon__inferred_allocations') }}
    where document_key in (select document_key from gap_documents)
),

explained_payments as (
    select natural_key as payment_id from payment_exceptions
    union all
    select split_part(natural_key, '|', 2) from payment_exceptions where exception_type = 'payment_amount_mismatch'
    union all
    select {{ recon_hash(['payment_system', 'payment_ref']) }} from {{ ref('int_recon__native_allocations') }}
    where document_key is null and payment_kind <> 'on_account' and document_number is not null
    union all
    select payment_id from {{ ref('int_recon__payments') }} where posted_by_tieout
),

-- ... and the same payment in the other system
explained_pairs as (
    select payment_id from explained_payments
    union all
    select pp.ledger_payment_id from {{ ref('int_recon__payment_pairs') }} as pp
    where pp.sage100_payment_id in (select payment_id from explained_payments)
    union all
    select pp.sage100_payment_id from {{ ref('int_recon__payment_pairs') }} as pp
    where pp.ledger_payment_id in (select payment_id from explained_payments)
),

-- credit notes / memos that are themselves an exception (their allocations then differ for a reason)
explained_credits as (
    -- (two equi-joins: one join on `in (a, b)` is a nested loop over every document)
    select d.system, d.native_id, d.document_number
    from {{ ref('int_recon__documents') }} as d
    inner join {{ ref('document_tieout') }} as t on d.document_key = t.source_document_key
    where d.document_type like '%credit_note' and t.status not in ('matched', 'not_posted')
    union all
    select d.system, d.native_id, d.document_number
    from {{ ref('int_recon__documents') }} as d
    inner join {{ ref('document_tieout') }} as t on d.document_key = t.sage100_document_key
    where d.document_type like '%credit_note' and t.status not in ('matched', 'not_posted')
        and t.sage100_document_key is distinct from t.source_document_key
),

explained_documents as (
    select distinct t.document_key
    from touching as t
    where t.payment_id in (select payment_id from explained_pairs)
        or (t.payment_kind = 'credit_note' and exists (
            select 1 from explained_credits as c
            where c.system = t.payment_system
                and t.payment_ref in (c.native_id, c.document_number)))
),

open_balances as (
    select
        'payment_amount_mismatch' as exception_type, t.system, t.source_document_number as document_number,
        t.sage100_invoice_no as related_document_number, t.source_party as party,
        (t.sage100_amount - t.sage100_amount_due) - (t.source_amount - t.source_amount_due) as amount, t.currency, t.period,
        t.source_document_number || ' has ' || cast(t.source_amount - t.source_amount_due as varchar) || ' settled in ' || t.system
            || ' (' || cast(t.source_amount_due as varchar) || ' still due), Sage 100 ' || t.sage100_invoice_no || ' '
            || cast(t.sage100_amount - t.sage100_amount_due as varchar) || ' (' || cast(t.sage100_amount_due as varchar)
            || ' still due): the open items differ' as details,
        'balance|' || t.source_document_key || '|' || t.sage100_document_key as natural_key
    from balance_gaps as t
    where not exists (select 1 from {{ ref('document_tieout') }} as d
                      where d.relation = 'sage100_duplicate' and d.source_document_key = t.source_document_key)
        and t.source_document_key not in (select document_key from explained_documents)
        and t.sage100_document_key not in (select document_key from explained_documents)
),

-- referential-integrity breaks: a document or line of either system naming a customer / vendor, an item
-- or a general-ledger account that system does not hold
document_refs as (
    select d.document_key, d.system, d.document_number, d.party_key, d.party_code, d.total_amount, d.currency_code, d.period
    from {{ ref('int_recon__documents') }} as d
    where not d.is_void
),

unknown_references as (
    -- (what is unknown is found first, a few rows at most; only those are then joined to their documents)
    -- parties
    select d.document_key, 'party' as reference_kind, coalesce(cd.party_native_id, d.party_code) as reference,
        cast(null as integer) as line_number
    from document_refs as d
    inner join {{ ref('documents') }} as cd on cd.document_key = d.document_key
    where d.party_key is not null
        and not exists (select 1 from {{ ref('parties') }} as p where p.party_key = d.party_key)
    union all
    -- items and accounts of ledger lines (Sage 100 lines below, from its own keys)
    select l.document_key, 'item', l.item_code, l.line_number
    from {{ ref('document_lines') }} as l
    where l.system <> 'sage100' and nullif(trim(l.item_code), '') is not null
        and not exists (select 1 from {{ ref('items') }} as i where i.system = l.system and i.item_code = l.item_code)
    union all
    select l.document_key, 'account', l.account_code, l.line_number
    from {{ ref('document_lines') }} as l
    where l.system <> 'sage100' and nullif(trim(l.account_code), '') is not null
        and not exists (select 1 from {{ ref('accounts') }} as a where a.system = l.system and a.account_code = l.account_code)
    union all
    -- Sage 100 invoice lines: item codes (comment lines, item type 4, name no item) and sales accounts
    select 'sage100:' || case when h.invoice_type = 'CM' then 'sales_credit_note' else 'sales_invoice' end || ':'
            || l.invoice_no || '-' || l.header_seq_no,
        l.reference_kind, l.reference, l.line_number
    from (
        select l.invoice_no, l.header_seq_no, 'item' as reference_kind, l.item_code as reference,
            cast(l.detail_seq_no as integer) as line_number
        from {{ ref('stg_sage100__ar_invoice_history_details') }} as l
        where nullif(trim(l.item_code), '') is not null and coalesce(l.item_type, '') <> '4'
            and not exists (select 1 from {{ ref('stg_sage100__ci_items') }} as i where i.item_code = l.item_code)
        union all
        select l.invoice_no, l.header_seq_no, 'account', 'AccountKey ' || l.sales_acct_key,
            cast(l.detail_seq_no as integer)
        from {{ ref('stg_sage100__ar_invoice_history_details') }} as l
        where nullif(trim(l.sales_acct_key), '') is not null
            and not exists (select 1 from {{ ref('stg_sage100__gl_accounts') }} as a where a.account_key = l.sales_acct_key)
    ) as l
    inner join {{ ref('stg_sage100__ar_invoice_history_headers') }} as h
        on h.invoice_no = l.invoice_no and h.header_seq_no = l.header_seq_no
    union all
    select 'sage100:' || case when coalesce(h.invoice_amt, 0) < 0 then 'bill_credit_note' else 'bill' end || ':'
            || h.ap_division_no || '-' || h.vendor_no || '-' || h.invoice_no || '-' || h.header_seq_no,
        'account', 'AccountKey ' || h.expense_acct_key, 1
    from {{ ref('stg_sage100__ap_invoice_history_headers') }} as h
    where nullif(trim(h.expense_acct_key), '') is not null
        and not exists (select 1 from {{ ref('stg_sage100__gl_accounts') }} as a where a.account_key = h.expense_acct_key)
),

reference_breaks as (
    select
        'orphan_reference' as exception_type, d.system, d.document_number, null as related_document_number,
        d.party_code as party, d.total_amount as amount, d.currency_code as currency, d.period,
        d.system || ' ' || d.document_number || ' names ' || u.names || ' that ' || d.system || ' does not hold' as details,
        'reference|' || d.document_key as natural_key
    from (
        select document_key,
            string_agg(distinct case reference_kind when 'party' then 'a customer/vendor' else 'an ' || reference_kind end
                || ' ' || reference || coalesce(' (line ' || cast(line_number as varchar) || ')', ''), ', ') as names
        from unknown_references
        group by document_key
    ) as u
    inner join document_refs as d on d.document_key = u.document_key
),

journals as (
    select check_type as exception_type, system, coalesce(register_no, journal_ref) as document_number,
        related_ref as related_document_number, null as party, amount, null as currency, period, details,
        journal_ref as natural_key
    from {{ ref('int_recon__journal_checks') }}
),

master as (
    select
        case delta_type when 'duplicate' then 'duplicate_party' when 'quantity_mismatch' then 'inventory_quantity_mismatch'
            else 'master_data_mismatch' end as exception_type,
        case when delta_type = 'duplicate' then system else 'sage100' end as system,
        coalesce(source_code, sage100_code) as document_number,
        coalesce(other_code, sage100_code) as related_document_number,
        case when entity <> 'item' then coalesce(source_code, sage100_code) end as party,
        difference as amount, null as currency, null as period,
        case delta_type
            when 'duplicate' then entity || 's ' || source_value || ' and ' || sage100_value || ' look like one company'
            when 'quantity_mismatch' then 'item ' || source_code || ' quantity on hand ' || source_value || ', Sage 100 ' || sage100_code || ' ' || sage100_value
            else entity || ' ' || source_code || ' ' || field || ': ' || coalesce(source_value, '') || ' vs Sage 100 ' || sage100_code || ': ' || coalesce(sage100_value, '')
        end as details,
        delta_id as natural_key
    from {{ ref('master_data_deltas') }}
    where delta_type in ('field_mismatch', 'quantity_mismatch', 'duplicate')
),

-- subject: what the exception is about (a document, a payment, a party, an item or a journal register), so
-- that a payment queue or a report can take one kind
all_exceptions as (
    select 'document' as subject, * from document_exceptions
    union all select 'document', * from source_duplicates
    union all select 'document', * from outliers
    union all select 'payment', * from payment_exceptions
    union all select 'payment', * from orphans
    union all select 'document', * from open_balances
    union all select 'document', * from reference_breaks
    union all select 'journal', * from journals
    union all select case when party is null then 'item' else 'party' end, * from master
),

severities as (
    select * from (values
        ('missing_in_sage100', 'high'), ('missing_in_source', 'high'), ('amount_mismatch', 'high'),
        ('tax_mismatch', 'medium'), ('customer_mismatch', 'high'), ('status_mismatch', 'medium'),
        ('duplicate_document', 'high'), ('period_mismatch', 'medium'), ('currency_mismatch', 'high'),
        ('unapplied_payment', 'medium'), ('payment_missing_in_sage100', 'high'), ('payment_missing_in_source', 'high'),
        ('payment_amount_mismatch', 'high'), ('orphan_reference', 'medium'), ('outlier_amount', 'medium'),
        ('master_data_mismatch', 'low'), ('duplicate_party', 'low'), ('inventory_quantity_mismatch', 'medium'),
        ('unbalanced_journal', 'high'), ('trial_balance_difference', 'high')
    ) as t(exception_type, severity)
)

select
    {{ recon_hash(['e.exception_type', 'e.natural_key']) }} as exception_id,
    e.exception_type,
    -- a large amount raises the severity one step
    case when s.severity = 'medium' and abs(coalesce(e.amount, 0)) >= {{ var('approval_threshold', 5000) }} then 'high'
         when s.severity = 'low' and abs(coalesce(e.amount, 0)) >= {{ var('approval_threshold', 5000) }} then 'medium'
         else s.severity end as severity,
    e.system,
    e.document_number,
    e.related_document_number,
    e.party,
    cast(e.amount as decimal(18, 2)) as amount,
    e.currency,
    e.period,
    e.details,
    e.natural_key,
    e.subject
from all_exceptions as e
inner join severities as s on s.exception_type = e.exception_type

{{ config(materialized='incremental', incremental_strategy='replace_changed', unique_key=['payment_id', 'document_key'],
    on_schema_change='sync_all_columns', post_hook="{{ record_inputs_signature() }}") }}
-- Allocations of the ledger's unlinked money (bank receipts from customers, payments on account) to
-- the same party's open items, by the ordered rules of the payment_match_rules seed. Set-based: every
-- rule is a join on a blocking key (party, amount, number token); combinations are bounded self-joins
-- of the party's oldest open items. For each payment the first enabled rule that allocates wins.
-- A person's decisions come first (int_recon__match_decisions): an accepted suggestion is a 'manual'
-- allocation (confidence 1) and the rules only see what it leaves of the payment; a rejected one is never
-- proposed again (the rules look past that open item for that payment).
{%- set window = var('recon_date_window_days', 10) %}
{%- set max_items = var('recon_combination_max_items', 12) %}
{%- set tol_abs = var('recon_writeoff_tolerance_amount', 1.00) %}
{%- set tol_pct = var('recon_writeoff_tolerance_percent', 0.5) %}
{% call replace_changed_select('final') -%}
with unlinked as (
    select * from {{ ref('int_recon__payments') }}
    where side = 'ledger' and payment_kind in ('bank_receipt', 'on_account')
        and coalesce(on_account_amount, amount) > 0
),

decisions as (
    select * from {{ ref('int_recon__match_decisions') }}
),

-- every open item a payment could pay: the party's, in the payment's currency, not dated after the
-- payment (+ window)
eligible as (
    select p.payment_id, p.payment_system, p.payment_ref, p.payment_date, p.amount as payment_amount, p.payment_text,
        i.document_key, i.document_number, i.amount_due, i.issue_date, i.age_rank, i.number_code, i.number_digits,
        i.number_tail
    from unlinked as p
    inner join {{ ref('int_recon__open_items') }} as i
        on i.system = p.payment_system and i.party_key = p.party_key and i.currency_code = p.currency_code
        and i.ledger_side = case when p.payment_type like 'vendor%' then 'payable' else 'receivable' end
    where i.issue_date <= p.payment_date + interval {{ window }} day
),

-- accepted by a person: the amount they accepted (the suggestion's), never beyond the balance or the
-- payment (oldest open item first)
manual as (
    select payment_id, document_key, document_number,
        least(allocated_amount, payment_amount - coalesce(sum(allocated_amount) over w_before, 0)) as allocated_amount,
        decided_by, decided_at
    from (
        select e.payment_id, e.payment_amount, e.document_key, e.document_number, e.issue_date,
            least(coalesce(d.allocated_amount, e.amount_due), e.amount_due) as allocated_amount, d.decided_by, d.decided_at
        from eligible as e
        inner join decisions as d
            on d.payment_system = e.payment_system and d.payment_ref = e.payment_ref and d.document_number = e.document_number
        where d.decision = 'accepted'
    )
    window w_before as (partition by payment_id order by issue_date, document_number rows between unbounded preceding and 1 preceding)
),

manual_totals as (
    select payment_id, sum(allocated_amount) as manual_amount from manual where allocated_amount > 0 group by payment_id
),

-- what the rules allocate: the payment less what a person accepted
payments as (
    select u.* replace (u.amount - coalesce(m.manual_amount, 0) as amount)
    from unlinked as u
    left join manual_totals as m on m.payment_id = u.payment_id
    where u.amount - coalesce(m.manual_amount, 0) > 0
),

rules as (
    select * from {{ ref('payment_match_rules') }} where enabled
),

-- candidates for the rules: eligible open items no person rejected or accepted for this payment
party_items as (
    select e.* replace (p.amount as payment_amount)
    from eligible as e
    inner join payments as p on p.payment_id = e.payment_id
    where not exists (
            select 1 from decisions as d
            where d.payment_system = e.payment_system and d.payment_ref = e.payment_ref
                and d.document_number = e.document_number and d.decision = 'rejected')
        and not exists (select 1 from manual as m where m.payment_id = e.payment_id and m.document_key = e.document_key)
),

-- 1. reference: the payment's text names the open items
tokens as (
    select payment_id, {{ recon_token_key('tok') }} as tok
    from (select payment_id, unnest({{ recon_tokens('payment_text') }}) as tok from payments)
    where {{ recon_token_key('tok') }} is not null
),

referenced as (
    select distinct pi.*
    from party_items as pi
    inner join tokens as t
        on t.payment_id = pi.payment_id and (t.tok = pi.number_code or t.tok = pi.number_digits or t.tok = pi.number_tail)
),

reference_alloc as (
    select *,
        -- the named open items under-paid by at most the tolerance: the newest one's rest is a write-off
        case when is_last and total_due > payment_amount
                  and total_due - payment_amount <= greatest({{ tol_abs }}, total_due * {{ tol_pct }} / 100)
             then amount_due - allocated_amount end as writeoff_amount
    from (
        select payment_id, document_key, document_number, amount_due, payment_amount,
            least(amount_due, payment_amount - coalesce(sum(amount_due) over w_before, 0)) as allocated_amount,
            sum(amount_due) over (partition by payment_id) as total_due,
            sum(amount_due) over (partition by payment_id) = payment_amount as exact,
            row_number() over (partition by payment_id order by issue_date desc, document_number desc) = 1 as is_last
        from referenced
        window w_before as (partition by payment_id order by issue_date, document_number rows between unbounded preceding and 1 preceding)
    )
),

-- 2. exact amount: one open item for exactly the payment
exact_amount as (
    select payment_id, document_key, document_number, amount_due as allocated_amount,
        count(*) over (partition by payment_id) = 1 as exact,
        row_number() over (partition by payment_id order by issue_date, document_number) as rn
    from party_items
    where amount_due = payment_amount
),

-- 3. combinations of two or three of the party's oldest open items summing to the payment
bounded as (
    select * from party_items where age_rank <= {{ max_items }}
),

combos as (
    select a.payment_id, [a.document_key, b.document_key] as keys, [a.document_number, b.document_number] as numbers,
        [a.amount_due, b.amount_due] as amounts, greatest(a.issue_date, b.issue_date) as newest
    from bounded as a
    inner join bounded as b on b.payment_id = a.payment_id and b.age_rank > a.age_rank
    where a.amount_due + b.amount_due = a.payment_amount
    union all
    select a.payment_id, [a.document_key, b.document_key, c.document_key], [a.document_number, b.document_number, c.document_number],
        [a.amount_due, b.amount_due, c.amount_due], greatest(a.issue_date, b.issue_date, c.issue_date)
    from bounded as a
    inner join bounded as b on b.payment_id = a.payment_id and b.age_rank > a.age_rank
    inner join bounded as c on c.payment_id = a.payment_id and c.age_rank > b.age_rank
    where a.amount_due + b.amount_due + c.amount_due = a.payment_amount
),

combo_best as (
    select * from (
        select *, count(*) over (partition by payment_id) = 1 as exact,
            row_number() over (partition by payment_id order by newest, numbers) as rn
        from combos
    ) where rn = 1
),

combination as (
    select payment_id, unnest(keys) as document_key, unnest(numbers) as document_number,
        unnest(amounts) as allocated_amount, exact
    from combo_best
),

-- 4. tolerance: one open item under-paid by at most the tolerance; the difference is a write-off
tolerance as (
    select * from (
        select payment_id, document_key, document_number, payment_amount as allocated_amount,
            amount_due - payment_amount as writeoff_amount,
            count(*) over (partition by payment_id) = 1 as exact,
            row_number() over (partition by payment_id order by amount_due - payment_amount, issue_date) as rn
        from party_items
        where amount_due > payment_amount
            and amount_due - payment_amount <= greatest({{ tol_abs }}, amount_due * {{ tol_pct }} / 100)
    ) where rn = 1
),

-- 5. oldest first: the party's open items in age order until the payment is used up
oldest_first as (
    select payment_id, document_key, document_number,
        least(amount_due, payment_amount - coalesce(before, 0)) as allocated_amount, false as exact
    from (
        select *, sum(amount_due) over (partition by payment_id order by age_rank rows between unbounded preceding and 1 preceding) as before
        from party_items
    )
    where coalesce(before, 0) < payment_amount
),

proposals as (
    select payment_id, document_key, document_number, allocated_amount, exact, 'reference' as rule,
        cast(writeoff_amount as decimal(18, 2)) as writeoff_amount
    from reference_alloc where allocated_amount > 0
    union all
    select payment_id, document_key, document_number, allocated_amount, exact, 'exact_amount', null from exact_amount where rn = 1
    union all
    select payment_id, document_key, document_number, allocated_amount, exact, 'combination', null from combination
    union all
    select payment_id, document_key, document_number, allocated_amount, exact, 'tolerance', writeoff_amount from tolerance
    union all
    select payment_id, document_key, document_number, allocated_amount, exact, 'oldest_first', null from oldest_first
),

ranked as (
    select pr.*, r.rule_order,
        case when pr.exact then r.confidence else r.ambiguous_confidence end as rule_confidence,
        dense_rank() over (partition by pr.payment_id order by r.rule_order) as rule_rank
    from proposals as pr
    inner join rules as r on r.rule = pr.rule
),

chosen as (
    select payment_id, document_key, document_number, allocated_amount, exact, rule, writeoff_amount, rule_order,
        rule_confidence, cast(null as varchar) as decided_by, cast(null as timestamp) as decided_at
    from ranked where rule_rank = 1
    union all
    select payment_id, document_key, document_number, allocated_amount, true, 'manual', null, 0, 1.0, decided_by, decided_at
    from manual where allocated_amount > 0
),

-- one open item is never allocated beyond its balance across payments: earlier payments first
capped as (
    select c.*, p.payment_system, p.payment_ref, p.payment_date, p.amount as payment_amount, p.currency_code,
        p.party_key, p.payment_kind, p.payment_text,
        i.amount_due - coalesce(sum(c.allocated_amount) over (
            partition by c.document_key order by c.rule_confidence desc, p.payment_date, p.payment_ref
            rows between unbounded preceding and 1 preceding), 0) as item_left
    from chosen as c
    inner join unlinked as p on p.payment_id = c.payment_id
    inner join {{ ref('int_recon__open_items') }} as i on i.document_key = c.document_key
),

final as (
    select
        payment_id,
        payment_system,
        payment_ref,
        payment_kind,
        party_key,
        payment_date,
        payment_amount,
        currency_code,
        document_key,
        document_number,
        least(allocated_amount, item_left) as allocated_amount,
        rule,
        rule_order,
        -- a balance partly taken by another payment makes the allocation less certain
        case when allocated_amount > item_left then least(rule_confidence, 0.5) else rule_confidence end as confidence,
        writeoff_amount,
        decided_by,
        decided_at,
        'rule ' || rule || ': ' || case rule
            when 'manual' then 'accepted by ' || decided_by || ' on ' || strftime(decided_at, '%Y-%m-%d')
            when 'reference' then 'the payment text "' || coalesce(payment_text, '') || '" names ' || document_number
                || coalesce(', under-paid by ' || cast(writeoff_amount as varchar) || ' (within tolerance; write-off proposed)', '')
            when 'exact_amount' then 'open item ' || document_number || ' is for exactly ' || cast(payment_amount as varchar)
            when 'combination' then document_number || ' is one of the open items adding up to ' || cast(payment_amount as varchar)
            when 'tolerance' then document_number || ' under-paid by ' || cast(writeoff_amount as varchar) || ' (within tolerance; write-off proposed)'
            else 'oldest open item ' || document_number || ' of the party'
        end as evidence
    from capped
    where least(allocated_amount, item_left) > 0
)
{%- endcall %}

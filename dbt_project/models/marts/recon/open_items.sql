-- AR and AP open items of both systems (documents with an amount still due) with aging buckets by
-- days past due at the as-of date (the newest document or payment date loaded, or var recon_as_of_date).
with docs as (
    select * from {{ ref('int_recon__documents') }}
    where is_posted and not is_void and amount_due <> 0
),

as_of as (
    select coalesce(
        {% if var('recon_as_of_date', none) %}cast('{{ var("recon_as_of_date") }}' as date){% else %}null{% endif %},
        (select max(d) from (select max(issue_date) as d from {{ ref('int_recon__documents') }}
                             union all select max(payment_date) from {{ ref('payments') }}))
    ) as as_of_date
)

select
    d.document_key,
    d.system,
    case when d.ledger_side = 'receivable' then 'AR' else 'AP' end as ledger,
    d.document_type,
    d.document_number,
    d.party_key,
    d.party_code,
    d.party_name,
    d.party_id,
    d.issue_date,
    coalesce(d.due_date, d.issue_date) as due_date,
    d.currency_code,
    d.total_amount,
    d.amount_due,
    a.as_of_date,
    greatest({{ recon_days('coalesce(d.due_date, d.issue_date)', 'a.as_of_date') }}, 0) as days_past_due,
    case
        when {{ recon_days('coalesce(d.due_date, d.issue_date)', 'a.as_of_date') }} <= 0 then 'current'
        when {{ recon_days('coalesce(d.due_date, d.issue_date)', 'a.as_of_date') }} <= 30 then '1-30'
        when {{ recon_days('coalesce(d.due_date, d.issue_date)', 'a.as_of_date') }} <= 60 then '31-60'
        when {{ recon_days('coalesce(d.due_date, d.issue_date)', 'a.as_of_date') }} <= 90 then '61-90'
        else '90+'
    end as aging_bucket
from docs as d
cross join as_of as a

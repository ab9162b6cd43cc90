-- A person's decisions on suggested payment matches, as the app and writeback record them in
-- ops.match_decisions: the latest decision per (payment, open item) counts. 'accepted' makes the
-- allocation a manual one (confidence 1); 'rejected' keeps the rules from suggesting that open item for
-- that payment again. ops is written by the app and writeback, never by dbt: until the first decision
-- it may not exist, and then there are no decisions (the relation is looked up when the model runs).
{%- set decisions = adapter.get_relation(database=target.database, schema='ops', identifier='match_decisions') if execute else none %}
{% if decisions is not none %}
select
    payment_system,
    payment_ref,
    open_item_system,
    document_number,
    cast(allocated_amount as decimal(18, 2)) as allocated_amount,
    decision,
    who as decided_by,
    "when" as decided_at,
    comment
from {{ decisions }}
where decision in ('accepted', 'rejected') and document_number is not null
qualify row_number() over (
    partition by payment_system, payment_ref, document_number order by "when" desc, decision_id desc
) = 1
{% else %}
select
    cast(null as varchar) as payment_system,
    cast(null as varchar) as payment_ref,
    cast(null as varchar) as open_item_system,
    cast(null as varchar) as document_number,
    cast(null as decimal(18, 2)) as allocated_amount,
    cast(null as varchar) as decision,
    cast(null as varchar) as decided_by,
    cast(null as timestamp) as decided_at,
    cast(null as varchar) as comment
where false
{% endif %}

{#- Every non-null value of column_name exists in `field` of `to` for the same system. -#}
{% test relationship_within_system(model, column_name, to, field, system_column='system') %}
select m.{{ system_column }} as system, m.{{ column_name }} as missing_value, count(*) as n
from {{ model }} as m
left join (select distinct {{ system_column }} as system, {{ field }} as value from {{ to }}) as t
    on t.system = m.{{ system_column }} and t.value = m.{{ column_name }}
where m.{{ column_name }} is not null and t.value is null
group by 1, 2
{% endtest %}

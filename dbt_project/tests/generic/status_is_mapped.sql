{#- Every native status has a row in seeds/status_map.csv (else status_normalized would be null). -#}
{% test status_is_mapped(model, column_name, status_column='status') %}
select {{ status_column }} as unmapped_status, count(*) as n
from {{ model }}
where {{ status_column }} is not null and {{ column_name }} is null
group by 1
{% endtest %}

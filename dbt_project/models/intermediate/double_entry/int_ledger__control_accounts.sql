-- The account each ledger posts a role to when documents do not name it (receivable and payable
-- control, sales and purchase tax, realized FX gain/loss, rounding). In order of precedence:
--   1. the `control_accounts` seed (a person's choice);
--   2. the ledger's own control flags: Xero's SystemAccount (DEBTORS, CREDITORS, GST / SALESTAX,
--      REALISEDCURRENCYGAIN, ROUNDING), KashFlow's ControlAccountClassification (Debtors, Creditors, VAT);
--   3. the account's name (e.g. "Accounts Receivable", "Trade Debtors", "VAT Control",
--      "Exchange Rate Variance") among accounts of the right class, lowest code first.
{%- set roles = [
    ('ar_control', 'asset', "('DEBTORS')", '(receivable|debtor)'),
    ('ap_control', 'liability', "('CREDITORS')", '(payable|creditor)'),
    ('sales_tax', 'liability', "('GST', 'SALESTAX', 'TAX', 'VAT')", '(sales tax|vat|gst|tax control|tax payable)'),
    ('purchase_tax', 'liability', "('GST', 'SALESTAX', 'TAX', 'VAT')", '(purchase tax|input vat|vat|gst|sales tax|tax control)'),
    ('fx_gain_loss', 'any', "('REALISEDCURRENCYGAIN')", '(realis|realiz|exchange|currency|fx)'),
    ('rounding', 'any', "('ROUNDING')", '(rounding)'),
] %}
with accounts as (
    select * from {{ ref('int_xero__accounts') }}
    union all by name
    select * from {{ ref('int_kashflow__accounts') }}
),

candidates as (
    {%- for role, cls, system_accounts, pattern in roles %}
    select
        system,
        '{{ role }}' as role,
        account_code,
        case when system_account in {{ system_accounts }} then 2 else 3 end as precedence,
        case when system_account in {{ system_accounts }} then system || ' control flag ' || system_account
             else 'account name "' || account_name || '"' end as source
    from accounts
    where is_active
        and (system_account in {{ system_accounts }}
             or (regexp_matches(lower(account_name), '{{ pattern }}')
                 {%- if role == 'ap_control' %} and not regexp_matches(lower(account_name), '(payroll|wage|tax|vat|accru)'){% endif %}
                 {%- if role == 'ar_control' %} and not regexp_matches(lower(account_name), '(tax|vat|prepay)'){% endif %}
                 {%- if cls != 'any' %} and account_class = '{{ cls }}'{% endif %}))
    {{ "union all" if not loop.last }}
    {%- endfor %}
    union all
    select system, role, account_code, 1 as precedence, 'control_accounts seed' as source
    from {{ ref('control_accounts') }}
),

ranked as (
    select *, row_number() over (partition by system, role order by precedence, length(account_code), account_code) as rn
    from candidates
)

select system, role, account_code, source
from ranked
where rn = 1

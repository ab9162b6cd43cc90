"""Conformance: every answer the sandbox gives on the endpoints tieout uses validates against Xero's own
OpenAPI spec, and Xero's official Python SDK reads every resource from the sandbox without error."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker

from tests.test_xero_server_fixtures import (
    API,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    MINI_XERO,
    running_xero,
    scenario_records,
)

SPECS = Path(__file__).resolve().parents[1] / "sandbox" / "xero" / "openapi"


class _NoTimestamps(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML loader without the timestamp resolver (some spec examples hold bare dates)."""


_NoTimestamps.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_spec(name: str) -> dict[str, Any]:
    """Load one of Xero's specs with the README's fixes (``default: "false"`` -> false, no timestamps)."""
    text = (SPECS / name).read_text()
    fixed, count = re.subn(r'default: "false"', "default: false", text)
    if name == "xero_accounting.yaml":
        assert count == 23, "the spec changed: recheck the README's list of fixes"
    return yaml.load(fixed, Loader=_NoTimestamps)  # noqa: S506 - a SafeLoader subclass


@pytest.fixture(scope="module")
def accounting_spec() -> dict[str, Any]:
    if not (SPECS / "xero_accounting.yaml").is_file():
        pytest.skip(f"Xero's OpenAPI specs are not at {SPECS}")
    return load_spec("xero_accounting.yaml")


def response_validator(spec: dict[str, Any], path: str, method: str, status: int) -> OAS30ReadValidator:
    """A validator for the documented ``status`` answer of ``method path`` (``$ref``s resolved)."""
    response = spec["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    root = {**schema, "components": spec["components"]}
    return OAS30ReadValidator(root, format_checker=oas30_format_checker)


def assert_valid(spec: dict[str, Any], path: str, method: str, answer: httpx.Response) -> None:
    validator = response_validator(spec, path, method, answer.status_code)
    errors = sorted(validator.iter_errors(answer.json()), key=lambda e: list(e.absolute_path))
    assert not errors, f"{method.upper()} {path} -> {answer.status_code}: " + "; ".join(
        f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
    )


def test_the_validator_rejects_what_xero_would_not_send(accounting_spec):
    validator = response_validator(accounting_spec, "/Invoices", "get", 200)
    assert not list(validator.iter_errors({"Invoices": [{"Status": "AUTHORISED", "Total": 1.5}]}))
    bad = {
        "Invoices": [{"Status": "SETTLED", "Total": "1.50", "InvoiceID": "not-a-uuid"}],
        "pagination": {"page": "1"},
    }
    assert len(list(validator.iter_errors(bad))) == 4


def test_every_read_answer_validates_against_the_spec(accounting_spec):
    first = {
        name: scenario_records(name)[0]
        for name in [
            "Accounts",
            "BankTransactions",
            "Contacts",
            "CreditNotes",
            "Invoices",
            "Items",
            "Journals",
        ]
        + ["ManualJournals", "Payments"]
    }
    reads = [
        ("/Accounts", "Accounts", {}),
        ("/Accounts/{AccountID}", f"Accounts/{first['Accounts']['AccountID']}", {}),
        ("/BankTransactions", "BankTransactions", {"page": 1}),
        (
            "/BankTransactions/{BankTransactionID}",
            f"BankTransactions/{first['BankTransactions']['BankTransactionID']}",
            {},
        ),
        ("/Contacts", "Contacts", {"page": 1, "includeArchived": "true"}),
        ("/Contacts", "Contacts", {"summaryOnly": "true"}),
        ("/Contacts/{ContactID}", f"Contacts/{first['Contacts']['ContactID']}", {}),
        ("/CreditNotes", "CreditNotes", {"page": 1}),
        ("/CreditNotes/{CreditNoteID}", f"CreditNotes/{first['CreditNotes']['CreditNoteID']}", {}),
        ("/Currencies", "Currencies", {}),
        ("/Invoices", "Invoices", {"page": 1, "pageSize": 1000}),
        ("/Invoices", "Invoices", {"page": 2, "pageSize": 10, "summaryOnly": "true"}),
        ("/Invoices", "Invoices", {"where": 'Status=="PAID"', "order": "Date DESC"}),
        ("/Invoices/{InvoiceID}", f"Invoices/{first['Invoices']['InvoiceID']}", {}),
        ("/Items", "Items", {}),
        ("/Items/{ItemID}", f"Items/{first['Items']['ItemID']}", {}),
        ("/Journals", "Journals", {"offset": 0}),
        ("/Journals/{JournalID}", f"Journals/{first['Journals']['JournalID']}", {}),
        ("/ManualJournals", "ManualJournals", {"page": 1}),
        (
            "/ManualJournals/{ManualJournalID}",
            f"ManualJournals/{first['ManualJournals']['ManualJournalID']}",
            {},
        ),
        ("/Organisation", "Organisation", {}),
        ("/Payments", "Payments", {"page": 1}),
        ("/Payments/{PaymentID}", f"Payments/{first['Payments']['PaymentID']}", {}),
    ]
    with running_xero() as xero:
        for template, path, params in reads:
            answer = xero.get(path, **params)
            assert answer.status_code == 200, (path, answer.text)
            assert_valid(accounting_spec, template, "get", answer)


def test_every_write_answer_validates_against_the_spec(accounting_spec):
    journal = {
        "Narration": "Conformance",
        "Date": "2026-03-02",
        "Status": "POSTED",
        "JournalLines": [{"LineAmount": 5, "AccountCode": "429"}, {"LineAmount": -5, "AccountCode": "090"}],
    }
    unbalanced = {**journal, "JournalLines": [{"LineAmount": 5, "AccountCode": "429"}]}
    with running_xero() as xero:
        invoice = xero.get("Invoices", where='Status=="AUTHORISED" AND Date>DateTime(2026,02,01)').json()[
            "Invoices"
        ][0]
        bank = "090" if invoice["CurrencyCode"] == "USD" else "091"
        payment = {
            "Invoice": {"InvoiceID": invoice["InvoiceID"]},
            "Account": {"Code": bank},
            "Amount": 1,
            "Date": "2026-03-02",
        }
        writes = [
            ("/ManualJournals", "put", "ManualJournals", {"ManualJournals": [journal]}, {}),
            ("/ManualJournals", "put", "ManualJournals", {"ManualJournals": [unbalanced]}, {}),
            (
                "/ManualJournals",
                "put",
                "ManualJournals",
                {"ManualJournals": [journal, unbalanced]},
                {"summarizeErrors": "false"},
            ),
            ("/ManualJournals", "post", "ManualJournals", {"ManualJournals": [journal]}, {}),
            ("/Payments", "put", "Payments", {"Payments": [payment]}, {}),
            ("/Payments", "post", "Payments", payment, {}),
            ("/Payments", "put", "Payments", {"Payments": [{**payment, "Amount": 10**9}]}, {}),
            (
                "/Invoices/{InvoiceID}",
                "post",
                f"Invoices/{invoice['InvoiceID']}",
                {"Invoices": [{"Status": "DRAFT"}]},
                {},
            ),
            (
                "/Invoices/{InvoiceID}",
                "post",
                f"Invoices/{invoice['InvoiceID']}",
                {"Invoices": [{"Reference": "X"}]},
                {},
            ),
        ]
        statuses = []
        for template, method, path, body, params in writes:
            answer = getattr(xero, "put" if method == "put" else "post")(path, body, **params)
            statuses.append(answer.status_code)
            assert_valid(accounting_spec, template, method, answer)
        assert statuses == [200, 400, 200, 200, 200, 200, 400, 400, 200]


def test_connections_validate_against_the_identity_spec():
    spec = load_spec("xero-identity.yaml")
    schema = spec["paths"]["/Connections"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    validator = OAS30ReadValidator({**schema, "components": spec["components"]})
    with running_xero() as xero:
        answer = xero.http.get("/connections", headers={"Authorization": f"Bearer {xero.access_token}"})
        assert answer.status_code == 200
        assert not list(validator.iter_errors(answer.json()))


# --- the official SDK ------------------------------------------------------------------------------


def test_the_xero_python_sdk_reads_every_resource(monkeypatch):
    from xero_python.accounting import AccountingApi
    from xero_python.api_client import ApiClient, Configuration
    from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
    from xero_python.identity import IdentityApi

    invoices = scenario_records("Invoices")
    with running_xero(MINI_XERO) as xero:
        monkeypatch.setattr(TokenApi, "client_credentials_token_url", f"{xero.handle.url}/connect/token")
        monkeypatch.setattr(TokenApi, "refresh_token_url", f"{xero.handle.url}/connect/token")
        store: dict[str, Any] = {}
        api_client = ApiClient(
            Configuration(
                oauth2_token=OAuth2Token(client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET)
            ),
            pool_threads=1,
            oauth2_token_getter=lambda: store.get("token"),
            oauth2_token_saver=lambda token: store.__setitem__("token", token),
        )
        api_client.get_client_credentials_token()  # through the sandbox's token endpoint
        assert store["token"]["access_token"]
        connections = IdentityApi(api_client, base_url=xero.handle.url).get_connections()
        tenant = connections[0].tenant_id
        assert str(tenant) == xero.tenant_id
        api = AccountingApi(api_client, base_url=f"{xero.handle.url}{API}")

        got = api.get_invoices(tenant, page=1, page_size=10)
        assert got.pagination.item_count == len(invoices) and len(got.invoices) == 10
        assert got.invoices[0].invoice_number == invoices[0]["InvoiceNumber"]
        assert str(got.invoices[0].line_items[0].line_amount) == str(
            invoices[0]["LineItems"][0]["LineAmount"]
        )
        assert got.invoices[0].date.isoformat() == "2026-01-06"
        one = api.get_invoice(tenant, invoices[0]["InvoiceID"]).invoices[0]
        assert one.invoice_id.__str__() == invoices[0]["InvoiceID"]
        checks = {
            "get_accounts": ("accounts", "Accounts"),
            "get_bank_transactions": ("bank_transactions", "BankTransactions"),
            "get_contacts": ("contacts", "Contacts"),
            "get_credit_notes": ("credit_notes", "CreditNotes"),
            "get_currencies": ("currencies", "Currencies"),
            "get_items": ("items", "Items"),
            "get_journals": ("journals", "Journals"),
            "get_manual_journals": ("manual_journals", "ManualJournals"),
            "get_organisations": ("organisations", "Organisation"),
            "get_payments": ("payments", "Payments"),
        }
        for method, (attribute, resource) in checks.items():
            kwargs = {"include_archived": True} if resource == "Contacts" else {}
            result = getattr(api, method)(tenant, **kwargs)
            assert len(getattr(result, attribute)) == len(scenario_records(resource)), method
        modified = api.get_invoices(tenant, if_modified_since="2026-03-01T00:00:00", where='Type=="ACCREC"')
        assert 0 < len(modified.invoices) < len(invoices)
        journal = api.get_journals(tenant, offset=10).journals
        assert journal[0].journal_number == 11

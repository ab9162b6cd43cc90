"""The sandboxes serve a generated scenario (``tieout sandbox generate``) exactly and spec-conformant."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.test_kashflow_server_fixtures import kashflow_records, running_kashflow
from tests.test_xero_server_conformance import accounting_spec, assert_valid  # noqa: F401 - fixture
from tests.test_xero_server_fixtures import running_xero, scenario_records

PAGED = ["Invoices", "Contacts", "CreditNotes", "Payments", "BankTransactions", "ManualJournals"]
UNPAGED = ["Accounts", "Items", "Organisation", "Currencies"]


def generate(out: Path, ledger: str) -> Path:
    try:
        from sandbox.generator import cli as generator
    except ImportError:
        pytest.skip("the scenario generator is not available")
    generator.run(out=out, ledger=ledger, seed=1, size="small", invoices=None, rates=None)
    return out


@pytest.fixture(scope="module")
def xero_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("generated") / "xero", "xero")


@pytest.fixture(scope="module")
def kashflow_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("generated") / "kashflow", "kashflow")


def test_paging_and_offsets_return_exactly_the_generated_scenario(xero_scenario):
    with running_xero(xero_scenario) as xero:
        for resource in PAGED:
            expected = scenario_records(resource, xero_scenario)
            got, page = [], 1
            while True:
                params: dict[str, Any] = {"page": page, "pageSize": 1000}
                if resource == "Contacts":
                    params["includeArchived"] = "true"
                batch = xero.get(resource, **params).json()[resource]
                if not batch:
                    break
                got.extend(batch)
                page += 1
            assert got == expected, resource
        for resource in UNPAGED:
            key = "Organisations" if resource == "Organisation" else resource
            assert xero.get(resource).json()[key] == scenario_records(resource, xero_scenario)
        journals, offset = [], 0
        while batch := xero.get("Journals", offset=offset).json()["Journals"]:
            journals.extend(batch)
            offset = batch[-1]["JournalNumber"]
        expected = sorted(scenario_records("Journals", xero_scenario), key=lambda j: j["JournalNumber"])
        assert journals == expected


def test_generated_answers_validate_against_the_spec(xero_scenario, accounting_spec):  # noqa: F811
    with running_xero(xero_scenario) as xero:
        for resource in PAGED:
            answer = xero.get(resource, page=2, pageSize=250, includeArchived="true")
            assert_valid(accounting_spec, f"/{resource}", "get", answer)
        for resource in UNPAGED:
            assert_valid(accounting_spec, f"/{resource}", "get", xero.get(resource))
        assert_valid(accounting_spec, "/Journals", "get", xero.get("Journals", offset=0))


def test_the_sdk_reads_the_generated_scenario(xero_scenario):
    from xero_python.accounting import AccountingApi
    from xero_python.api_client import ApiClient, Configuration
    from xero_python.api_client.oauth2 import OAuth2Token

    with running_xero(xero_scenario) as xero:
        store: dict[str, Any] = {}
        api_client = ApiClient(
            Configuration(oauth2_token=OAuth2Token()),
            pool_threads=1,
            oauth2_token_getter=lambda: store.get("token"),
            oauth2_token_saver=lambda token: store.__setitem__("token", token),
        )
        api_client.set_oauth2_token(
            {
                "access_token": xero.access_token,
                "token_type": "Bearer",
                "expires_in": 1800,
                "scope": ["accounting.transactions"],
            }
        )
        api = AccountingApi(api_client, base_url=f"{xero.handle.url}/api.xro/2.0")
        invoices = api.get_invoices(xero.tenant_id, page=1, page_size=1000)
        assert invoices.pagination.item_count == len(scenario_records("Invoices", xero_scenario))
        for method in (
            "get_contacts",
            "get_payments",
            "get_credit_notes",
            "get_bank_transactions",
            "get_manual_journals",
            "get_accounts",
            "get_items",
            "get_organisations",
            "get_currencies",
            "get_journals",
        ):
            getattr(api, method)(xero.tenant_id)


def test_writeback_on_a_generated_scenario(xero_scenario):
    with running_xero(xero_scenario) as xero:
        organisation = xero.get("Organisation").json()["Organisations"][0]
        accounts = xero.get("Accounts").json()["Accounts"]
        bank = next(a for a in accounts if a["Type"] == "BANK" and a.get("Status", "ACTIVE") == "ACTIVE")
        expense = next(
            a for a in accounts if a["Type"] in ("EXPENSE", "OVERHEADS") and a.get("Status") == "ACTIVE"
        )
        lock = organisation.get("PeriodLockDate")
        date = "2025-06-30"
        answer = xero.put(
            "ManualJournals",
            {
                "ManualJournals": [
                    {
                        "Narration": "tieout: summarized difference",
                        "Date": date,
                        "Status": "POSTED",
                        "JournalLines": [
                            {"LineAmount": "10.05", "AccountCode": expense["Code"]},
                            {"LineAmount": "-10.05", "AccountCode": bank["Code"]},
                        ],
                    }
                ]
            },
        )
        assert answer.status_code == 200, (lock, answer.text)
        invoice = next(
            i
            for i in xero.get("Invoices", where='Status=="AUTHORISED" AND Type=="ACCREC"').json()["Invoices"]
            if i["AmountDue"] > 0 and i.get("CurrencyCode") == organisation["BaseCurrency"]
        )
        paid = xero.put(
            "Payments",
            {
                "Payments": [
                    {
                        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
                        "Account": {"Code": bank["Code"]},
                        "Date": date,
                        "Amount": str(invoice["AmountDue"]),
                    }
                ]
            },
        )
        assert paid.status_code == 200, paid.text
        after = xero.get(f"Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]
        assert after["Status"] == "PAID"
        assert Decimal(str(after["AmountPaid"])) == Decimal(str(invoice["AmountPaid"])) + Decimal(
            str(invoice["AmountDue"])
        )


def test_kashflow_serves_the_generated_scenario(kashflow_scenario):
    with running_kashflow(kashflow_scenario) as kf:
        for resource in ("customers", "suppliers", "invoices", "purchases", "products"):
            expected = kashflow_records(resource, kashflow_scenario)
            got = []
            answer = kf.get(resource, perpage=500)
            while True:
                body = answer.json()
                got.extend(body["Data"])
                if body["MetaData"]["NextPageUrl"] is None:
                    break
                answer = kf.get_url(body["MetaData"]["NextPageUrl"])
            nulls = {"LineItems": None, "PaymentLines": None} if resource in ("invoices", "purchases") else {}
            assert got == [{**e, **nulls} for e in expected], resource
        invoice = kashflow_records("invoices", kashflow_scenario)[-1]
        assert kf.get(f"invoices/{invoice['Number']}").json() == invoice
        assert kf.get("nominals").json() == json.loads(
            (kashflow_scenario / "kashflow" / "nominals.json").read_text()
        )

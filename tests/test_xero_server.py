"""The Xero sandbox serves a scenario like Xero: tokens, tenants, paging, If-Modified-Since, where, order."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from sandbox.xero.dates import parse_any_date
from tests.test_xero_server_fixtures import API, MINI_XERO, frozen_clock, running_xero, scenario_records

PAGED = ["Invoices", "Contacts", "CreditNotes", "Payments", "BankTransactions", "ManualJournals"]
UNPAGED = ["Accounts", "Items", "Organisation", "Currencies", "Journals"]


# --- identity -------------------------------------------------------------------------------------


def test_client_credentials_token_and_connections():
    with running_xero() as xero:
        answer = xero.http.post(
            "/connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "tieout-sandbox",
                "client_secret": "sandbox-secret",
            },
        )
        assert answer.status_code == 200
        token = answer.json()
        assert token["token_type"] == "Bearer" and token["expires_in"] == 1800
        assert "refresh_token" not in token  # custom connections get no refresh token
        connections = xero.http.get(
            "/connections", headers={"Authorization": f"Bearer {token['access_token']}"}
        )
        assert connections.status_code == 200
        (connection,) = connections.json()
        organisation = scenario_records("Organisation")[0]
        assert connection["tenantId"] == organisation["OrganisationID"]
        assert connection["tenantName"] == organisation["Name"]
        assert connection["tenantType"] == "ORGANISATION"


def test_wrong_client_secret_and_unknown_grant_are_refused():
    with running_xero() as xero:
        wrong = xero.http.post(
            "/connect/token", data={"grant_type": "client_credentials"}, auth=("tieout-sandbox", "nope")
        )
        assert wrong.status_code == 401 and wrong.json() == {"error": "invalid_client"}
        odd = xero.http.post(
            "/connect/token", data={"grant_type": "password"}, auth=("tieout-sandbox", "sandbox-secret")
        )
        assert odd.status_code == 400 and odd.json() == {"error": "unsupported_grant_type"}


def test_missing_wrong_and_expired_tokens_get_xeros_401_body():
    clock = frozen_clock()
    with running_xero(clock=clock, access_token_lifetime=600) as xero:
        missing = xero.http.get(f"{API}/Invoices", headers={"xero-tenant-id": xero.tenant_id})
        assert missing.status_code == 401
        assert missing.json() == {
            "title": "Unauthorized",
            "status": 401,
            "detail": "AuthenticationUnsuccessful",
        }
        wrong = xero.get("Invoices", headers={"Authorization": "Bearer not-a-token"})
        assert wrong.status_code == 401 and wrong.json()["detail"] == "AuthenticationUnsuccessful"
        assert xero.get("Accounts").status_code == 200
        clock.advance(599)
        assert xero.get("Accounts").status_code == 200
        clock.advance(1)
        expired = xero.get("Accounts")
        assert expired.status_code == 401
        assert expired.json()["title"] == "Unauthorized" and expired.json()["detail"].startswith(
            "TokenExpired"
        )
        xero.access_token = xero.new_token()
        assert xero.get("Accounts").status_code == 200


def test_refresh_tokens_rotate_and_the_old_one_has_a_grace_period():
    clock = frozen_clock()
    with running_xero(clock=clock, refresh_grace=1800) as xero:

        def refresh(token: str) -> httpx.Response:
            return xero.http.post(
                "/connect/token",
                data={"grant_type": "refresh_token", "refresh_token": token},
                auth=("tieout-sandbox", "sandbox-secret"),
            )

        first = refresh("sandbox-refresh-token")
        assert first.status_code == 200
        rotated = first.json()["refresh_token"]
        assert rotated != "sandbox-refresh-token"
        access = first.json()["access_token"]
        answer = xero.http.get(
            f"{API}/Organisation",
            headers={"Authorization": f"Bearer {access}", "xero-tenant-id": xero.tenant_id},
        )
        assert answer.status_code == 200
        clock.advance(1799)  # the answer was "lost": the old token still works inside the grace period
        again = refresh("sandbox-refresh-token")
        assert again.status_code == 200
        clock.advance(2)
        assert refresh("sandbox-refresh-token").json() == {"error": "invalid_grant"}
        second = refresh(rotated)
        assert second.status_code == 200 and second.json()["refresh_token"] not in (
            rotated,
            "sandbox-refresh-token",
        )
        assert refresh("made-up").status_code == 400


def test_refresh_tokens_expire_after_sixty_days_unused():
    clock = frozen_clock()
    with running_xero(clock=clock) as xero:
        clock.advance(60 * 86400 + 1)
        answer = xero.http.post(
            "/connect/token",
            data={"grant_type": "refresh_token", "refresh_token": "sandbox-refresh-token"},
            auth=("tieout-sandbox", "sandbox-secret"),
        )
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_unknown_or_missing_tenant_is_forbidden():
    with running_xero() as xero:
        assert (
            xero.get(
                "Invoices", headers={"xero-tenant-id": "00000000-0000-0000-0000-000000000000"}
            ).status_code
            == 403
        )
        headers = xero.headers()
        del headers["xero-tenant-id"]
        assert xero.http.get(f"{API}/Invoices", headers=headers).status_code == 403


# --- reads ----------------------------------------------------------------------------------------


def test_paging_returns_exactly_the_scenario():
    expected = scenario_records("Invoices")
    assert len(expected) >= 25
    with running_xero() as xero:
        got, page = [], 1
        while True:
            body = xero.get("Invoices", page=page, pageSize=7).json()
            assert body["pagination"] == {
                "page": page,
                "pageSize": 7,
                "pageCount": 5,
                "itemCount": len(expected),
            }
            if not body["Invoices"]:
                break
            got.extend(body["Invoices"])
            page += 1
        assert page == 6
        assert got == expected
        default = xero.get("Invoices", page=1).json()
        assert default["pagination"]["pageSize"] == 100 and default["Invoices"] == expected


@pytest.mark.parametrize("resource", PAGED + UNPAGED)
def test_every_resource_serves_its_scenario_file(resource):
    params = {"includeArchived": "true"} if resource == "Contacts" else {}
    with running_xero() as xero:
        answer = xero.get(resource, **params)
        assert answer.status_code == 200
        body = answer.json()
        assert body["Status"] == "OK" and body["DateTimeUTC"].startswith("/Date(")
        key = "Organisations" if resource == "Organisation" else resource
        assert body[key] == scenario_records(resource)


def test_if_modified_since_returns_exactly_the_records_updated_after_it():
    invoices = scenario_records("Invoices")
    stamps = sorted(parse_any_date(i["UpdatedDateUTC"]) for i in invoices)
    with running_xero() as xero:
        for cut in (stamps[0] - 1000, stamps[len(stamps) // 2], stamps[-1]):
            moment = datetime.fromtimestamp(cut // 1000, UTC)  # the header carries whole seconds
            expected = [i for i in invoices if parse_any_date(i["UpdatedDateUTC"]) > cut // 1000 * 1000]
            assert 0 < len(expected) < len(invoices) or cut != stamps[len(stamps) // 2]
            for value in (moment.strftime("%Y-%m-%dT%H:%M:%S"), moment.strftime("%a, %d %b %Y %H:%M:%S GMT")):
                got = xero.get("Invoices", headers={"If-Modified-Since": value}).json()["Invoices"]
                assert got == expected, value
            paged = xero.get(
                "Invoices",
                headers={"If-Modified-Since": moment.strftime("%Y-%m-%dT%H:%M:%S")},
                page=1,
                pageSize=1000,
            ).json()
            assert paged["Invoices"] == expected
            assert paged["pagination"]["itemCount"] == len(expected)


def test_where_forms_clients_use():
    invoices = scenario_records("Invoices")
    cut = "2026-02-01"
    cut_ms = parse_any_date(cut)
    contact_id = invoices[0]["Contact"]["ContactID"]
    cases = {
        'Status=="PAID"': [i for i in invoices if i["Status"] == "PAID"],
        'Type=="ACCPAY"': [i for i in invoices if i["Type"] == "ACCPAY"],
        'Type=="ACCREC" AND Status!="PAID"': [
            i for i in invoices if i["Type"] == "ACCREC" and i["Status"] != "PAID"
        ],
        "UpdatedDateUTC>=DateTime(2026,02,01)": [
            i for i in invoices if parse_any_date(i["UpdatedDateUTC"]) >= cut_ms
        ],
        "Date>=DateTime(2026,02,01) && Date<DateTime(2026,03,01)": [
            i for i in invoices if cut_ms <= parse_any_date(i["Date"]) < parse_any_date("2026-03-01")
        ],
        f'Contact.ContactID==Guid("{contact_id}")': [
            i for i in invoices if i["Contact"]["ContactID"] == contact_id
        ],
        'Status=="DRAFT" OR Status=="VOIDED"': [i for i in invoices if i["Status"] in ("DRAFT", "VOIDED")],
        "AmountDue>0": [i for i in invoices if i["AmountDue"] > 0],
        'InvoiceNumber.StartsWith("BILL")': [i for i in invoices if i["InvoiceNumber"].startswith("BILL")],
    }
    with running_xero() as xero:
        for where, expected in cases.items():
            assert expected, where
            answer = xero.get("Invoices", where=where)
            assert answer.status_code == 200, (where, answer.text)
            assert answer.json()["Invoices"] == expected, where


def test_order_sorts_and_bad_queries_get_a_clear_400():
    invoices = scenario_records("Invoices")
    with running_xero() as xero:
        got = xero.get("Invoices", order="Total DESC").json()["Invoices"]
        assert [i["Total"] for i in got] == sorted((i["Total"] for i in invoices), reverse=True)
        by_date = xero.get("Invoices", order="Date ASC, InvoiceNumber DESC").json()["Invoices"]
        assert [parse_any_date(i["Date"]) for i in by_date] == sorted(
            parse_any_date(i["Date"]) for i in invoices
        )
        bad = xero.get("Invoices", where='Status=="PAID" AND')
        assert bad.status_code == 400 and bad.json()["Type"] == "QueryParseException"
        too_big = xero.get("Invoices", page=1, pageSize=1001)
        assert too_big.status_code == 400 and "pageSize" in too_big.json()["Message"]


def test_list_filters_summary_only_and_archived_contacts():
    invoices = scenario_records("Invoices")
    contacts = scenario_records("Contacts")
    with running_xero() as xero:
        numbers = [invoices[3]["InvoiceNumber"], invoices[9]["InvoiceNumber"]]
        got = xero.get("Invoices", InvoiceNumbers=",".join(numbers)).json()["Invoices"]
        assert [i["InvoiceNumber"] for i in got] == numbers
        got = xero.get("Invoices", Statuses="DRAFT,VOIDED").json()["Invoices"]
        assert {i["Status"] for i in got} == {"DRAFT", "VOIDED"}
        summary = xero.get("Invoices", summaryOnly="true", page=1).json()["Invoices"]
        assert all("LineItems" not in i for i in summary) and len(summary) == len(invoices)
        active = xero.get("Contacts").json()["Contacts"]
        assert active == [c for c in contacts if c["ContactStatus"] != "ARCHIVED"] and len(active) < len(
            contacts
        )


def test_get_by_id_or_number_and_404():
    invoice = scenario_records("Invoices")[4]
    with running_xero() as xero:
        by_id = xero.get(f"Invoices/{invoice['InvoiceID']}").json()["Invoices"]
        by_number = xero.get(f"Invoices/{invoice['InvoiceNumber']}").json()["Invoices"]
        assert by_id == by_number == [invoice]
        account = scenario_records("Accounts")[0]
        assert xero.get(f"Accounts/{account['AccountID']}").json()["Accounts"] == [account]
        assert xero.get("Invoices/00000000-0000-0000-0000-000000000000").status_code == 404
        assert xero.get("NoSuchThing").status_code == 404


def test_journals_page_by_offset_hundred_at_a_time(tmp_path: Path):
    scenario = tmp_path / "many_journals"
    shutil.copytree(MINI_XERO, scenario)
    journals = scenario_records("Journals")
    template = journals[0]
    extra = [
        {**template, "JournalID": f"00000000-0000-4000-8000-{n:012d}", "JournalNumber": n}
        for n in range(len(journals) + 1, 251)
    ]
    (scenario / "xero" / "Journals.json").write_text(json.dumps({"Journals": journals + extra}))
    with running_xero(scenario) as xero:
        numbers, offset = [], 0
        while True:
            batch = xero.get("Journals", offset=offset).json()["Journals"]
            if not batch:
                break
            assert len(batch) <= 100
            numbers.extend(j["JournalNumber"] for j in batch)
            offset = batch[-1]["JournalNumber"]
        assert numbers == list(range(1, 251))
        assert [j["JournalNumber"] for j in xero.get("Journals", offset=245).json()["Journals"]] == [
            246,
            247,
            248,
            249,
            250,
        ]


def test_a_scenario_without_a_xero_folder_is_refused_clearly(tmp_path: Path):
    from sandbox.xero.app import create_app
    from sandbox.xero.store import ScenarioError

    with pytest.raises(ScenarioError, match="no xero/ folder"):
        create_app(tmp_path)

"""The KashFlow sandbox: two-step sign-in, KfToken sessions and their expiry, paging, documents, faults."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from sandbox.faults import FaultSpec
from tests.test_kashflow_server_fixtures import kashflow_records, running_kashflow, sign_in
from tests.test_xero_server_fixtures import frozen_clock

PAGED = ["customers", "suppliers", "invoices", "purchases", "products"]


def test_two_step_sign_in_asks_for_letters_of_the_memorable_word():
    with running_kashflow() as kf:
        first = kf.http.post(
            "/v2/sessiontoken", json={"UserName": "tieout-sandbox", "Password": "sandbox-password"}
        )
        assert first.status_code == 200
        body = first.json()
        positions = [entry["Position"] for entry in body["MemorableWordList"]]
        assert len(positions) == 3 and positions == sorted(set(positions))
        assert all(entry["Value"] == "" for entry in body["MemorableWordList"])
        assert body["SubscriptionExpired"] is False and body["TemporaryToken"]
        wrong = kf.http.put(
            "/v2/sessiontoken",
            json={
                "TemporaryToken": body["TemporaryToken"],
                "MemorableWordList": [{"Position": p, "Value": "x"} for p in positions],
            },
        )
        assert wrong.status_code == 401 and wrong.json()["Error"] == "InvalidMemorableWord"
        token = sign_in(kf.http)
        assert kf.http.get("/v2/nominals", headers={"Authorization": f"KfToken {token}"}).status_code == 200


def test_wrong_password_and_lockout():
    right = {"UserName": "tieout-sandbox", "Password": "sandbox-password"}
    with running_kashflow(max_failed_sign_ins=3, lockout=900) as kf:
        for _ in range(3):
            answer = kf.http.post("/v2/sessiontoken", json={**right, "Password": "guess"})
            assert answer.status_code == 401 and answer.json()["Error"] == "InvalidCredentials"
        locked = kf.http.post("/v2/sessiontoken", json=right)
        assert locked.status_code == 401 and locked.json()["Error"] == "AccountLocked"
        kf.sandbox.clock.advance(901)
        assert sign_in(kf.http)


def test_calls_need_a_live_kftoken_session_that_expires_after_inactivity():
    clock = frozen_clock()
    with running_kashflow(clock=clock, session_idle_timeout=3600) as kf:
        missing = kf.http.get("/v2/customers")
        assert missing.status_code == 401
        assert missing.json() == {
            "Error": "InvalidSessionToken",
            "Message": "Session token provided is invalid.",
        }
        assert kf.http.get("/v2/customers", headers={"Authorization": "KfToken nope"}).status_code == 401
        clock.advance(3000)
        assert kf.get("customers").status_code == 200  # each call restarts the idle timer
        clock.advance(3000)
        assert kf.get("customers").status_code == 200
        clock.advance(3601)
        assert kf.get("customers").status_code == 401
        kf.token = sign_in(kf.http)
        assert kf.get("customers").status_code == 200
        assert (
            kf.http.delete("/v2/sessiontoken", headers={"Authorization": f"KfToken {kf.token}"}).status_code
            == 200
        )
        assert kf.get("customers").status_code == 401


@pytest.mark.parametrize("resource", PAGED)
def test_paging_through_next_page_url_returns_exactly_the_scenario(resource):
    expected = kashflow_records(resource)
    with running_kashflow() as kf:
        answer = kf.get(resource, perpage=4)
        got = []
        pages = 0
        while True:
            assert answer.status_code == 200
            body = answer.json()
            assert body["MetaData"]["TotalRecords"] == len(expected)
            got.extend(body["Data"])
            pages += 1
            if body["MetaData"]["NextPageUrl"] is None:
                break
            answer = kf.get_url(body["MetaData"]["NextPageUrl"])
        assert pages == max(1, -(-len(expected) // 4))
        if resource in ("invoices", "purchases"):
            assert all(d["LineItems"] is None and d["PaymentLines"] is None for d in got)
            assert got == [{**e, "LineItems": None, "PaymentLines": None} for e in expected]
        else:
            assert got == expected


def test_metadata_urls_and_sorting():
    invoices = kashflow_records("invoices")
    with running_kashflow() as kf:
        first = kf.get("invoices", perpage=10).json()["MetaData"]
        assert first["PreviousPageUrl"] is None
        assert first["FirstPageUrl"].startswith(kf.handle.url) and "page=1" in first["FirstPageUrl"]
        assert "page=3" in first["LastPageUrl"] and "perpage=10" in first["NextPageUrl"]
        last = kf.get_url(first["LastPageUrl"]).json()
        assert last["MetaData"]["NextPageUrl"] is None and "page=2" in last["MetaData"]["PreviousPageUrl"]
        by_gross = kf.get("invoices", sortby="GrossAmount", order="Desc", perpage=100).json()["Data"]
        assert [d["GrossAmount"] for d in by_gross] == sorted(
            (i["GrossAmount"] for i in invoices), reverse=True
        )
        by_date = kf.get("invoices", sortby="InvoiceDate", perpage=100).json()["Data"]
        assert [d["IssuedDate"] for d in by_date] == sorted(i["IssuedDate"] for i in invoices)
        assert kf.get("invoices", sortby="Colour").status_code == 400
        assert kf.get("invoices", perpage=0).status_code == 400


def test_documents_carry_their_lines_and_payment_lines():
    invoice = next(i for i in kashflow_records("invoices") if i["PaymentLines"])
    purchase = kashflow_records("purchases")[0]
    customer = kashflow_records("customers")[2]
    with running_kashflow() as kf:
        got = kf.get(f"invoices/{invoice['Number']}").json()
        assert got == invoice and got["LineItems"] and got["PaymentLines"]
        assert kf.get(f"purchases/{purchase['Number']}").json() == purchase
        assert kf.get(f"customers/{customer['Code'].lower()}").json() == customer
        assert kf.get("invoices/999999").status_code == 404


def test_nominals_and_bank_accounts_are_plain_lists():
    with running_kashflow() as kf:
        assert kf.get("nominals").json() == kashflow_records("nominals")
        assert kf.get("bankaccounts").json() == kashflow_records("bankaccounts")
        nominal = kashflow_records("nominals")[3]
        assert kf.get(f"nominals/{nominal['Code']}").json() == nominal


def test_fault_switches_apply_to_kashflow_too():
    with running_kashflow(faults=FaultSpec.parse("error_rate=1,seed=1")) as kf:  # sign-in is spared
        assert {kf.get("customers").status_code for _ in range(10)} == {500, 503}
    with (
        running_kashflow(faults=FaultSpec.parse("drop_rate=1,seed=1")) as kf,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        kf.get("invoices")
    with running_kashflow(faults=FaultSpec.parse("token_expiry_rate=1,seed=1")) as kf:
        assert kf.get("customers").json()["Error"] == "InvalidSessionToken"
        assert kf.sandbox.faults.injected["token_expiry"] == 1
    with running_kashflow(faults=FaultSpec.parse("latency=200ms,seed=1")) as kf:
        answer = kf.get("nominals")
        assert answer.status_code == 200 and answer.elapsed.total_seconds() >= 0.2


def test_a_scenario_without_a_kashflow_folder_is_refused_clearly(tmp_path: Path):
    from sandbox.kashflow.app import create_app
    from sandbox.kashflow.store import ScenarioError

    with pytest.raises(ScenarioError, match="no kashflow/ folder"):
        create_app(tmp_path)


def test_a_document_is_found_by_its_number_even_when_another_documents_id_equals_it():
    """`/invoices/{number}` looks up Number first: 100001 must not answer the invoice whose Id is 100001."""
    from sandbox.kashflow.store import KNOWN, KfTable

    first = {"Id": 100001, "Number": 7, "GrossAmount": 1}
    second = {"Id": 200002, "Number": 100001, "GrossAmount": 2}
    table = KfTable(KNOWN["invoices"], [first, second])
    assert table.record(table.find("100001"))["Number"] == 100001
    assert table.record(table.find("7"))["Id"] == 100001
    assert table.find("200002") == 1  # the Id still finds a document no Number claims
    assert table.find("999") is None

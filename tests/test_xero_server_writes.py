"""Writes validated like Xero change the sandbox's state: journals, payments, invoice status, idempotency."""

from __future__ import annotations

from decimal import Decimal

from sandbox.xero.dates import parse_any_date
from tests.test_xero_server_fixtures import running_xero, scenario_records


def journal_body(
    *lines: tuple[str, str], date: str = "2026-03-15", status: str = "POSTED", narration="Accrual"
):
    return {
        "ManualJournals": [
            {
                "Narration": narration,
                "Date": date,
                "Status": status,
                "JournalLines": [
                    {"LineAmount": amount, "AccountCode": code, "Description": narration}
                    for code, amount in lines
                ],
            }
        ]
    }


def latest_update(xero, resource: str) -> int:
    return max(parse_any_date(r["UpdatedDateUTC"]) for r in xero.get(resource).json()[resource])


def test_posted_manual_journal_shows_in_manual_journals_and_journals():
    with running_xero() as xero:
        before = latest_update(xero, "ManualJournals")
        journals_before = xero.get("Journals").json()["Journals"]
        answer = xero.put("ManualJournals", journal_body(("429", "125.50"), ("090", "-125.50")))
        assert answer.status_code == 200, answer.text
        (created,) = answer.json()["ManualJournals"]
        assert created["Status"] == "POSTED" and created["Narration"] == "Accrual"
        assert parse_any_date(created["UpdatedDateUTC"]) > before
        listed = xero.get("ManualJournals").json()["ManualJournals"]
        assert listed[-1] == created and len(listed) == len(scenario_records("ManualJournals")) + 1
        changed = xero.get("ManualJournals", headers={"If-Modified-Since": "2026-05-01T00:00:00"}).json()
        assert changed["ManualJournals"] == [created]
        offset = journals_before[-1]["JournalNumber"]
        (posted,) = xero.get("Journals", offset=offset).json()["Journals"]
        assert posted["JournalNumber"] == offset + 1
        assert posted["SourceID"] == created["ManualJournalID"] and posted["SourceType"] == "MANJOURNAL"
        assert {(line["AccountCode"], line["NetAmount"]) for line in posted["JournalLines"]} == {
            ("429", 125.5),
            ("090", -125.5),
        }


def test_draft_journal_posts_nothing_until_posted():
    with running_xero() as xero:
        offset = xero.get("Journals").json()["Journals"][-1]["JournalNumber"]
        draft = xero.put("ManualJournals", journal_body(("429", "10"), ("090", "-10"), status="DRAFT")).json()
        journal_id = draft["ManualJournals"][0]["ManualJournalID"]
        assert xero.get("Journals", offset=offset).json()["Journals"] == []
        posted = xero.post(
            "ManualJournals", {"ManualJournals": [{"ManualJournalID": journal_id, "Status": "POSTED"}]}
        )
        assert posted.status_code == 200, posted.text
        assert posted.json()["ManualJournals"][0]["Status"] == "POSTED"
        (journal,) = xero.get("Journals", offset=offset).json()["Journals"]
        assert journal["SourceID"] == journal_id
        voided = xero.post(
            "ManualJournals", {"ManualJournals": [{"ManualJournalID": journal_id, "Status": "VOIDED"}]}
        )
        assert voided.status_code == 200
        reversal = xero.get("Journals", offset=offset + 1).json()["Journals"]
        assert [line["NetAmount"] for line in reversal[0]["JournalLines"]] == [
            -line["NetAmount"] for line in journal["JournalLines"]
        ]


def test_invalid_journals_get_xeros_validation_exception_and_change_nothing():
    cases = {
        "The total debits (100.00) must equal total credits (90.00)": journal_body(
            ("429", "100"), ("090", "-90")
        ),
        "Account code '999' is not a valid code for this document.": journal_body(
            ("999", "10"), ("090", "-10")
        ),
        "Account code '477' has been archived": journal_body(("477", "10"), ("090", "-10")),
        "period lock date (2026-01-31)": journal_body(("429", "10"), ("090", "-10"), date="2026-01-15"),
        "Narration is required": journal_body(("429", "10"), ("090", "-10"), narration=""),
        "at least two JournalLines": journal_body(("429", "0")),
    }
    with running_xero() as xero:
        count = len(xero.get("ManualJournals").json()["ManualJournals"])
        for message, body in cases.items():
            answer = xero.put("ManualJournals", body)
            assert answer.status_code == 400, message
            error = answer.json()
            assert error["ErrorNumber"] == 10 and error["Type"] == "ValidationException"
            assert error["Message"] == "A validation exception occurred"
            messages = [m["Message"] for m in error["Elements"][0]["ValidationErrors"]]
            assert any(message in m for m in messages), (message, messages)
        assert len(xero.get("ManualJournals").json()["ManualJournals"]) == count


def test_summarize_errors_false_answers_per_item():
    with running_xero() as xero:
        good = journal_body(("429", "40"), ("090", "-40"))["ManualJournals"][0]
        bad = journal_body(("429", "40"), ("090", "-39.99"))["ManualJournals"][0]
        answer = xero.put("ManualJournals", {"ManualJournals": [good, bad]}, summarizeErrors="false")
        assert answer.status_code == 200
        first, second = answer.json()["ManualJournals"]
        assert first["StatusAttributeString"] == "OK" and first["ManualJournalID"]
        assert second["StatusAttributeString"] == "ERROR"
        assert "must equal total credits" in second["ValidationErrors"][0]["Message"]
        ids = [m["ManualJournalID"] for m in xero.get("ManualJournals").json()["ManualJournals"]]
        assert first["ManualJournalID"] in ids


def test_idempotency_key_replays_the_first_answer():
    with running_xero() as xero:
        body = journal_body(("429", "12.34"), ("090", "-12.34"))
        first = xero.put("ManualJournals", body, headers={"Idempotency-Key": "writeback-0001"})
        second = xero.put("ManualJournals", body, headers={"Idempotency-Key": "writeback-0001"})
        assert first.status_code == second.status_code == 200
        assert first.content == second.content
        third = xero.put("ManualJournals", body, headers={"Idempotency-Key": "writeback-0002"})
        assert (
            third.json()["ManualJournals"][0]["ManualJournalID"]
            != first.json()["ManualJournals"][0]["ManualJournalID"]
        )
        narrations = [
            m for m in xero.get("ManualJournals").json()["ManualJournals"] if m["Narration"] == "Accrual"
        ]
        assert len(narrations) == 2
        too_long = xero.put("ManualJournals", body, headers={"Idempotency-Key": "k" * 129})
        assert too_long.status_code == 400


def test_idempotency_keys_expire_after_about_six_minutes():
    with running_xero() as xero:
        body = journal_body(("429", "1"), ("090", "-1"))
        first = xero.put("ManualJournals", body, headers={"Idempotency-Key": "k1"}).json()
        xero.sandbox.clock.advance(361)
        xero.access_token = xero.new_token()
        again = xero.put("ManualJournals", body, headers={"Idempotency-Key": "k1"}).json()
        assert again["ManualJournals"][0]["ManualJournalID"] != first["ManualJournals"][0]["ManualJournalID"]


def open_invoice(xero, after_lock: bool = True) -> dict:
    where = 'Status=="AUTHORISED" AND Type=="ACCREC" AND AmountPaid==0'
    where += " AND Date>DateTime(2026,01,31)" if after_lock else " AND Date<=DateTime(2026,01,31)"
    invoices = xero.get("Invoices", where=where).json()
    return next(i for i in invoices["Invoices"] if i["CurrencyCode"] == "USD")


def test_payments_reduce_amount_due_and_can_make_the_invoice_paid():
    with running_xero() as xero:
        invoice = open_invoice(xero)
        due = Decimal(str(invoice["AmountDue"]))
        part = (due / 3).quantize(Decimal("0.01"))
        offset = xero.get("Journals").json()["Journals"][-1]["JournalNumber"]
        payment = {
            "Invoice": {"InvoiceID": invoice["InvoiceID"]},
            "Account": {"Code": "090"},
            "Date": "2026-03-20",
            "Amount": str(part),
            "Reference": "Check 1001",
        }
        answer = xero.put("Payments", {"Payments": [payment]})
        assert answer.status_code == 200, answer.text
        (created,) = answer.json()["Payments"]
        assert created["Amount"] == float(part) and created["PaymentType"] == "ACCRECPAYMENT"
        after = xero.get(f"Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]
        assert Decimal(str(after["AmountDue"])) == due - part and after["Status"] == "AUTHORISED"
        assert parse_any_date(after["UpdatedDateUTC"]) > parse_any_date(invoice["UpdatedDateUTC"])
        assert after["Payments"][-1]["PaymentID"] == created["PaymentID"]
        rest = xero.post("Payments", {**payment, "Amount": str(due - part)})  # POST takes a single payment
        assert rest.status_code == 200, rest.text
        paid = xero.get(f"Invoices/{invoice['InvoiceNumber']}").json()["Invoices"][0]
        assert paid["Status"] == "PAID" and paid["AmountDue"] == 0 and Decimal(str(paid["AmountPaid"])) == due
        payment_ids = {p["PaymentID"] for p in xero.get("Payments").json()["Payments"]}
        assert (
            created["PaymentID"] in payment_ids and len(payment_ids) == len(scenario_records("Payments")) + 2
        )
        journals = xero.get("Journals", offset=offset).json()["Journals"]
        assert [j["SourceType"] for j in journals] == ["ACCRECPAYMENT", "ACCRECPAYMENT"]
        assert all(sum(Decimal(str(line["NetAmount"])) for line in j["JournalLines"]) == 0 for j in journals)
        modified = xero.get("Invoices", headers={"If-Modified-Since": "2026-05-01T00:00:00"}).json()[
            "Invoices"
        ]
        assert [i["InvoiceID"] for i in modified] == [invoice["InvoiceID"]]


def test_payments_above_amount_due_or_on_unpayable_invoices_are_refused():
    with running_xero() as xero:
        invoice = open_invoice(xero)
        due = Decimal(str(invoice["AmountDue"]))
        base = {
            "Invoice": {"InvoiceID": invoice["InvoiceID"]},
            "Account": {"Code": "090"},
            "Date": "2026-03-20",
        }
        over = xero.put("Payments", {"Payments": [{**base, "Amount": str(due + Decimal("0.01"))}]})
        assert over.status_code == 400
        message = over.json()["Elements"][0]["ValidationErrors"][0]["Message"]
        assert "exceeds the amount outstanding" in message
        two = xero.put("Payments", {"Payments": [{**base, "Amount": str(due)}, {**base, "Amount": "0.01"}]})
        assert two.status_code == 400  # together they pay more than is due: nothing is applied
        assert xero.get(f"Invoices/{invoice['InvoiceID']}").json()["Invoices"][0]["AmountDue"] == float(due)
        paid = xero.get("Invoices", where='Status=="PAID"').json()["Invoices"][0]
        refused = xero.put(
            "Payments", {"Payments": [{**base, "Invoice": {"InvoiceID": paid["InvoiceID"]}, "Amount": "1"}]}
        )
        assert "only AUTHORISED invoices can be paid" in refused.text
        locked = xero.put("Payments", {"Payments": [{**base, "Date": "2026-01-10", "Amount": "1"}]})
        assert locked.status_code == 400 and "period lock date" in locked.text
        not_bank = xero.put("Payments", {"Payments": [{**base, "Account": {"Code": "200"}, "Amount": "1"}]})
        assert not_bank.status_code == 400 and "not a bank account" in not_bank.text


def test_invoice_status_updates_follow_xeros_rules():
    with running_xero() as xero:
        locked = open_invoice(xero, after_lock=False)
        refused = xero.post(f"Invoices/{locked['InvoiceID']}", {"Invoices": [{"Status": "VOIDED"}]})
        assert refused.status_code == 400 and "period lock date" in refused.text
        invoice = open_invoice(xero)
        offset = xero.get("Journals").json()["Journals"][-1]["JournalNumber"]
        voided = xero.post(f"Invoices/{invoice['InvoiceID']}", {"Invoices": [{"Status": "VOIDED"}]})
        assert voided.status_code == 200, voided.text
        assert voided.json()["Invoices"][0]["Status"] == "VOIDED"
        (reversal,) = xero.get("Journals", offset=offset).json()["Journals"]
        assert reversal["SourceID"] == invoice["InvoiceID"]
        assert sum(Decimal(str(line["NetAmount"])) for line in reversal["JournalLines"]) == 0
        again = xero.post(
            "Invoices", {"Invoices": [{"InvoiceID": invoice["InvoiceID"], "Status": "AUTHORISED"}]}
        )
        assert again.status_code == 400 and "cannot become AUTHORISED" in again.text
        partly_paid = xero.get("Invoices", where='Status=="AUTHORISED" AND AmountPaid>0').json()["Invoices"][
            0
        ]
        refused = xero.post(f"Invoices/{partly_paid['InvoiceNumber']}", {"Invoices": [{"Status": "VOIDED"}]})
        assert refused.status_code == 400 and "payments or credit notes" in refused.text
        draft = xero.get("Invoices", where='Status=="DRAFT"').json()["Invoices"][0]
        approved = xero.post(
            "Invoices", {"Invoices": [{"InvoiceID": draft["InvoiceID"], "Status": "AUTHORISED"}]}
        )
        assert approved.status_code == 200, approved.text
        journal = xero.get("Journals", offset=offset + 1).json()["Journals"][0]
        assert journal["SourceID"] == draft["InvoiceID"] and journal["SourceType"] == "ACCREC"
        debtors = next(line for line in journal["JournalLines"] if line["AccountCode"] == "610")
        assert debtors["NetAmount"] == draft["Total"]
        assert sum(Decimal(str(line["NetAmount"])) for line in journal["JournalLines"]) == 0


def test_unsupported_writes_say_what_the_sandbox_takes():
    with running_xero() as xero:
        answer = xero.put("Items", {"Items": [{"Code": "NEW"}]})  # Contacts are writable (new contacts)
        assert answer.status_code == 405 and "ManualJournals" in answer.json()["Message"]
        garbage = xero.http.put(
            "/api.xro/2.0/ManualJournals",
            content=b"{not json",
            headers=xero.headers(**{"Content-Type": "application/json"}),
        )
        assert garbage.status_code == 400 and garbage.json()["Type"] == "PostDataInvalidException"

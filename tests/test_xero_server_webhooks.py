"""Webhooks from the Xero sandbox: signed event deliveries and the intent-to-receive check."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import orjson
from fastapi import FastAPI, Request, Response

from sandbox.serve import ServerHandle
from sandbox.xero.webhooks import sign, verify
from tests.test_xero_server_fixtures import running_xero

KEY = "webhook-key-for-tests"


def receiver(key: str | None) -> tuple[ServerHandle, list[tuple[bytes, str, int]]]:
    """A webhook endpoint that checks signatures with ``key`` (or accepts anything when None)."""
    received: list[tuple[bytes, str, int]] = []
    app = FastAPI()

    @app.post("/hook")
    async def hook(request: Request) -> Response:
        body = await request.body()
        signature = request.headers.get("x-xero-signature", "")
        status = 200 if key is None or verify(body, signature, key) else 401
        received.append((body, signature, status))
        return Response(status_code=status)

    return ServerHandle(app, name="receiver").start(), received


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the webhook"
        time.sleep(0.02)


def test_signature_is_base64_hmac_sha256_of_the_raw_body():
    body = b'{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"ABC"}'
    expected = base64.b64encode(hmac.new(b"key", body, hashlib.sha256).digest()).decode()
    assert sign(body, "key") == expected
    assert verify(body, sign(body, "key"), "key")
    assert not verify(body, sign(body, "other"), "key")
    assert not verify(body, None, "key")


def test_a_payment_sends_a_signed_invoice_update_that_verifies_only_with_the_key():
    handle, received = receiver(KEY)
    try:
        with running_xero(webhook_url=f"{handle.url}/hook", webhook_key=KEY) as xero:
            invoice = xero.get("Invoices", where='Status=="AUTHORISED" AND Date>DateTime(2026,02,01)').json()[
                "Invoices"
            ][0]
            payment = {
                "Invoice": {"InvoiceID": invoice["InvoiceID"]},
                "Account": {"Code": "090" if invoice["CurrencyCode"] == "USD" else "091"},
                "Date": "2026-03-01",
                "Amount": "1.00",
            }
            assert xero.put("Payments", {"Payments": [payment]}).status_code == 200
            wait_for(lambda: received)
            body, signature, status = received[0]
            assert status == 200
            payload = orjson.loads(body)
            (event,) = payload["events"]
            assert event["resourceId"] == invoice["InvoiceID"]
            assert event["eventCategory"] == "INVOICE" and event["eventType"] == "UPDATE"
            assert event["tenantId"] == xero.tenant_id and event["tenantType"] == "ORGANISATION"
            assert event["resourceUrl"].endswith(f"/Invoices/{invoice['InvoiceID']}")
            assert payload["firstEventSequence"] == payload["lastEventSequence"] == 1
            assert verify(body, signature, KEY)
            assert not verify(body, signature, "some-other-key")
            assert not verify(body + b" ", signature, KEY)
            wait_for(lambda: xero.sandbox.webhooks.deliveries[0].delivered)  # the sender saw the 200
    finally:
        handle.stop()


def test_a_refused_delivery_is_retried():
    handle, received = receiver("not-the-key")
    try:
        with running_xero(
            webhook_url=f"{handle.url}/hook", webhook_key=KEY, webhook_retries=2, webhook_backoff=0.05
        ) as xero:
            invoice = xero.get("Invoices", where='Status=="DRAFT"').json()["Invoices"][0]
            answer = xero.post(f"Invoices/{invoice['InvoiceID']}", {"Invoices": [{"Status": "SUBMITTED"}]})
            assert answer.status_code == 200, answer.text
            delivery = xero.sandbox.webhooks.deliveries[0]
            wait_for(lambda: len(delivery.statuses) == 3, timeout=10)
            assert [status for _, _, status in received] == [401, 401, 401]
            assert delivery.statuses == [401, 401, 401] and not delivery.delivered
    finally:
        handle.stop()


def test_intent_to_receive_passes_only_for_a_receiver_that_checks_signatures():
    good, _ = receiver(KEY)
    lax, _ = receiver(None)
    try:
        with running_xero(webhook_url=f"{good.url}/hook", webhook_key=KEY) as xero:
            result = xero.http.post("/sandbox/webhooks/intent-to-receive").json()
            assert result["passed"] is True
            assert result["valid_signature_status"] == 200 and result["invalid_signature_status"] == 401
        with running_xero(webhook_url=f"{lax.url}/hook", webhook_key=KEY) as xero:
            result = xero.http.post("/sandbox/webhooks/intent-to-receive").json()
            assert result["passed"] is False and result["invalid_signature_status"] == 200
        with running_xero() as xero:
            answer = xero.http.post("/sandbox/webhooks/intent-to-receive")
            assert answer.status_code == 400 and "--webhook-url" in answer.json()["error"]
    finally:
        good.stop()
        lax.stop()

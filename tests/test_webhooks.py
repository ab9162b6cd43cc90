"""``tieout webhooks serve``: signatures, the intent-to-receive check, durable events, triggered loads."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from sandbox.serve import ServerHandle
from tests.test_load_xero_support import query, write_xero_scenario, xero_sandbox, xero_settings
from tieout.load import run_load
from tieout.webhooks import DebouncedLoader, EventStore, create_app, signature, tables_for, xero_loader

KEY = "test-webhook-key-0123456789"
EVENT = {
    "resourceUrl": "https://api.xero.com/api.xro/2.0/Invoices/0b5a2a44-0000-4000-8000-000000000001",
    "resourceId": "0b5a2a44-0000-4000-8000-000000000001",
    "eventDateUtc": "2025-01-31T10:00:00.000",
    "eventType": "UPDATE",
    "eventCategory": "INVOICE",
    "tenantId": "t-1",
    "tenantType": "ORGANISATION",
}


def _wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _receiver(store: EventStore, loader, debounce: float = 0.2):
    trigger = DebouncedLoader(store, loader, debounce_seconds=debounce, echo=lambda _: None).start()
    handle = ServerHandle(create_app(KEY, store, trigger), name="webhooks").start()
    return handle, trigger


def _post(handle, payload: dict, key: str = KEY) -> httpx.Response:
    body = json.dumps(payload).encode()
    return httpx.post(
        f"{handle.url}/webhooks/xero", content=body, headers={"x-xero-signature": signature(body, key)}
    )


def test_forged_webhooks_are_rejected_and_signed_ones_stored_once(tmp_path):
    calls: list[list[str]] = []
    store = EventStore(tmp_path / "events.sqlite")
    handle, trigger = _receiver(store, lambda tables: calls.append(tables) or "ok")
    try:
        payload = {"events": [EVENT], "firstEventSequence": 1, "lastEventSequence": 1, "entropy": "ABC"}
        forged = _post(handle, payload, key="not-the-key")
        assert forged.status_code == 401 and forged.content == b""
        unsigned = httpx.post(f"{handle.url}/webhooks/xero", content=json.dumps(payload))
        assert unsigned.status_code == 401
        assert store.count() == 0
        ok = _post(handle, payload)
        assert ok.status_code == 200 and ok.content == b""
        assert _post(handle, payload).status_code == 200  # Xero redelivers: kept once
        assert store.count() == 1
        _wait_for(lambda: store.count(processed=True) == 1)
        assert calls == [["invoices"]]
        intent = {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": "XYZ"}
        assert _post(handle, intent).status_code == 200
        time.sleep(0.4)
        assert calls == [["invoices"]]  # the intent-to-receive check triggers no load
    finally:
        handle.stop()
        trigger.stop()
        store.close()


def test_events_left_pending_are_loaded_when_the_receiver_starts(tmp_path):
    store = EventStore(tmp_path / "events.sqlite")
    store.add([EVENT, {**EVENT, "eventCategory": "CONTACT", "resourceId": "c-1"}])
    store.close()
    store = EventStore(tmp_path / "events.sqlite")  # as after a crash: the events are still there
    calls: list[list[str]] = []
    outcomes = iter(["failed", "ok"])
    trigger = DebouncedLoader(
        store,
        lambda t: calls.append(t) or next(outcomes),
        debounce_seconds=0.05,
        retry_seconds=0.2,
        echo=lambda _: None,
    ).start()
    try:
        _wait_for(lambda: store.count(processed=True) == 2)
        assert calls == [["invoices", "contacts"], ["invoices", "contacts"]]  # a failed load is tried again
    finally:
        trigger.stop()
        store.close()
    assert tables_for(["CREDITNOTE", "SOMETHINGELSE"]) == ["credit_notes"]


@pytest.mark.integration
def test_sandbox_webhook_passes_intent_check_and_triggers_incremental_load(tmp_path, monkeypatch):
    write_xero_scenario(tmp_path / "scn", invoices=30)
    warehouse = tmp_path / "w.duckdb"
    store = EventStore(tmp_path / "events.sqlite")
    receiver, trigger = _receiver(store, xero_loader(warehouse, echo=lambda _: None), debounce=0.3)
    try:
        with xero_sandbox(
            tmp_path / "scn", webhook_url=f"{receiver.url}/webhooks/xero", webhook_key=KEY
        ) as xero:
            for key, value in xero_settings(xero).items():
                monkeypatch.setenv(key, value)
            check = httpx.post(f"{xero.url}/sandbox/webhooks/intent-to-receive").json()
            assert check["passed"], check
            assert (
                run_load("xero", warehouse=warehouse, echo=lambda _: None, progress_interval=0).exit_code == 0
            )
            invoice_id, number = query(
                warehouse,
                "select invoice_id, invoice_number from raw_xero.invoices where status='AUTHORISED' limit 1",
            )[0]
            sandbox = xero.app.state.sandbox
            sandbox.clock.advance(5)
            token = httpx.post(
                f"{xero.url}/connect/token",
                data={"grant_type": "client_credentials"},
                auth=("tieout-sandbox", "sandbox-secret"),
            ).json()["access_token"]
            tenant = next(iter(sandbox.tenants.values())).tenant_id
            answer = httpx.post(
                f"{xero.url}/api.xro/2.0/Invoices/{invoice_id}",
                json={"InvoiceID": invoice_id, "Reference": "changed, then announced by webhook"},
                headers={"Authorization": f"Bearer {token}", "xero-tenant-id": tenant},
            )
            assert answer.status_code == 200, answer.text
            _wait_for(lambda: store.count(processed=True) == 1)
            deliveries = httpx.get(f"{xero.url}/sandbox/webhooks/deliveries").json()
            assert deliveries[-1]["statuses"] == [200]
        assert trigger.loads == [(["invoices"], "ok")]
        assert query(
            warehouse, "select reference from raw_xero.invoices where invoice_number = ?", [number]
        ) == [("changed, then announced by webhook",)]
        runs = query(warehouse, "select source, status from raw_meta.load_runs order by started_at")
        assert runs == [("xero", "ok"), ("xero", "ok")]
    finally:
        receiver.stop()
        trigger.stop()
        store.close()


def test_serve_without_a_key_says_where_to_put_it(monkeypatch, tmp_path: Path):
    from tieout.webhooks import WebhookConfigError, webhook_key

    monkeypatch.delenv("SOURCES__XERO__WEBHOOK_KEY", raising=False)
    monkeypatch.chdir(tmp_path)  # no .dlt/secrets.toml here
    monkeypatch.setenv("DLT_PROJECT_DIR", str(tmp_path))
    with pytest.raises(WebhookConfigError, match="sources.xero.webhook_key"):
        webhook_key()
    monkeypatch.setenv("SOURCES__XERO__WEBHOOK_KEY", KEY)
    assert webhook_key() == KEY

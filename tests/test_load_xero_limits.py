"""The Xero loader under Xero's real limits and under injected faults (sandbox clock sped up 60x)."""

from __future__ import annotations

import math

import httpx
import pytest

from sandbox.faults import FaultSpec
from sandbox.serve import Clock
from sandbox.xero.config import XeroLimits
from tests.test_load_xero_support import query, table_counts, write_xero_scenario, xero_sandbox, xero_settings
from tieout.load import run_load

pytestmark = pytest.mark.integration

SPEED = 12.0  # one sandbox minute per 5 real seconds


def _load(warehouse, monkeypatch, handle, **extra):
    for key, value in xero_settings(handle, **extra).items():
        monkeypatch.setenv(key, value)
    report = run_load("xero", warehouse=warehouse, echo=lambda _: None, progress_interval=0)
    return report.results[0]


def test_real_limits_meet_no_429_and_use_only_the_calls_paging_needs(tmp_path, monkeypatch):
    invoices, journals = 1100, 6050  # 2 pages of 1000 and 61 calls of 100: more than 60 calls a minute
    expected = write_xero_scenario(tmp_path / "scn", invoices=invoices, journals=journals)
    warehouse = tmp_path / "w.duckdb"
    with xero_sandbox(tmp_path / "scn", limits=XeroLimits(), clock=Clock(speed=SPEED)) as handle:
        result = _load(warehouse, monkeypatch, handle, limit_window_seconds=60 / SPEED)
        stats = handle.app.state.sandbox.stats()
    assert result.status == "ok", result.message
    assert result.summary["http_429"] == 0
    assert stats["rejections"] == {}
    calls = stats["calls"]
    assert calls["GET Invoices"] == math.ceil(invoices / 1000)
    assert calls["GET Journals"] == math.ceil(journals / 100)
    # every other resource fits in one call; auth is one token grant plus the tenant lookup
    others = {k: v for k, v in calls.items() if k not in ("GET Invoices", "GET Journals")}
    assert set(others.values()) == {1} and len(others) == 9
    assert result.summary["api_calls"] == sum(calls.values())
    assert stats["grants"]["client_credentials"] == 1 and result.summary["auth_calls"] == 2
    assert sum(calls.values()) > 60  # the minute window really was in play
    counts = table_counts(warehouse, "raw_xero")
    assert counts["invoices"] == expected["counts"]["invoices"]
    assert counts["journals"] == journals


def test_minute_and_concurrency_429s_are_waited_out(tmp_path, monkeypatch):
    journals = 1500
    write_xero_scenario(tmp_path / "scn", invoices=1200, journals=journals)
    warehouse = tmp_path / "w.duckdb"
    with xero_sandbox(tmp_path / "scn", limits=XeroLimits(), clock=Clock(speed=SPEED)) as handle:
        sandbox = handle.app.state.sandbox
        tenant = next(iter(sandbox.tenants.values())).tenant_id
        token = httpx.post(
            f"{handle.url}/connect/token",
            data={"grant_type": "client_credentials"},
            auth=("tieout-sandbox", "sandbox-secret"),
        ).json()["access_token"]
        with httpx.Client() as other_app:  # another app spends this minute's budget just before the load
            for _ in range(60):
                other_app.get(
                    f"{handle.url}/api.xro/2.0/Organisation",
                    headers={"Authorization": f"Bearer {token}", "xero-tenant-id": tenant},
                )
        result = _load(warehouse, monkeypatch, handle, limit_window_seconds=60 / SPEED, max_concurrent=12)
        stats = sandbox.stats()
    assert result.status == "ok", result.message
    assert stats["rejections"].get("minute", 0) >= 1
    assert result.summary["http_429"] == sum(stats["rejections"].values())
    assert table_counts(warehouse, "raw_xero")["journals"] == journals
    assert query(warehouse, "select count(distinct journal_id) from raw_xero.journals") == [(journals,)]


def test_faults_do_not_change_counts_or_duplicate_rows(tmp_path, monkeypatch):
    expected = write_xero_scenario(tmp_path / "scn", invoices=2600, payments=300, journals=450)
    # scope=all: the token endpoint and /connections fail too
    faults = FaultSpec.parse(
        "latency=1-4ms,error_rate=0.2,drop_rate=0.15,token_expiry_rate=0.1,seed=11,scope=all"
    )
    warehouse = tmp_path / "w.duckdb"
    with xero_sandbox(tmp_path / "scn", faults=faults) as handle:
        result = _load(warehouse, monkeypatch, handle, retry_attempts=12)
        injected = handle.app.state.sandbox.stats()["faults"]
    assert result.status == "ok", result.message
    assert injected.get("drop", 0) + injected.get("error_500", 0) + injected.get("error_503", 0) >= 1
    assert injected.get("token_expiry", 0) >= 1
    assert result.summary["retries"] >= 1
    counts = table_counts(warehouse, "raw_xero")
    for table, count in expected["counts"].items():
        assert counts[table] == count, table
    assert query(warehouse, "select count(*) - count(distinct invoice_id) from raw_xero.invoices") == [(0,)]
    assert query(
        warehouse, "select count(*) - count(distinct line_item_id) from raw_xero.invoices__line_items"
    ) == [(0,)]
    assert query(warehouse, "select count(*) - count(distinct payment_id) from raw_xero.payments") == [(0,)]

"""Each fault switch, seeded and deterministic: latency, 500/503, dropped bodies, token expiry."""

from __future__ import annotations

import time

import httpx
import pytest

from sandbox.faults import FaultInjector, FaultSpec
from tests.test_xero_server_fixtures import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, running_xero


def test_fault_spec_parses_and_explains_mistakes():
    spec = FaultSpec.parse("latency=50ms,error_rate=0.05,drop_rate=0.02,token_expiry_rate=0.1,seed=7")
    assert spec == FaultSpec(
        latency=(0.05, 0.05), error_rate=0.05, drop_rate=0.02, token_expiry_rate=0.1, seed=7, scope="api"
    )
    assert FaultSpec.parse("latency=20-80ms").latency == (0.02, 0.08)
    assert FaultSpec.parse("latency=0.5s,scope=all").latency == (0.5, 0.5)
    assert FaultSpec.parse(spec.describe()) == spec
    for bad, message in [
        ("error_rate=2", "between 0 and 1"),
        ("latency=fast", "not a duration"),
        ("explode=1", "not understood"),
        ("seed=x", "integer"),
        ("scope=everything", "'api' or 'all'"),
    ]:
        with pytest.raises(ValueError, match=message):
            FaultSpec.parse(bad)


def test_the_same_seed_draws_the_same_faults_whatever_the_interleaving():
    spec = FaultSpec.parse("error_rate=0.3,drop_rate=0.2,token_expiry_rate=0.1,seed=11")
    requests = [("GET", f"/api.xro/2.0/Invoices?page={n % 7}") for n in range(300)]
    first, second = FaultInjector(spec), FaultInjector(spec)
    a = [first.decide(*r) for r in requests]
    # the same calls arriving in another order (each call's own repeats keep their order) draw the same
    arrival = sorted(range(len(requests)), key=lambda i: (requests[i][1], i))
    b = {i: second.decide(*requests[i]) for i in arrival}
    assert a == [b[i] for i in range(len(requests))]
    other = FaultInjector(FaultSpec.parse("error_rate=0.3,drop_rate=0.2,token_expiry_rate=0.1,seed=12"))
    assert [other.decide(*r) for r in requests] != a
    errors = sum(1 for d in a if d.error_status)
    assert 40 < errors < 140 and {d.error_status for d in a if d.error_status} == {500, 503}
    assert first.injected["drop"] > 0 and first.injected["token_expiry"] > 0


def test_error_rate_answers_500_or_503_and_leaves_the_token_endpoint_alone():
    with running_xero(faults=FaultSpec.parse("error_rate=1,seed=3")) as xero:  # signs in fine: scope=api
        statuses = {xero.get("Currencies").status_code for _ in range(20)}
        assert statuses == {500, 503}
    with (
        pytest.raises(httpx.HTTPStatusError),
        running_xero(faults=FaultSpec.parse("error_rate=1,seed=3,scope=all")),
    ):
        pass


def test_some_errors_at_a_rate_retry_succeeds():
    with running_xero(faults=FaultSpec.parse("error_rate=0.5,seed=5")) as xero:
        outcomes = []
        for _ in range(10):
            for _attempt in range(20):
                answer = xero.get("Currencies")
                outcomes.append(answer.status_code)
                if answer.status_code == 200:
                    break
            assert answer.status_code == 200
        assert 500 in outcomes or 503 in outcomes


def test_drop_rate_cuts_the_connection_mid_body():
    with running_xero(faults=FaultSpec.parse("drop_rate=1,seed=1")) as xero:
        with pytest.raises(httpx.RemoteProtocolError):
            xero.get("Invoices")
        assert xero.sandbox.faults.injected["drop"] >= 1


def test_latency_is_added_to_each_call():
    with running_xero(faults=FaultSpec.parse("latency=250ms,seed=1")) as xero:
        started = time.perf_counter()
        assert xero.get("Currencies").status_code == 200
        assert time.perf_counter() - started >= 0.25


def test_early_token_expiry_answers_401_and_a_new_token_works():
    with running_xero(faults=FaultSpec.parse("token_expiry_rate=0.5,seed=9")) as xero:
        expired = 0
        for _ in range(30):
            answer = xero.get("Currencies")
            if answer.status_code == 401:
                assert answer.json()["detail"].startswith("TokenExpired")
                assert xero.get("Currencies").status_code == 401  # it stays expired
                expired += 1
                xero.access_token = xero.new_token()
            else:
                assert answer.status_code == 200
        assert expired > 3


def test_token_endpoint_faults_only_when_scope_is_all():
    spec = FaultSpec.parse("error_rate=0.5,seed=2,scope=all")
    with running_xero(faults=FaultSpec.parse("error_rate=0.5,seed=2")) as xero:
        statuses = set()
        for _ in range(20):
            statuses.add(
                xero.http.post(
                    "/connect/token",
                    data={"grant_type": "client_credentials"},
                    auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
                ).status_code
            )
        assert statuses == {200}
        xero.sandbox.faults.spec = spec
        statuses = set()
        for _ in range(20):
            statuses.add(
                xero.http.post(
                    "/connect/token",
                    data={"grant_type": "client_credentials"},
                    auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
                ).status_code
            )
        assert 200 in statuses and statuses & {500, 503}

"""Xero's rate limits in the sandbox: remaining-call headers, 429s, Retry-After, concurrency, the clock."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from sandbox.faults import FaultSpec
from sandbox.serve import Clock
from sandbox.xero.config import XeroLimits
from tests.test_xero_server_fixtures import API, frozen_clock, running_xero


def test_every_answer_counts_down_the_remaining_calls():
    with running_xero(limits=XeroLimits()) as xero:
        first = xero.get("Organisation")
        second = xero.get("Accounts")
        assert (
            first.headers["X-MinLimit-Remaining"] == "59" and second.headers["X-MinLimit-Remaining"] == "58"
        )
        assert (
            first.headers["X-DayLimit-Remaining"] == "4999"
            and second.headers["X-DayLimit-Remaining"] == "4998"
        )
        assert int(second.headers["X-AppMinLimit-Remaining"]) == 9998


def test_the_sixty_first_call_in_a_minute_gets_429_until_the_window_moves():
    clock = frozen_clock()
    with running_xero(limits=XeroLimits(), clock=clock) as xero:
        for n in range(60):
            answer = xero.get("Currencies")
            assert answer.status_code == 200, n
        assert answer.headers["X-MinLimit-Remaining"] == "0"
        clock.advance(20)
        limited = xero.get("Currencies")
        assert limited.status_code == 429
        assert limited.headers["X-Rate-Limit-Problem"] == "minute"
        assert limited.headers["Retry-After"] == "40"
        assert (
            limited.headers["X-MinLimit-Remaining"] == "0"
            and limited.headers["X-DayLimit-Remaining"] == "4940"
        )
        clock.advance(40)
        assert xero.get("Currencies").status_code == 200
        assert xero.sandbox.limiter.rejections["minute"] == 1


def test_the_daily_limit_says_day_and_how_long_to_wait():
    clock = frozen_clock()
    with running_xero(limits=XeroLimits(per_day=12), clock=clock, access_token_lifetime=10 * 86400) as xero:
        for _ in range(12):
            assert xero.get("Currencies").status_code == 200
            clock.advance(3600)
        limited = xero.get("Currencies")
        assert limited.status_code == 429 and limited.headers["X-Rate-Limit-Problem"] == "day"
        assert limited.headers["X-DayLimit-Remaining"] == "0"
        assert int(limited.headers["Retry-After"]) == 86400 - 12 * 3600
        clock.advance(int(limited.headers["Retry-After"]))
        xero.access_token = xero.new_token()
        assert xero.get("Currencies").status_code == 200


def test_more_than_five_concurrent_calls_get_429_concurrent():
    faults = FaultSpec.parse("latency=400ms,seed=1")
    with running_xero(limits=XeroLimits(), faults=faults) as xero:
        headers = xero.headers()

        def call(_: int) -> httpx.Response:
            with httpx.Client(base_url=xero.handle.url, timeout=10) as client:
                return client.get(f"{API}/Currencies", headers=headers)

        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(pool.map(call, range(10)))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] * 5 + [429] * 5
        rejected = [a for a in answers if a.status_code == 429]
        assert all(
            a.headers["X-Rate-Limit-Problem"] == "concurrent" and a.headers["Retry-After"] for a in rejected
        )
        assert xero.get("Currencies").status_code == 200  # slots are released when calls finish


def test_a_sped_up_clock_shortens_retry_after_to_real_seconds():
    clock = Clock(speed=120)
    with running_xero(limits=XeroLimits(per_minute=5), clock=clock) as xero:
        for _ in range(5):
            assert xero.get("Currencies").status_code == 200
        limited = xero.get("Currencies")
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
        time.sleep(float(limited.headers["Retry-After"]))
        assert xero.get("Currencies").status_code == 200


def test_lifted_limits_send_no_headers_and_never_429():
    with running_xero(limits=None) as xero:
        answers = [xero.get("Currencies") for _ in range(80)]
        assert {a.status_code for a in answers} == {200}
        assert "X-MinLimit-Remaining" not in answers[-1].headers

"""Unit tests of the loader's building blocks: limiter, value parsing, record checks, retry policy."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from dlt_pipelines.common.quarantine import FieldRules, RecordProblem, checked, split_valid
from dlt_pipelines.common.ratelimit import CallLimiter, DailyLimitReached
from dlt_pipelines.common.retry import RateLimited, RetryPolicy, TransientError, retrying
from dlt_pipelines.common.values import (
    ValueProblem,
    loads_exact,
    parse_any_date,
    parse_integer,
    parse_ms_date,
    parse_number,
)


class FakeClock:
    """Time that only moves when someone sleeps (or a test advances it)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_limiter_keeps_every_rolling_window_within_the_minute_budget():
    clock = FakeClock()
    limiter = CallLimiter(max_concurrent=5, per_minute=5, window_seconds=60, clock=clock, sleep=clock.sleep)
    starts, ends = [], []
    for _ in range(17):
        limiter.acquire()
        starts.append(clock.now)
        clock.now += 1.0  # the call takes a second
        limiter.release()
        ends.append(clock.now)
    # a call may start only once the call five before it has been out of the window for a full minute
    for i in range(5, 17):
        assert starts[i] >= ends[i - 5] + 60
    assert starts[5] == pytest.approx(61.0)  # and no later than needed
    assert limiter.waits >= 3


def test_limiter_caps_calls_in_flight():
    limiter = CallLimiter(max_concurrent=3, per_minute=None)
    in_flight, peak, lock = 0, 0, threading.Lock()

    def call() -> None:
        nonlocal in_flight, peak
        with limiter.slot():
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            time.sleep(0.02)
            with lock:
                in_flight -= 1

    threads = [threading.Thread(target=call) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 3


def test_limiter_follows_the_servers_remaining_headers_and_pauses():
    clock = FakeClock()
    limiter = CallLimiter(max_concurrent=5, per_minute=60, window_seconds=60, clock=clock, sleep=clock.sleep)
    with limiter.slot():
        clock.now += 0.5
        limiter.observe({"x-minlimit-remaining": "0", "x-daylimit-remaining": "100"})
    limiter.acquire()  # another client spent the minute: wait for the window to roll
    assert clock.now >= 60.5
    limiter.release()
    limiter.pause(30)  # a 429's Retry-After
    before = clock.now
    limiter.acquire()
    assert clock.now >= before + 30
    limiter.release()
    limiter.observe({"x-daylimit-remaining": "0"})
    with pytest.raises(DailyLimitReached, match="run the load again when the daily limit resets"):
        limiter.acquire()


def test_daily_limit_message_says_when_to_resume():
    exc = DailyLimitReached(3600, "Xero answered 429")
    assert exc.resume_at is not None
    assert f"after {exc.resume_at:%Y-%m-%d %H:%M:%S} UTC" in str(exc)


def test_retry_policy_retries_transient_errors_only():
    attempts = []
    for attempt in retrying(RetryPolicy(attempts=4, initial_wait=0.0, max_wait=0.0), sleep=lambda _: None):
        with attempt:
            attempts.append(1)
            if len(attempts) < 3:
                raise TransientError("503")
    assert len(attempts) == 3
    with pytest.raises(ValueError):
        for attempt in retrying(RetryPolicy(attempts=4), sleep=lambda _: None):
            with attempt:
                raise ValueError("not retryable")
    waits: list[float] = []
    with pytest.raises(RateLimited):
        for attempt in retrying(RetryPolicy(attempts=2, initial_wait=5), sleep=waits.append):
            with attempt:
                raise RateLimited("429 minute")
    assert waits == [0.0]  # the limiter, not the backoff, waits out Retry-After


def test_dates_and_numbers_parse_strictly():
    assert parse_ms_date("/Date(1439434356790+0000)/") == datetime(2015, 8, 13, 2, 52, 36, 790000, tzinfo=UTC)
    assert parse_ms_date("/Date(1439434356790+0100)/") == parse_ms_date("/Date(1439434356790)/")
    assert parse_any_date("2024-02-29") == date(2024, 2, 29)
    assert parse_any_date("2013-06-07 12:00:00") == datetime(2013, 6, 7, 12)
    assert parse_any_date("2013-06-07T12:00:00+01:00").utcoffset().total_seconds() == 3600
    for bad in ["2024-02-30", "2023-13-01 00:00:00", "/Date(abc)/", "yesterday", 20240101]:
        with pytest.raises(ValueProblem):
            parse_any_date(bad)
    assert parse_number("1,234.50") == Decimal("1234.50")
    assert parse_number(0.1) == Decimal("0.1")
    assert parse_integer("12") == 12
    for bad in ["12.x0", True, "NaN", None]:
        with pytest.raises(ValueProblem):
            parse_number(bad)
    with pytest.raises(ValueProblem):
        parse_integer(Decimal("1.5"))
    assert loads_exact('{"Total": 10.10, "N": 3}') == {"Total": Decimal("10.10"), "N": 3}


RULES = FieldRules(
    numeric=frozenset({"Total", "Quantity"}), dates=frozenset({"Date"}), integers=frozenset({"JournalNumber"})
)


def test_record_checks_name_the_field_and_keep_amounts_decimal():
    row = checked(
        {"Total": 10, "Date": "2024-01-31", "Lines": [{"Quantity": "2.5"}], "JournalNumber": "7"}, RULES
    )
    assert row == {
        "Total": Decimal(10),
        "Date": "2024-01-31",
        "Lines": [{"Quantity": Decimal("2.5")}],
        "JournalNumber": 7,
    }
    assert isinstance(row["Total"], Decimal)
    with pytest.raises(RecordProblem) as problem:
        checked({"Total": "ten", "Lines": [{"Quantity": 1}, {"Quantity": "x"}], "Date": "2024-02-31"}, RULES)
    reason = problem.value.reason
    assert "Total: 'ten' is text, not a number (expected a number)" in reason
    assert "Lines[1].Quantity" in reason and "Date: '2024-02-31' is not a valid date" in reason


def test_split_valid_quarantines_with_raw_payload_and_stable_id():
    good, bad = split_valid(
        [{"ID": "a", "Total": 1}, {"ID": "b", "Total": "1O.00"}],
        RULES,
        source="xero",
        resource="invoices",
        key_field="ID",
        tenant_id="t1",
    )
    assert [r["ID"] for r in good] == ["a"]
    assert len(bad) == 1 and bad[0]["record_key"] == "b" and bad[0]["tenant_id"] == "t1"
    assert '"Total": "1O.00"' in bad[0]["raw_payload"]
    _, again = split_valid(
        [{"ID": "b", "Total": "1O.00"}],
        RULES,
        source="xero",
        resource="invoices",
        key_field="ID",
        tenant_id="t1",
    )
    assert again[0]["quarantine_id"] == bad[0]["quarantine_id"]  # the same bad record is kept once


def test_cursor_timestamps_are_aware_utc():
    from dlt_pipelines.xero.helpers import shape, utc_moment

    row = shape({"UpdatedDateUTC": "/Date(1439434356790+0000)/", "Total": 1}, "t1")
    assert row["tenant_id"] == "t1" and row["UpdatedDateUTC"] == "/Date(1439434356790+0000)/"
    assert row["updated_at"] == datetime(2015, 8, 13, 2, 52, 36, 790000, tzinfo=UTC)
    assert utc_moment("2015-08-13T02:52:36") == datetime(2015, 8, 13, 2, 52, 36, tzinfo=UTC)
    assert utc_moment("2015-08-13T04:52:36+02:00") == datetime(2015, 8, 13, 2, 52, 36, tzinfo=UTC)
    assert utc_moment("2015-08-13") == datetime(2015, 8, 13, tzinfo=UTC)


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    """Transient failures wait initial*2^n plus a random jitter up to ``jitter``, never above max_wait."""
    policy = RetryPolicy(attempts=7, initial_wait=1.0, max_wait=10.0, jitter=0.5)
    runs: list[list[float]] = []
    for _ in range(20):
        waits: list[float] = []
        with pytest.raises(TransientError):
            for attempt in retrying(policy, sleep=waits.append):
                with attempt:
                    raise TransientError("502 from the API")
        runs.append(waits)
    for waits in runs:
        assert len(waits) == policy.attempts - 1
        for n, wait in enumerate(waits):
            base = min(policy.initial_wait * 2**n, policy.max_wait)
            assert base <= wait <= min(base + 0.5, policy.max_wait), (n, wait)
    first_waits = {round(waits[0], 6) for waits in runs}
    assert len(first_waits) > 10, "jitter spreads the retries of many clients apart"

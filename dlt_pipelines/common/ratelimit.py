"""A call limiter shared by every thread that talks to one API tenant.

It keeps at most ``max_concurrent`` calls in flight and at most ``per_minute`` calls in any rolling window
of ``window_seconds`` (60 for Xero; tests shrink it), and it follows what the server says: the
``X-MinLimit-Remaining`` / ``X-DayLimit-Remaining`` headers and a ``Retry-After`` pause after a 429.
A day budget at zero raises ``DailyLimitReached`` before a call is wasted.

A call counts against the window from the moment its answer arrived (the server counted it earlier),
and until then as in flight: so the client never believes a slot is free before the server does.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


class DailyLimitReached(RuntimeError):
    """The API's daily call budget is spent; loading must stop and resume later."""

    def __init__(self, retry_after_seconds: float | None, detail: str = "") -> None:
        self.retry_after_seconds = retry_after_seconds
        self.resume_at = (
            datetime.now(UTC) + timedelta(seconds=retry_after_seconds)
            if retry_after_seconds is not None
            else None
        )
        when = (
            f"after {self.resume_at:%Y-%m-%d %H:%M:%S} UTC"
            if self.resume_at
            else "when the daily limit resets"
        )
        super().__init__(
            f"the daily API call limit is reached{': ' + detail if detail else ''}; "
            f"what was loaded is kept; run the load again {when} to resume"
        )


class CallLimiter:
    """Concurrency + rolling-window limiter that also obeys the server's remaining-calls headers."""

    def __init__(
        self,
        *,
        max_concurrent: int = 5,
        per_minute: int | None = 60,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_concurrent = max_concurrent
        self.per_minute = per_minute
        self.window_seconds = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._cond = threading.Condition()
        self._in_flight = 0
        self._finished: deque[float] = deque()  # when each answer in the window arrived
        self._paused_until = 0.0
        self._server_min_remaining: int | None = None
        self._server_min_seen_at = 0.0
        self._day_remaining: int | None = None
        self._day_retry_after: float | None = None
        self.waits = 0

    # -- admission -------------------------------------------------------------------------------
    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one call slot for the duration of the block (waiting for one if needed)."""
        self.acquire()
        try:
            yield
        finally:
            self.release()

    def acquire(self) -> None:
        with self._cond:
            while True:
                if self._day_remaining is not None and self._day_remaining <= 0:
                    raise DailyLimitReached(self._day_retry_after, "no calls left today for this tenant")
                delay = self._delay_locked()
                if delay is None:  # every call of the window is still in flight: wait for one to finish
                    self.waits += 1
                    self._cond.wait(timeout=1.0)
                    continue
                if delay <= 0 and self._in_flight < self.max_concurrent:
                    self._in_flight += 1
                    if self._server_min_remaining is not None:
                        self._server_min_remaining -= 1
                    if self._day_remaining is not None:
                        self._day_remaining -= 1
                    return
                self.waits += 1
                if delay > 0:
                    # release the lock while sleeping so finished calls can report back
                    self._cond.release()
                    try:
                        self._sleep(min(delay, 1.0))
                    finally:
                        self._cond.acquire()
                else:
                    self._cond.wait(timeout=1.0)

    def release(self) -> None:
        with self._cond:
            self._in_flight -= 1
            self._finished.append(self._clock())
            self._cond.notify_all()

    def _delay_locked(self) -> float | None:
        """Seconds to wait before the next call may start; None: wait until a call in flight ends."""
        now = self._clock()
        delay = self._paused_until - now
        window_start = now - self.window_seconds
        while self._finished and self._finished[0] <= window_start:
            self._finished.popleft()
        used = len(self._finished) + self._in_flight
        if self.per_minute is not None and used >= self.per_minute:
            if not self._finished:
                return None
            # the oldest finished call leaves the window first (in-flight ones leave later still)
            delay = max(delay, self._finished[0] + self.window_seconds - now, 1e-3)
        if self._server_min_remaining is not None and self._server_min_remaining <= 0:
            # the server sees less budget than we do (other clients share it): wait for the window to roll
            if now - self._server_min_seen_at >= self.window_seconds:
                self._server_min_remaining = None
            else:
                oldest = self._finished[0] if self._finished else self._server_min_seen_at
                delay = max(delay, oldest + self.window_seconds - now, 1e-3)
        return delay

    # -- feedback from the server ---------------------------------------------------------------------
    def observe(self, headers: Mapping[str, str]) -> None:
        """Read ``X-MinLimit-Remaining`` and ``X-DayLimit-Remaining`` from an answer."""
        with self._cond:
            minute = _int_header(headers, "x-minlimit-remaining")
            if minute is not None:
                # calls still in flight will spend some of it
                self._server_min_remaining = minute - max(self._in_flight - 1, 0)
                self._server_min_seen_at = self._clock()
            day = _int_header(headers, "x-daylimit-remaining")
            if day is not None:
                self._day_remaining = day - max(self._in_flight - 1, 0)
            self._cond.notify_all()

    def pause(self, seconds: float) -> None:
        """Admit no call for ``seconds`` (a minute or concurrency 429's ``Retry-After``)."""
        with self._cond:
            self._paused_until = max(self._paused_until, self._clock() + max(seconds, 0.0))
            self._server_min_remaining = None
            self._cond.notify_all()

    def day_exhausted(self, retry_after: float | None) -> None:
        """Remember that the day budget is gone so no further call is attempted in this run."""
        with self._cond:
            self._day_remaining = 0
            self._day_retry_after = retry_after
            self._cond.notify_all()


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None

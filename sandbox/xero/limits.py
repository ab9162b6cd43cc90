"""Xero's rate limits: concurrent calls, rolling minute and day windows per tenant, an app-wide minute.

Every API answer carries ``X-DayLimit-Remaining``, ``X-MinLimit-Remaining`` and
``X-AppMinLimit-Remaining``; a call over a limit gets 429 with ``Retry-After`` and
``X-Rate-Limit-Problem`` (``day``, ``minute``, ``appminute`` or ``concurrent``). Windows run on the
sandbox clock; ``Retry-After`` is converted to real seconds when the clock is sped up. Rejected calls
do not count against the windows.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque
from dataclasses import dataclass

from sandbox.serve import Clock
from sandbox.xero.config import XeroLimits

MINUTE = 60.0
DAY = 86400.0


@dataclass(frozen=True)
class Rejection:
    problem: str
    retry_after: int


class RateLimiter:
    """Counts calls per tenant on the sandbox clock and decides who waits."""

    def __init__(self, limits: XeroLimits, clock: Clock) -> None:
        self.limits = limits
        self.clock = clock
        self._minute: dict[str, deque[float]] = defaultdict(deque)
        self._day: dict[str, deque[float]] = defaultdict(deque)
        self._app: deque[float] = deque()
        self._in_flight: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self.rejections: dict[str, int] = defaultdict(int)

    def _trim(self, now: float) -> None:
        for windows, span in ((self._minute, MINUTE), (self._day, DAY)):
            for window in windows.values():
                while window and window[0] <= now - span:
                    window.popleft()
        while self._app and self._app[0] <= now - MINUTE:
            self._app.popleft()

    def _retry_after(self, oldest: float, span: float, now: float) -> int:
        return max(1, math.ceil(self.clock.real_seconds(oldest + span - now)))

    def acquire(self, tenant: str) -> Rejection | None:
        """Count a call for ``tenant``; a Rejection says which limit it hit and how long to wait."""
        limits = self.limits
        with self._lock:
            now = self.clock.time()
            self._trim(now)
            day, minute = self._day[tenant], self._minute[tenant]
            rejection = None
            if len(day) >= limits.per_day:
                rejection = Rejection("day", self._retry_after(day[0], DAY, now))
            elif len(self._app) >= limits.app_per_minute:
                rejection = Rejection("appminute", self._retry_after(self._app[0], MINUTE, now))
            elif len(minute) >= limits.per_minute:
                rejection = Rejection("minute", self._retry_after(minute[0], MINUTE, now))
            elif self._in_flight[tenant] >= limits.concurrent:
                rejection = Rejection("concurrent", 1)
            if rejection:
                self.rejections[rejection.problem] += 1
                return rejection
            day.append(now)
            minute.append(now)
            self._app.append(now)
            self._in_flight[tenant] += 1
            return None

    def release(self, tenant: str) -> None:
        with self._lock:
            self._in_flight[tenant] = max(0, self._in_flight[tenant] - 1)

    def headers(self, tenant: str) -> list[tuple[bytes, bytes]]:
        limits = self.limits
        with self._lock:
            self._trim(self.clock.time())
            values = (
                (b"x-daylimit-remaining", max(0, limits.per_day - len(self._day[tenant]))),
                (b"x-minlimit-remaining", max(0, limits.per_minute - len(self._minute[tenant]))),
                (b"x-appminlimit-remaining", max(0, limits.app_per_minute - len(self._app))),
            )
        return [(name, str(value).encode()) for name, value in values]

"""Counters for one load: per resource rows, pages and calls; API calls, 429s, retries, quarantine, stops.

Clients and resources write to a ``LoadStats`` from several threads; ``tieout load`` reads snapshots
of it to print progress and the final summary.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ResourceStats:
    """What one resource has done so far."""

    rows: int = 0
    pages: int = 0
    calls: int = 0
    quarantined: int = 0
    deleted: int = 0
    done: bool = False


@dataclass
class StopInfo:
    """Why a load stopped early and when it can resume."""

    reason: str
    resume_at: str | None = None


@dataclass
class LoadStats:
    """Thread-safe counters for one source's load."""

    source: str
    resources: dict[str, ResourceStats] = field(default_factory=dict)
    api_calls: int = 0
    auth_calls: int = 0
    http_429: int = 0
    retries: int = 0
    quarantined: int = 0
    stopped: StopInfo | None = None
    started: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _resource(self, name: str) -> ResourceStats:
        return self.resources.setdefault(name, ResourceStats())

    def call(self, resource: str | None) -> None:
        """One API call (a request sent), attributed to ``resource`` when known."""
        with self._lock:
            self.api_calls += 1
            if resource:
                self._resource(resource).calls += 1

    def auth_call(self) -> None:
        with self._lock:
            self.auth_calls += 1

    def page(self, resource: str, rows: int) -> None:
        with self._lock:
            stats = self._resource(resource)
            stats.pages += 1
            stats.rows += rows

    def quarantine(self, resource: str, count: int = 1) -> None:
        with self._lock:
            self._resource(resource).quarantined += count
            self.quarantined += count

    def found_deleted(self, resource: str, count: int) -> None:
        """Rows found deleted at the source (no longer listed) in this load."""
        with self._lock:
            self._resource(resource).deleted += count

    def rate_limited(self) -> None:
        with self._lock:
            self.http_429 += 1

    def retry(self) -> None:
        with self._lock:
            self.retries += 1

    def finish(self, resource: str) -> None:
        with self._lock:
            self._resource(resource).done = True

    def stop(self, reason: str, resume_at: str | None) -> None:
        with self._lock:
            if self.stopped is None:
                self.stopped = StopInfo(reason, resume_at)

    def snapshot(self) -> dict[str, Any]:
        """A plain-dict copy, safe to read while the load runs."""
        with self._lock:
            return {
                "source": self.source,
                "resources": {name: asdict(stats) for name, stats in sorted(self.resources.items())},
                "api_calls": self.api_calls,
                "auth_calls": self.auth_calls,
                "http_429": self.http_429,
                "retries": self.retries,
                "quarantined": self.quarantined,
                "stopped": asdict(self.stopped) if self.stopped else None,
                "elapsed_seconds": round(time.monotonic() - self.started, 3),
            }

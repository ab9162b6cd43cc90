"""Seeded, deterministic fault injection for the sandbox API servers.

Spec format (``--faults``), comma-separated ``key=value`` pairs, all optional::

    latency=50ms            added before each answer; a range ``20-80ms`` draws per call; units ms or s
    error_rate=0.05         share of calls answered 500 or 503 (drawn per call)
    drop_rate=0.02          share of calls whose connection is cut half-way through the body
    token_expiry_rate=0.1   share of calls whose (valid) token or session is expired early -> 401
    seed=7                  makes every draw reproducible
    scope=api               ``api`` (default): only API calls; ``all``: also the token / sign-in endpoints

Each decision is drawn from ``sha256(seed, method, path?query, n)`` where ``n`` counts how often that
same request was seen, so the outcome does not depend on how concurrent calls interleave and a retry
of a failed call gets a fresh draw.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$")
_KEYS = ("latency", "error_rate", "drop_rate", "token_expiry_rate", "seed", "scope")


def _seconds(text: str) -> float:
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"latency {text!r} is not a duration like 50ms or 0.2s")
    value = float(match.group(1))
    return value / 1000 if match.group(2) in (None, "ms") else value


def _rate(key: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{key}={text!r} is not a number between 0 and 1") from None
    if not 0 <= value <= 1:
        raise ValueError(f"{key}={text} must be between 0 and 1")
    return value


@dataclass(frozen=True)
class FaultSpec:
    """Which faults to inject and how often."""

    latency: tuple[float, float] = (0.0, 0.0)
    error_rate: float = 0.0
    drop_rate: float = 0.0
    token_expiry_rate: float = 0.0
    seed: int = 0
    scope: str = "api"

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        """Parse ``latency=50ms,error_rate=0.05,...``; a bad spec raises ValueError saying what to fix."""
        values: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, value = part.partition("=")
            key, value = key.strip().lower(), value.strip()
            if not sep or key not in _KEYS:
                raise ValueError(
                    f"fault setting {part!r} is not understood; use key=value with keys {', '.join(_KEYS)} "
                    "(e.g. latency=50ms,error_rate=0.05,drop_rate=0.02,token_expiry_rate=0.1,seed=7)"
                )
            if key == "latency":
                low, dash, high = value.partition("-")
                if dash:
                    unit = "" if re.search("[a-z]", low) else re.sub(r"[\d.\s]", "", high)
                    values["latency"] = (_seconds(low + unit), _seconds(high))
                else:
                    values["latency"] = (_seconds(value), _seconds(value))
                if values["latency"][0] > values["latency"][1]:
                    raise ValueError(f"latency range {value!r} runs backwards")
            elif key == "seed":
                if not value.lstrip("-").isdigit():
                    raise ValueError(f"seed={value!r} must be an integer")
                values["seed"] = int(value)
            elif key == "scope":
                if value not in ("api", "all"):
                    raise ValueError(f"scope={value!r} must be 'api' or 'all'")
                values["scope"] = value
            else:
                values[key] = _rate(key, value)
        return cls(**values)

    @property
    def active(self) -> bool:
        return any((self.latency[1], self.error_rate, self.drop_rate, self.token_expiry_rate))

    def describe(self) -> str:
        low, high = self.latency
        latency = f"{low * 1000:g}ms" if low == high else f"{low * 1000:g}-{high * 1000:g}ms"
        return (
            f"latency={latency},error_rate={self.error_rate:g},drop_rate={self.drop_rate:g},"
            f"token_expiry_rate={self.token_expiry_rate:g},seed={self.seed},scope={self.scope}"
        )


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one call."""

    latency: float = 0.0
    error_status: int | None = None
    drop: bool = False
    expire_token: bool = False


NO_FAULT = FaultDecision()


class FaultInjector:
    """Draws a deterministic ``FaultDecision`` per call and counts what it injected."""

    def __init__(self, spec: FaultSpec | None) -> None:
        self.spec = spec or FaultSpec()
        self._seen: Counter[tuple[str, str]] = Counter()
        self.injected: Counter[str] = Counter()
        self._lock = threading.Lock()

    def applies(self, is_auth_endpoint: bool) -> bool:
        return self.spec.active and (not is_auth_endpoint or self.spec.scope == "all")

    def decide(self, method: str, target: str) -> FaultDecision:
        if not self.spec.active:
            return NO_FAULT
        with self._lock:
            self._seen[(method, target)] += 1
            n = self._seen[(method, target)]
        digest = hashlib.sha256(f"{self.spec.seed}|{method}|{target}|{n}".encode()).digest()
        draws = [int.from_bytes(digest[i : i + 6], "big") / 2**48 for i in range(0, 30, 6)]
        low, high = self.spec.latency
        latency = low + (high - low) * draws[0]
        decision = FaultDecision(latency=latency)
        if draws[1] < self.spec.token_expiry_rate:
            decision = FaultDecision(latency=latency, expire_token=True)
        elif draws[2] < self.spec.error_rate:
            decision = FaultDecision(latency=latency, error_status=500 if draws[4] < 0.5 else 503)
        elif draws[3] < self.spec.drop_rate:
            decision = FaultDecision(latency=latency, drop=True)
        with self._lock:
            if latency:
                self.injected["latency"] += 1
            if decision.expire_token:
                self.injected["token_expiry"] += 1
            if decision.error_status:
                self.injected[f"error_{decision.error_status}"] += 1
            if decision.drop:
                self.injected["drop"] += 1
        return decision


Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def truncating_send(send: Send) -> Send:
    """Wrap an ASGI ``send`` so the response body stops half-way and the connection is cut.

    The headers (with the full Content-Length) go out, then half of the first body chunk; everything
    after is swallowed, so the server closes the connection with the body incomplete.
    """
    state = {"cut": False}

    async def wrapped(message: MutableMapping[str, Any]) -> None:
        if state["cut"]:
            return
        if message["type"] == "http.response.body":
            body = message.get("body", b"")
            state["cut"] = True
            await send(
                {"type": "http.response.body", "body": body[: max(1, len(body) // 2)], "more_body": True}
            )
            return
        await send(message)

    return wrapped


def fault_error_body(status: int) -> bytes:
    """A short JSON body for an injected 500/503."""
    if status == 503:
        return (
            b'{"Title":"Service Unavailable","Status":503,"Detail":"The service is temporarily unavailable"}'
        )
    return b'{"Title":"An error occurred","Status":500,"Detail":"An unexpected error occurred"}'

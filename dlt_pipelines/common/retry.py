"""Retries for transient HTTP failures: timeouts, dropped connections and 5xx, with exponential backoff
and jitter (tenacity). A minute-limit 429 is retried after the limiter's ``Retry-After`` pause."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)


class TransientError(RuntimeError):
    """A failure worth retrying (server error, dropped connection, timeout)."""


class ApiUnreachable(RuntimeError):
    """The very first connection to an API was refused: a wrong address, not a blip; not retried."""


class RateLimited(TransientError):
    """A 429 other than the daily limit; the limiter already pauses for ``Retry-After``."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry."""

    attempts: int = 8
    initial_wait: float = 0.5
    max_wait: float = 30.0
    jitter: float | None = None  # random extra wait up to this (default: initial_wait)


RETRYABLE_TRANSPORT = (httpx.TimeoutException, httpx.TransportError)


def is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, (TransientError, *RETRYABLE_TRANSPORT))


def retrying(
    policy: RetryPolicy,
    *,
    on_retry: Callable[[RetryCallState], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Retrying:
    """A tenacity ``Retrying`` for one request: backoff for transient errors, none after a 429 pause."""
    jitter = policy.initial_wait if policy.jitter is None else policy.jitter
    backoff = wait_exponential_jitter(multiplier=policy.initial_wait, max=policy.max_wait, jitter=jitter)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited):
            return 0.0  # the shared limiter holds the next call until Retry-After has passed
        return backoff(state)

    return Retrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait,
        retry=retry_if_exception(is_retryable),
        before_sleep=on_retry,
        sleep=sleep,
        reraise=True,
    )

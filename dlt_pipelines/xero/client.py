"""One httpx client for the Xero Accounting API, used by the loader and by writeback.

It adds ``Authorization`` and ``xero-tenant-id``, keeps every tenant under its limits with a shared
``CallLimiter`` (5 concurrent, 60 per rolling minute, remaining-calls headers), waits ``Retry-After``
on a minute 429, stops cleanly with ``DailyLimitReached`` on a daily 429, renews the token after a 401,
and retries timeouts, dropped connections and 5xx with exponential backoff and jitter.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from tenacity import RetryCallState

from dlt_pipelines.common.ratelimit import CallLimiter, DailyLimitReached
from dlt_pipelines.common.retry import RateLimited, RetryPolicy, TransientError, retrying
from dlt_pipelines.common.stats import LoadStats
from dlt_pipelines.common.values import loads_exact
from dlt_pipelines.xero.auth import XeroAuth, unreachable

PAGE_SIZE = 1000
JOURNALS_PER_CALL = 100


class XeroApiError(RuntimeError):
    """Xero answered with an error that retrying will not fix (400 validation, 403, 404...)."""

    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(f"Xero answered {status}: {message}")
        self.status = status
        self.body = body


class TokenRefused(TransientError):
    """A just-renewed token was refused: retried (early expiry), a 401 ``XeroApiError`` if it persists."""


@dataclass
class LimitSettings:
    """Xero's per-tenant limits (overridable for tests or lifted sandboxes)."""

    max_concurrent: int = 5
    per_minute: int | None = 60
    window_seconds: float = 60.0


@dataclass
class XeroClient:
    """Thread-safe Xero API client for any number of tenants."""

    api_url: str
    auth: XeroAuth
    connections_url: str | None = None
    limits: LimitSettings = field(default_factory=LimitSettings)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 60.0
    stats: LoadStats | None = None
    sleep: Callable[[float], None] = time.sleep
    http: httpx.Client | None = None

    def __post_init__(self) -> None:
        self.api_url = self.api_url.rstrip("/")
        if self.http is None:
            self.http = httpx.Client(timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)))
        self._limiters: dict[str, CallLimiter] = {}
        self._contacted = False
        self._limiters_lock = threading.Lock()

    def close(self) -> None:
        if self.http is not None:
            self.http.close()

    def limiter(self, tenant_id: str) -> CallLimiter:
        """The limiter shared by all calls to ``tenant_id``."""
        with self._limiters_lock:
            if tenant_id not in self._limiters:
                self._limiters[tenant_id] = CallLimiter(
                    max_concurrent=self.limits.max_concurrent,
                    per_minute=self.limits.per_minute,
                    window_seconds=self.limits.window_seconds,
                    sleep=self.sleep,
                )
            return self._limiters[tenant_id]

    # -- requests --------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        tenant_id: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        idempotency_key: str | None = None,
        resource: str | None = None,
    ) -> Any:
        """Send one API request with limits, retries and token renewal; return the decoded JSON body."""
        url = path if path.startswith("http") else f"{self.api_url}/{path.lstrip('/')}"
        extra = dict(headers or {})
        if idempotency_key:
            extra["Idempotency-Key"] = idempotency_key
        try:
            for attempt in retrying(self.retry, on_retry=self._count_retry, sleep=self.sleep):
                with attempt:
                    return self._send_once(method, url, tenant_id, params, json, extra, resource)
        except TokenRefused as exc:
            raise XeroApiError(401, str(exc)) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def get(self, path: str, tenant_id: str, **kwargs: Any) -> Any:
        return self.request("GET", path, tenant_id, **kwargs)

    def _count_retry(self, state: RetryCallState) -> None:
        if self.stats is not None:
            self.stats.retry()

    def _send_once(
        self,
        method: str,
        url: str,
        tenant_id: str,
        params: dict[str, Any] | None,
        json: Any,
        headers: dict[str, str],
        resource: str | None,
    ) -> Any:
        limiter = self.limiter(tenant_id)
        for renewed in (False, True):
            token = self.auth.token()
            with limiter.slot():
                if self.stats is not None:
                    self.stats.call(resource)
                response = self._contact(
                    self.http.request,
                    method,
                    url,
                    params=params,
                    json=json,
                    headers={
                        **headers,
                        "Authorization": f"Bearer {token}",
                        "xero-tenant-id": tenant_id,
                        "Accept": "application/json",
                    },
                )
                limiter.observe(response.headers)
            status = response.status_code
            if status == 401:
                self.auth.invalidate(token)
                if not renewed:
                    continue
                # refused right after renewal (expired early?): retry; persistent refusal ends the load
                raise TokenRefused(
                    "Xero refused a fresh access token; check the app's scopes and tenant access"
                )
            if status == 429:
                self._rate_limited(response, limiter)
            if status >= 500:
                raise TransientError(f"Xero answered {status} for {method} {url}")
            if status >= 400:
                raise XeroApiError(status, _error_message(response), _safe_json(response))
            if not response.content:
                return None
            return loads_exact(response.content)
        raise AssertionError("unreachable")  # pragma: no cover

    def _contact(self, send: Callable[..., httpx.Response], *args: Any, **kwargs: Any) -> httpx.Response:
        """Send; a refused connection before any answer came means a wrong address (fail fast)."""
        try:
            response = send(*args, **kwargs)
        except httpx.ConnectError as exc:
            if not self._contacted:
                raise unreachable("the Xero API", self.api_url, "sources.xero.api_url", exc) from exc
            raise
        self._contacted = True
        return response

    def _rate_limited(self, response: httpx.Response, limiter: CallLimiter) -> None:
        if self.stats is not None:
            self.stats.rate_limited()
        problem = response.headers.get("x-rate-limit-problem", "").lower()
        retry_after = _float(response.headers.get("retry-after"))
        if problem == "day":
            limiter.day_exhausted(retry_after)
            raise DailyLimitReached(retry_after, "Xero answered 429 (X-Rate-Limit-Problem: day)")
        limiter.pause(retry_after if retry_after is not None else 1.0)
        raise RateLimited(f"Xero answered 429 ({problem or 'unspecified'} limit)")

    # -- tenants ------------------------------------------------------------------------------------
    def connections(self) -> list[dict[str, Any]]:
        """The tenants this app may read (``GET /connections``)."""
        if not self.connections_url:
            raise XeroApiError(0, "no connections_url configured; set sources.xero.tenant_ids")
        for attempt in retrying(self.retry, on_retry=self._count_retry, sleep=self.sleep):
            with attempt:
                token = self.auth.token()
                if self.stats is not None:
                    self.stats.auth_call()
                response = self._contact(
                    self.http.get, self.connections_url, headers={"Authorization": f"Bearer {token}"}
                )
                if response.status_code >= 500:
                    raise TransientError(f"Xero answered {response.status_code} for GET /connections")
                if response.status_code == 401:
                    self.auth.invalidate(token)
                    raise TransientError("the access token was refused by /connections")
                if response.status_code >= 400:
                    raise XeroApiError(response.status_code, _error_message(response))
                return list(response.json())
        raise AssertionError("unreachable")  # pragma: no cover

    # -- paging ---------------------------------------------------------------------------------------
    def iter_pages(
        self,
        path: str,
        collection: str,
        tenant_id: str,
        *,
        params: dict[str, Any] | None = None,
        modified_since: datetime | None = None,
        resource: str | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield the pages of a paged collection (``page``/``pageSize``), fewest calls possible.

        Stops at ``pagination.pageCount`` when Xero reports it, else at the first short page.
        """
        headers = _modified_since_header(modified_since)
        page = 1
        while True:
            query = {**(params or {}), "page": page, "pageSize": page_size}
            body = self.get(path, tenant_id, params=query, headers=headers, resource=resource) or {}
            items = body.get(collection) or []
            yield items
            pagination = body.get("pagination") or {}
            page_count = pagination.get("pageCount")
            if page_count is not None:
                if page >= int(page_count) or not items:
                    return
            elif len(items) < page_size:
                return
            page += 1

    def get_all(
        self,
        path: str,
        collection: str,
        tenant_id: str,
        *,
        params: dict[str, Any] | None = None,
        modified_since: datetime | None = None,
        resource: str | None = None,
    ) -> list[dict[str, Any]]:
        """One unpaged GET (Accounts, Items, Organisation, Currencies)."""
        headers = _modified_since_header(modified_since)
        body = self.get(path, tenant_id, params=params, headers=headers, resource=resource) or {}
        return list(body.get(collection) or [])

    def iter_journals(
        self, tenant_id: str, *, offset: int = 0, resource: str | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield Journals oldest first, 100 a call, each call asking for JournalNumber > last seen."""
        while True:
            body = self.get("Journals", tenant_id, params={"offset": offset}, resource=resource) or {}
            items = body.get("Journals") or []
            if items:
                yield items
                offset = max(
                    int(item["JournalNumber"]) for item in items if item.get("JournalNumber") is not None
                )
            if len(items) < JOURNALS_PER_CALL:
                return


def _modified_since_header(moment: datetime | None) -> dict[str, str]:
    if moment is None:
        return {}
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return {"If-Modified-Since": moment.strftime("%Y-%m-%dT%H:%M:%S")}


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _safe_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _error_message(response: httpx.Response) -> str:
    body = _safe_json(response)
    if isinstance(body, dict):
        messages = [
            error.get("Message")
            for element in body.get("Elements") or []
            for error in (element.get("ValidationErrors") or [])
            if error.get("Message")
        ]
        text = body.get("Message") or body.get("detail") or body.get("title") or ""
        if messages:
            text = f"{text} ({'; '.join(messages)})" if text else "; ".join(messages)
        return text or response.reason_phrase
    return (body or response.reason_phrase)[:300]

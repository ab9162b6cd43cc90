"""An httpx client for the KashFlow REST API v2: session-token sign-in, paging, retries.

Sign-in is two steps: ``POST /sessiontoken`` with user name and password answers a temporary token and
the positions of the memorable word's letters it wants; ``PUT /sessiontoken`` with those letters answers
the session token, sent as ``Authorization: KfToken <token>``. An expired session (401) signs in again.
Timeouts, dropped connections and 5xx are retried with exponential backoff and jitter.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpx
from tenacity import RetryCallState

from dlt_pipelines.common.ratelimit import CallLimiter
from dlt_pipelines.common.retry import ApiUnreachable, RetryPolicy, TransientError, retrying
from dlt_pipelines.common.stats import LoadStats
from dlt_pipelines.common.values import loads_exact


class KashflowError(RuntimeError):
    """KashFlow refused a request in a way retrying will not fix."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _SessionExpired(Exception):
    pass


def memorable_letters(word: str, positions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The letters of ``word`` at the 1-based positions KashFlow asks for."""
    letters = []
    for item in positions:
        position = int(item["Position"])
        if not 1 <= position <= len(word):
            raise KashflowError(
                400,
                f"KashFlow asks for letter {position} of the memorable word but the configured word has "
                f"{len(word)} letters; check sources.kashflow.memorable_word",
            )
        letters.append({"Position": position, "Value": word[position - 1]})
    return letters


@dataclass
class KashflowClient:
    """Thread-safe KashFlow client; ``max_concurrent`` bounds calls in flight."""

    base_url: str
    username: str
    password: str
    memorable_word: str
    max_concurrent: int = 4
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 60.0
    stats: LoadStats | None = None
    sleep: Callable[[float], None] = time.sleep
    http: httpx.Client | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/") + "/"
        if not (self.username and self.password and self.memorable_word):
            raise KashflowError(
                0,
                "KashFlow sign-in needs sources.kashflow.username, password and memorable_word; set them in "
                ".dlt/secrets.toml or SOURCES__KASHFLOW__USERNAME / _PASSWORD / _MEMORABLE_WORD",
            )
        if self.http is None:
            self.http = httpx.Client(timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)))
        self._limiter = CallLimiter(max_concurrent=self.max_concurrent, per_minute=None, sleep=self.sleep)
        self._session: str | None = None
        self._contacted = False
        self._session_lock = threading.Lock()

    def close(self) -> None:
        if self.http is not None:
            self.http.close()

    def url(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/")) if not path.startswith("http") else path

    def _contact(self, send: Callable[..., httpx.Response], *args: Any, **kwargs: Any) -> httpx.Response:
        """Send; a refused connection before any answer came means a wrong address (fail fast)."""
        try:
            response = send(*args, **kwargs)
        except httpx.ConnectError as exc:
            if not self._contacted:
                raise ApiUnreachable(
                    f"cannot connect to KashFlow at {self.base_url} ({exc}); check "
                    "sources.kashflow.base_url, or start the sandbox (tieout sandbox serve --scenario DIR)"
                ) from exc
            raise
        self._contacted = True
        return response

    # -- sign-in --------------------------------------------------------------------------------
    def session_token(self) -> str:
        with self._session_lock:
            if self._session is None:
                self._session = self._sign_in()
            return self._session

    def _forget(self, token: str) -> None:
        with self._session_lock:
            if self._session == token:
                self._session = None

    def _sign_in(self) -> str:
        for attempt in retrying(self.retry, on_retry=self._count_retry, sleep=self.sleep):
            with attempt:
                return self._sign_in_once()
        raise AssertionError("unreachable")  # pragma: no cover

    def _sign_in_once(self) -> str:
        if self.stats is not None:
            self.stats.auth_call()
        first = self._contact(
            self.http.post,
            self.url("sessiontoken"),
            json={"UserName": self.username, "Password": self.password},
        )
        body = self._auth_body(first, "user name or password")
        letters = memorable_letters(self.memorable_word, body.get("MemorableWordList") or [])
        if self.stats is not None:
            self.stats.auth_call()
        second = self.http.put(
            self.url("sessiontoken"),
            json={"TemporaryToken": body["TemporaryToken"], "MemorableWordList": letters},
        )
        token = self._auth_body(second, "memorable word").get("SessionToken")
        if not token:
            raise KashflowError(second.status_code, "KashFlow answered the sign-in without a SessionToken")
        return token

    def _auth_body(self, response: httpx.Response, what: str) -> dict[str, Any]:
        if response.status_code >= 500:
            raise TransientError(f"KashFlow answered {response.status_code} during sign-in")
        body = _json(response)
        if response.status_code >= 400:
            error = body.get("Error") if isinstance(body, dict) else None
            if error == "AccountLocked":
                raise KashflowError(
                    response.status_code, "the KashFlow account is locked; unlock it in KashFlow"
                )
            raise KashflowError(
                response.status_code,
                f"KashFlow refused the sign-in ({response.status_code} {error or ''}); check the {what} in "
                "sources.kashflow",
            )
        return body if isinstance(body, dict) else {}

    def _count_retry(self, state: RetryCallState) -> None:
        if self.stats is not None:
            self.stats.retry()

    # -- requests -------------------------------------------------------------------------------------
    def get(self, path: str, params: dict[str, Any] | None = None, resource: str | None = None) -> Any:
        """GET with retries; a 401 (expired session) signs in again once."""
        url = self.url(path)
        for attempt in retrying(self.retry, on_retry=self._count_retry, sleep=self.sleep):
            with attempt:
                return self._get_once(url, params, resource)
        raise AssertionError("unreachable")  # pragma: no cover

    def _get_once(self, url: str, params: dict[str, Any] | None, resource: str | None) -> Any:
        for signed_in_again in (False, True):
            token = self.session_token()
            with self._limiter.slot():
                if self.stats is not None:
                    self.stats.call(resource)
                response = self._contact(
                    self.http.get, url, params=params, headers={"Authorization": f"KfToken {token}"}
                )
            if response.status_code == 401:
                self._forget(token)
                if not signed_in_again:
                    continue
                # refused right after signing in (expired early?): retry; persistent refusal ends the load
                raise TransientError("KashFlow refused a fresh session token; check the account's API access")
            if response.status_code >= 500 or response.status_code == 429:
                raise TransientError(f"KashFlow answered {response.status_code} for GET {url}")
            if response.status_code >= 400:
                body = _json(response)
                message = body.get("Message") if isinstance(body, dict) else None
                raise KashflowError(
                    response.status_code,
                    f"KashFlow answered {response.status_code} for {url}: "
                    f"{message or response.reason_phrase}",
                )
            return loads_exact(response.content) if response.content else None
        raise AssertionError("unreachable")  # pragma: no cover

    def iter_pages(
        self, path: str, *, per_page: int, resource: str | None = None, params: dict[str, Any] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield each page of a list, following ``MetaData.NextPageUrl`` until it is null."""
        url: str | None = self.url(path)
        query: dict[str, Any] | None = {**(params or {}), "page": 1, "perpage": per_page}
        seen: set[str] = set()
        while url:
            body = self.get(url, params=query, resource=resource) or {}
            if isinstance(body, list):  # some list endpoints answer a bare array
                yield body
                return
            yield list(body.get("Data") or [])
            next_url = (body.get("MetaData") or {}).get("NextPageUrl")
            if not next_url:
                return
            url = self.url(next_url) if next_url.startswith("http") else urljoin(url, next_url)
            if url in seen:
                raise KashflowError(0, f"KashFlow paging loops at {url}")
            seen.add(url)
            query = None  # NextPageUrl carries the query


def _json(response: httpx.Response) -> Any:
    try:
        return loads_exact(response.content)
    except ValueError:
        return {}

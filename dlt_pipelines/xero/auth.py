"""OAuth 2.0 for Xero: custom-connection ``client_credentials`` or a rotating ``refresh_token``.

Access tokens live 30 minutes; a token is renewed shortly before it expires and after any 401. With
``refresh_token``, Xero rotates the refresh token on every use: the new one is written to the token
store *before* the new access token is handed out, so a crash never loses the only valid token.
Tokens are never logged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from dlt_pipelines.common.retry import ApiUnreachable, RetryPolicy, TransientError, retrying
from dlt_pipelines.common.token_store import TokenStore, fingerprint

GRANTS = ("client_credentials", "refresh_token")


class XeroAuthError(RuntimeError):
    """Xero refused our credentials; the message says what to fix."""


@dataclass
class _Access:
    token: str
    expires_at: float


class XeroAuth:
    """Hands out a valid access token to any thread; renews it when needed."""

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        grant_type: str = "client_credentials",
        refresh_token: str | None = None,
        scopes: str | None = None,
        store: TokenStore | None = None,
        http: httpx.Client,
        on_call: Callable[[], None] | None = None,
        refresh_margin: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if grant_type not in GRANTS:
            raise XeroAuthError(f"sources.xero.grant_type must be one of {GRANTS}, not {grant_type!r}")
        if not client_id or not client_secret:
            raise XeroAuthError(
                "sources.xero.client_id and client_secret are missing; set them in .dlt/secrets.toml "
                "or SOURCES__XERO__CLIENT_ID / SOURCES__XERO__CLIENT_SECRET"
            )
        if grant_type == "refresh_token" and not refresh_token and not (store and store.load()):
            raise XeroAuthError(
                "grant_type is refresh_token but no refresh token is known; put one in .dlt/secrets.toml "
                "(sources.xero.refresh_token) or use a custom connection with grant_type=client_credentials"
            )
        self.token_url = token_url
        self.grant_type = grant_type
        self._client_id = client_id
        self._client_secret = client_secret
        self._seed = refresh_token
        self._scopes = scopes
        self._store = store
        self._http = http
        self._on_call = on_call
        self._margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._access: _Access | None = None
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._contacted = False

    def token(self) -> str:
        """A valid access token, renewed if it is missing or about to expire."""
        with self._lock:
            if self._access is None or self._clock() >= self._access.expires_at - self._margin:
                self._access = self._renew()
            return self._access.token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` after the API rejected it (early expiry); the next ``token()`` renews."""
        with self._lock:
            if self._access is not None and self._access.token == token:
                self._access = None

    # -------------------------------------------------------------------------------------------
    def _current_refresh_token(self) -> tuple[str, str | None]:
        seed_fp = fingerprint(self._seed) if self._seed else None
        stored = self._store.load() if self._store else None
        if stored and (seed_fp is None or stored.seed_fingerprint == seed_fp):
            return stored.refresh_token, stored.seed_fingerprint
        if not self._seed:
            raise XeroAuthError("no refresh token: put one in .dlt/secrets.toml (sources.xero.refresh_token)")
        return self._seed, seed_fp

    def _post_token(self, data: dict[str, str]) -> httpx.Response:
        if self._on_call:
            self._on_call()
        try:
            response = self._http.post(self.token_url, data=data, auth=(self._client_id, self._client_secret))
        except httpx.ConnectError as exc:
            if not self._contacted:
                raise unreachable(
                    "the Xero token endpoint", self.token_url, "sources.xero.token_url", exc
                ) from exc
            raise
        self._contacted = True
        if response.status_code >= 500:
            raise TransientError(f"the Xero token endpoint answered {response.status_code}")
        return response

    def _renew(self) -> _Access:
        data: dict[str, str] = {"grant_type": self.grant_type}
        seed_fp = None
        if self.grant_type == "refresh_token":
            data["refresh_token"], seed_fp = self._current_refresh_token()
        elif self._scopes:
            data["scope"] = self._scopes
        # a lost answer is safe to retry: Xero keeps the old refresh token usable for 30 minutes
        for attempt in retrying(self._retry, sleep=self._sleep):
            with attempt:
                response = self._post_token(data)
        if response.status_code != 200:
            detail = _error_text(response)
            hint = (
                "the refresh token is expired or already used; authorize again and put the new refresh token "
                "in .dlt/secrets.toml"
                if self.grant_type == "refresh_token"
                else "check sources.xero.client_id / client_secret of the custom connection"
            )
            raise XeroAuthError(f"Xero refused the token request ({response.status_code} {detail}): {hint}")
        body = response.json()
        new_refresh = body.get("refresh_token")
        if self.grant_type == "refresh_token" and new_refresh and self._store is not None:
            # durably store the rotated token BEFORE anything uses the new access token
            self._store.save(new_refresh, seed_fp)
        elif self.grant_type == "refresh_token" and new_refresh:
            self._seed = new_refresh
        expires_in = float(body.get("expires_in", 1800))
        return _Access(body["access_token"], self._clock() + expires_in)


def unreachable(what: str, url: str, setting: str, exc: Exception) -> ApiUnreachable:
    return ApiUnreachable(
        f"cannot connect to {what} at {url} ({exc}); check {setting}, or start the sandbox with "
        "`tieout sandbox serve --scenario DIR`"
    )


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("error") or body.get("detail") or body.get("title") or response.reason_phrase)
    return response.reason_phrase

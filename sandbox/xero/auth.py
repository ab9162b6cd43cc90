"""Xero identity: the OAuth 2.0 token endpoint (client_credentials, rotating refresh tokens), access checks.

Access tokens expire after ``access_token_lifetime`` seconds of sandbox time. Each refresh answers a new
refresh token; the one it replaced keeps working for ``refresh_grace`` seconds (in case the answer was
lost) and then stops. Refresh tokens unused for ``refresh_token_lifetime`` expire.
"""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs

from sandbox.xero.config import XeroConfig

SCOPE = "accounting.transactions accounting.contacts accounting.settings accounting.journals.read"


@dataclass
class AccessToken:
    client_id: str
    expires_at: float


@dataclass
class RefreshToken:
    client_id: str
    last_used: float
    replaced_at: float | None = None


@dataclass(frozen=True)
class TokenAnswer:
    status: int
    body: dict[str, object]


class TokenService:
    """Issues and checks tokens on the sandbox clock."""

    def __init__(self, config: XeroConfig) -> None:
        self.config = config
        self.clock = config.clock
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self._lock = threading.Lock()
        self.grants: dict[str, int] = {"client_credentials": 0, "refresh_token": 0}
        if config.refresh_token:
            self._refresh[config.refresh_token] = RefreshToken(config.client_id, self.clock.time())

    def _client(self, form: dict[str, str], authorization: str | None) -> tuple[str, str]:
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip()).decode()
            except ValueError:
                return "", ""
            client_id, _, secret = decoded.partition(":")
            return client_id, secret
        return form.get("client_id", ""), form.get("client_secret", "")

    def _issue(self, client_id: str, with_refresh: bool, scope: str) -> dict[str, object]:
        now = self.clock.time()
        access = secrets.token_urlsafe(32)
        self._access[access] = AccessToken(client_id, now + self.config.access_token_lifetime)
        body: dict[str, object] = {
            "access_token": access,
            "expires_in": int(self.config.access_token_lifetime),
            "token_type": "Bearer",
            "scope": scope,
        }
        if with_refresh:
            refresh = secrets.token_urlsafe(32)
            self._refresh[refresh] = RefreshToken(client_id, now)
            body["refresh_token"] = refresh
        return body

    def grant(self, raw_body: bytes, authorization: str | None) -> TokenAnswer:
        """Answer a POST to the token endpoint (form-encoded body)."""
        form = {k: v[0] for k, v in parse_qs(raw_body.decode("utf-8", "replace")).items()}
        client_id, secret = self._client(form, authorization)
        if client_id != self.config.client_id or not secrets.compare_digest(
            secret, self.config.client_secret
        ):
            return TokenAnswer(401, {"error": "invalid_client"})
        grant_type = form.get("grant_type", "")
        scope = form.get("scope") or SCOPE
        with self._lock:
            if grant_type == "client_credentials":
                self.grants["client_credentials"] += 1
                return TokenAnswer(200, self._issue(client_id, with_refresh=False, scope=scope))
            if grant_type == "refresh_token":
                token = form.get("refresh_token", "")
                record = self._refresh.get(token)
                now = self.clock.time()
                if (
                    record is None
                    or record.client_id != client_id
                    or now - record.last_used > self.config.refresh_token_lifetime
                    or (
                        record.replaced_at is not None
                        and now - record.replaced_at > self.config.refresh_grace
                    )
                ):
                    return TokenAnswer(400, {"error": "invalid_grant"})
                record.last_used = now
                if record.replaced_at is None:
                    record.replaced_at = now
                self.grants["refresh_token"] += 1
                return TokenAnswer(200, self._issue(client_id, with_refresh=True, scope=scope))
        return TokenAnswer(400, {"error": "unsupported_grant_type"})

    def check(self, authorization: str | None) -> str | None:
        """None if the bearer token is valid now, else the 401 ``detail`` to answer with."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return "AuthenticationUnsuccessful"
        token = self._access.get(authorization[7:].strip())
        if token is None:
            return "AuthenticationUnsuccessful"
        if self.clock.time() >= token.expires_at:
            when = datetime.fromtimestamp(token.expires_at, UTC).strftime("%m/%d/%Y %H:%M:%S")
            return f"TokenExpired: token expired at {when}"
        return None

    def expire(self, authorization: str | None) -> None:
        """Expire a valid bearer token now (the early-token-expiry fault)."""
        if authorization and authorization.lower().startswith("bearer "):
            token = self._access.get(authorization[7:].strip())
            if token is not None:
                token.expires_at = min(token.expires_at, self.clock.time())

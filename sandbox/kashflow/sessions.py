"""KashFlow's two-step sign-in and session tokens.

1. ``POST /v2/sessiontoken {"UserName", "Password"}`` answers a TemporaryToken and the positions of
   the memorable word's letters to give;
2. ``PUT /v2/sessiontoken {"TemporaryToken", "MemorableWordList": [{"Position", "Value"}]}`` answers the
   SessionToken (letters compared case-insensitively).

Calls carry ``Authorization: KfToken <SessionToken>``; a session ends after ``session_idle_timeout``
seconds without a call, on ``DELETE /v2/sessiontoken``, or when the token-expiry fault strikes. Too many
failed sign-ins lock the account for ``lockout`` seconds.
"""

from __future__ import annotations

import random
import secrets
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from sandbox.kashflow.config import KashflowConfig

INVALID_SESSION = {"Error": "InvalidSessionToken", "Message": "Session token provided is invalid."}


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


@dataclass
class _Pending:
    positions: list[int]
    expires_at: float


class SessionService:
    """Signs users in and checks session tokens on the sandbox clock."""

    def __init__(self, config: KashflowConfig, company_name: str) -> None:
        if len(config.memorable_word) < config.letters_requested:
            raise ValueError(f"the memorable word must have at least {config.letters_requested} letters")
        self.config = config
        self.clock = config.clock
        self.company_name = company_name
        self._pending: dict[str, _Pending] = {}
        self._sessions: dict[str, float] = {}  # token -> last used
        self._failures: list[float] = []
        self._locked_until = 0.0
        self._sign_ins = 0
        self._lock = threading.Lock()
        self.sessions_started = 0

    def _locked(self, now: float) -> Answer | None:
        if now < self._locked_until:
            return Answer(
                401,
                {
                    "Error": "AccountLocked",
                    "Message": "This account is locked after too many failed sign-ins; try later.",
                },
            )
        return None

    def _fail(self, now: float, answer: Answer) -> Answer:
        self._failures = [t for t in self._failures if t > now - self.config.lockout] + [now]
        if len(self._failures) >= self.config.max_failed_sign_ins:
            self._locked_until = now + self.config.lockout
            self._failures.clear()
        return answer

    def start(self, body: Any) -> Answer:
        """Step 1: check user name and password, ask for letters of the memorable word."""
        now = self.clock.time()
        with self._lock:
            if locked := self._locked(now):
                return locked
            if not isinstance(body, dict) or "UserName" not in body or "Password" not in body:
                return Answer(
                    400, {"Error": "InvalidRequest", "Message": 'Send {"UserName": .., "Password": ..}.'}
                )
            if body["UserName"] != self.config.username or not secrets.compare_digest(
                str(body["Password"]), self.config.password
            ):
                return self._fail(
                    now,
                    Answer(
                        401,
                        {"Error": "InvalidCredentials", "Message": "The user name or password is incorrect."},
                    ),
                )
            self._sign_ins += 1
            rng = random.Random(f"{self.config.username}:{self._sign_ins}")
            positions = sorted(
                rng.sample(range(1, len(self.config.memorable_word) + 1), self.config.letters_requested)
            )
            token = str(uuid.uuid4())
            self._pending[token] = _Pending(positions, now + self.config.temporary_token_lifetime)
            return Answer(
                200,
                {
                    "TemporaryToken": token,
                    "MemorableWordList": [{"Position": p, "Value": ""} for p in positions],
                    "IsAdmin": True,
                    "PackageName": "Sandbox",
                    "SubscriptionExpired": False,
                },
            )

    def finish(self, body: Any) -> Answer:
        """Step 2: check the requested letters and open a session."""
        now = self.clock.time()
        with self._lock:
            if locked := self._locked(now):
                return locked
            if not isinstance(body, dict):
                return Answer(
                    400,
                    {
                        "Error": "InvalidRequest",
                        "Message": 'Send {"TemporaryToken": .., "MemorableWordList": [..]}.',
                    },
                )
            pending = self._pending.pop(str(body.get("TemporaryToken")), None)
            if pending is None or now > pending.expires_at:
                return Answer(
                    401,
                    {
                        "Error": "InvalidTemporaryToken",
                        "Message": "The temporary token is unknown or expired; start the sign-in again.",
                    },
                )
            given = {}
            for entry in body.get("MemorableWordList") or []:
                if isinstance(entry, dict):
                    given[entry.get("Position")] = str(entry.get("Value") or "")
            word = self.config.memorable_word
            if any(given.get(p, "").lower() != word[p - 1].lower() for p in pending.positions):
                return self._fail(
                    now,
                    Answer(
                        401,
                        {
                            "Error": "InvalidMemorableWord",
                            "Message": "The memorable word letters are incorrect; start the sign-in again.",
                        },
                    ),
                )
            token = str(uuid.uuid4())
            self._sessions[token] = now
            self.sessions_started += 1
            return Answer(200, {"SessionToken": token, "CompanyName": self.company_name})

    @staticmethod
    def token_of(authorization: str | None) -> str:
        if authorization and authorization[:8].lower() == "kftoken ":
            return authorization[8:].strip()
        return ""

    def touch(self, authorization: str | None) -> bool:
        """True (and the session's idle timer restarted) when the header carries a live session."""
        token = self.token_of(authorization)
        now = self.clock.time()
        with self._lock:
            last = self._sessions.get(token)
            if last is None:
                return False
            if now - last > self.config.session_idle_timeout:
                del self._sessions[token]
                return False
            self._sessions[token] = now
            return True

    def end(self, token: str) -> bool:
        with self._lock:
            return self._sessions.pop(token, None) is not None

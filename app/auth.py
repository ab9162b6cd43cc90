"""Sign-in: local accounts with bcrypt password hashes in a TOML file, or OpenID Connect (``st.login``)
when ``[auth]`` is configured in ``.streamlit/secrets.toml``. Every user has one role: preparer, approver
or admin; every decision the app records carries the user name and role.

The users file (``TIEOUT_USERS_FILE``, default ``app/users.toml``)::

    [users.pat]
    name = "Pat Preparer"
    role = "preparer"
    password_hash = "$2b$12$..."      # `tieout app --hash-password` prints one

    [oidc]                            # people signing in through OIDC: email -> role
    default_role = ""                 # empty: only the people listed below may use the app
    [oidc.users]
    "controller@example.com" = "approver"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt

ROLES = ("preparer", "approver", "admin")

DEMO_PASSWORDS = {
    "preparer": "preparer-demo",
    "approver": "approver-demo",
    "approver2": "approver2-demo",
    "admin": "admin-demo",
}
"""The demo accounts of ``app/users.toml`` (printed by ``make demo``); never use them for real data."""

_DUMMY_HASH = bcrypt.hashpw(b"no such user", bcrypt.gensalt(rounds=4))


class UsersFileError(ValueError):
    """The users file is missing or wrong; the message says where and how to fix it."""


@dataclass(frozen=True)
class User:
    """A signed-in person."""

    username: str
    role: str
    name: str = ""
    via: str = "password"  # password | oidc

    @property
    def can_approve(self) -> bool:
        return self.role in ("approver", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        return f"{self.name or self.username} ({self.role})"


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    name: str
    password_hash: bytes


@dataclass(frozen=True)
class UsersConfig:
    accounts: dict[str, Account]
    oidc_users: dict[str, str]
    oidc_default_role: str


def hash_password(password: str) -> str:
    """A bcrypt hash for the users file."""
    if len(password) < 8:
        raise ValueError("choose a password of 8 characters or more")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def _role(value: Any, where: str) -> str:
    role = str(value or "").strip().lower()
    if role not in ROLES:
        raise UsersFileError(f"{where}: role must be one of {', '.join(ROLES)}, not {value!r}")
    return role


def load_users(path: Path) -> UsersConfig:
    """Read and check the users file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsersFileError(
            f"no users file at {path}: create one (see docs/app.md) or set TIEOUT_USERS_FILE"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise UsersFileError(f"{path} is not valid TOML: {exc}") from None
    accounts = {}
    for username, entry in (data.get("users") or {}).items():
        where = f"{path} [users.{username}]"
        if not isinstance(entry, dict):
            raise UsersFileError(f"{where} must be a table with role and password_hash")
        digest = str(entry.get("password_hash") or "")
        if not digest.startswith("$2"):
            raise UsersFileError(
                f"{where}: password_hash must be a bcrypt hash (`tieout app --hash-password`)"
            )
        accounts[username] = Account(
            username, _role(entry.get("role"), where), str(entry.get("name") or ""), digest.encode()
        )
    oidc = data.get("oidc") or {}
    default_role = str(oidc.get("default_role") or "").strip().lower()
    if default_role:
        _role(default_role, f"{path} [oidc] default_role")
    users = {
        str(email).lower(): _role(role, f"{path} [oidc.users] {email}")
        for email, role in (oidc.get("users") or {}).items()
    }
    return UsersConfig(accounts, users, default_role)


def verify(config: UsersConfig, username: str, password: str) -> User | None:
    """The user if ``password`` is theirs, else None (the same work is done for unknown names)."""
    account = config.accounts.get((username or "").strip())
    digest = account.password_hash if account else _DUMMY_HASH
    ok = bcrypt.checkpw((password or "").encode(), digest)
    if account is None or not ok:
        return None
    return User(account.username, account.role, account.name, "password")


def oidc_user(config: UsersConfig, email: str | None, name: str | None) -> User | None:
    """The user for an OIDC identity, or None when the users file gives that email no role."""
    if not email:
        return None
    role = config.oidc_users.get(email.lower()) or config.oidc_default_role
    if not role:
        return None
    return User(email.lower(), role, name or email, "oidc")

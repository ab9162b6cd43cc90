"""A JSON file holding a rotated OAuth refresh token, written atomically before the new token is used.

Write order: temp file in the same folder, fsync, ``os.replace``, fsync of the folder. A crash at any
point leaves either the old or the new complete file, never a torn one. The file records a hash of the
refresh token it was seeded from, so a fresh token put into secrets later wins over an old chain.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


def fingerprint(token: str) -> str:
    """A short one-way fingerprint of a token, safe to store and log."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class StoredToken:
    refresh_token: str
    seed_fingerprint: str | None
    updated_at: str


class TokenStore:
    """Atomic, thread-safe JSON store for one refresh-token chain."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def load(self) -> StoredToken | None:
        with self._lock:
            try:
                data = json.loads(self.path.read_text())
            except FileNotFoundError:
                return None
            except (OSError, ValueError) as exc:
                raise RuntimeError(
                    f"the token store {self.path} cannot be read ({exc}); fix or delete it and put a valid "
                    "refresh token in .dlt/secrets.toml"
                ) from exc
            if not isinstance(data, dict) or not data.get("refresh_token"):
                return None
            return StoredToken(
                data["refresh_token"], data.get("seed_fingerprint"), data.get("updated_at", "")
            )

    def save(self, refresh_token: str, seed_fingerprint: str | None) -> None:
        """Persist ``refresh_token`` durably; returns only once it is on disk."""
        payload = {
            "refresh_token": refresh_token,
            "seed_fingerprint": seed_fingerprint,
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w") as handle:
                    json.dump(payload, handle)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(tmp, 0o600)
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

"""Shared helpers for the KashFlow sandbox tests: sign in the two-step way and page through lists."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from sandbox.kashflow.config import DEFAULT_MEMORABLE_WORD, DEFAULT_PASSWORD, DEFAULT_USERNAME, KashflowConfig
from sandbox.serve import ServerHandle, start_kashflow
from tests.test_xero_server_fixtures import MINI_KASHFLOW, frozen_clock


def kashflow_records(resource: str, scenario: Path = MINI_KASHFLOW) -> list[dict[str, Any]]:
    return json.loads((scenario / "kashflow" / f"{resource}.json").read_text())


def sign_in(http: httpx.Client, word: str = DEFAULT_MEMORABLE_WORD, password: str = DEFAULT_PASSWORD) -> str:
    """The two-step KashFlow sign-in; returns the session token (raises on failure)."""
    first = http.post("/v2/sessiontoken", json={"UserName": DEFAULT_USERNAME, "Password": password})
    first.raise_for_status()
    letters = [
        {"Position": entry["Position"], "Value": word[entry["Position"] - 1].upper()}
        for entry in first.json()["MemorableWordList"]
    ]
    second = http.put(
        "/v2/sessiontoken",
        json={"TemporaryToken": first.json()["TemporaryToken"], "MemorableWordList": letters},
    )
    second.raise_for_status()
    return str(second.json()["SessionToken"])


class KashflowSession:
    """An httpx client signed in to a running KashFlow sandbox."""

    def __init__(self, handle: ServerHandle) -> None:
        self.handle = handle
        self.sandbox = handle.app.state.sandbox
        self.http = httpx.Client(base_url=handle.url, timeout=10)
        self.token = sign_in(self.http)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(f"/v2/{path}", params=params, headers={"Authorization": f"KfToken {self.token}"})

    def get_url(self, url: str) -> httpx.Response:
        return self.http.get(url, headers={"Authorization": f"KfToken {self.token}"})


@contextmanager
def running_kashflow(scenario: Path = MINI_KASHFLOW, **config: Any) -> Iterator[KashflowSession]:
    config.setdefault("clock", frozen_clock())
    with start_kashflow(scenario, KashflowConfig(**config)) as handle:
        session = KashflowSession(handle)
        try:
            yield session
        finally:
            session.http.close()

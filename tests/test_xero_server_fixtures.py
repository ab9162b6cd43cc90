"""Shared helpers for the Xero sandbox server tests: the mini scenario and a signed-in httpx session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from sandbox.serve import Clock, ServerHandle, start_xero
from sandbox.xero.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, XeroConfig

FIXTURES = Path(__file__).parent / "fixtures" / "scenario_mini"
MINI_XERO = FIXTURES / "xero_scenario"
MINI_KASHFLOW = FIXTURES / "kashflow_scenario"
API = "/api.xro/2.0"


def scenario_records(resource: str, scenario: Path = MINI_XERO) -> list[dict[str, Any]]:
    """The records of ``xero/<resource>.json`` as the scenario holds them."""
    body = json.loads((scenario / "xero" / f"{resource}.json").read_text())
    return next(v for v in body.values() if isinstance(v, list))


def frozen_clock() -> Clock:
    """A clock that only moves when a test advances it (2026-06-01 UTC)."""
    return Clock(start=datetime(2026, 6, 1, tzinfo=UTC), speed=0)


class XeroSession:
    """An httpx client signed in to a running Xero sandbox with client_credentials."""

    def __init__(self, handle: ServerHandle) -> None:
        self.handle = handle
        self.sandbox = handle.app.state.sandbox
        self.http = httpx.Client(base_url=handle.url, timeout=10)
        self.access_token = self.new_token()
        self.tenant_id = next(iter(self.sandbox.tenants.values())).tenant_id

    def new_token(self) -> str:
        answer = self.http.post(
            "/connect/token",
            data={"grant_type": "client_credentials"},
            auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def headers(self, **extra: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.access_token}",
            "xero-tenant-id": self.tenant_id,
            "Accept": "application/json",
            **extra,
        }

    def get(self, resource: str, headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
        return self.http.get(f"{API}/{resource}", params=params, headers=self.headers(**(headers or {})))

    def put(
        self, resource: str, body: Any, headers: dict[str, str] | None = None, **params: Any
    ) -> httpx.Response:
        return self.http.put(
            f"{API}/{resource}", json=body, params=params, headers=self.headers(**(headers or {}))
        )

    def post(
        self, resource: str, body: Any, headers: dict[str, str] | None = None, **params: Any
    ) -> httpx.Response:
        return self.http.post(
            f"{API}/{resource}", json=body, params=params, headers=self.headers(**(headers or {}))
        )

    def close(self) -> None:
        self.http.close()


@contextmanager
def running_xero(scenario: Path = MINI_XERO, **config: Any) -> Iterator[XeroSession]:
    """Start a Xero sandbox on a free port (frozen clock unless given) and yield a signed-in session."""
    config.setdefault("clock", frozen_clock())
    with start_xero(scenario, XeroConfig(**config)) as handle:
        session = XeroSession(handle)
        try:
            yield session
        finally:
            session.close()

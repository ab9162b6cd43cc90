"""The Xero dlt source: Contacts, Invoices, CreditNotes, Payments, BankTransactions, ManualJournals,
Journals, Accounts, Items, Organisation and Currencies of one or more tenants, into ``raw_xero``.

Configuration comes from ``[sources.xero]`` in ``.dlt/config.toml`` / ``.dlt/secrets.toml`` or
``SOURCES__XERO__*`` environment variables; the defaults point at the local sandbox.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import dlt
from dlt.common.typing import TSecretStrValue

from dlt_pipelines.common.retry import RetryPolicy
from dlt_pipelines.common.stats import LoadStats
from dlt_pipelines.common.token_store import TokenStore
from dlt_pipelines.xero.auth import XeroAuth
from dlt_pipelines.xero.client import LimitSettings, XeroClient
from dlt_pipelines.xero.helpers import make_resource, resource_name, utc_moment
from dlt_pipelines.xero.settings import (
    DEFAULT_API_URL,
    DEFAULT_CONNECTIONS_URL,
    DEFAULT_TOKEN_URL,
    ENDPOINTS,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    TOKEN_STORE_FILE,
)

__all__ = ["xero_source", "build_client", "resource_name", "ENDPOINTS"]


def build_client(
    *,
    api_url: str = DEFAULT_API_URL,
    token_url: str = DEFAULT_TOKEN_URL,
    connections_url: str | None = DEFAULT_CONNECTIONS_URL,
    client_id: str = SANDBOX_CLIENT_ID,
    client_secret: str = SANDBOX_CLIENT_SECRET,
    grant_type: str = "client_credentials",
    refresh_token: str | None = None,
    scopes: str | None = None,
    token_store_path: str | None = None,
    max_concurrent: int = 5,
    calls_per_minute: int | None = 60,
    limit_window_seconds: float = 60.0,
    retry_attempts: int = 8,
    retry_initial_wait: float = 0.5,
    retry_max_wait: float = 30.0,
    timeout: float = 60.0,
    stats: LoadStats | None = None,
) -> XeroClient:
    """A ready ``XeroClient`` (writeback builds its own with the same settings)."""
    import httpx

    http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)))
    retry = RetryPolicy(attempts=retry_attempts, initial_wait=retry_initial_wait, max_wait=retry_max_wait)
    auth = XeroAuth(
        token_url=token_url,
        client_id=client_id,
        client_secret=client_secret,
        grant_type=grant_type,
        refresh_token=refresh_token or None,
        scopes=scopes,
        store=TokenStore(token_store_path) if token_store_path else None,
        http=http,
        on_call=stats.auth_call if stats is not None else None,
        retry=retry,
    )
    return XeroClient(
        api_url=api_url,
        auth=auth,
        connections_url=connections_url,
        limits=LimitSettings(max_concurrent, calls_per_minute, limit_window_seconds),
        retry=retry,
        timeout=timeout,
        stats=stats,
        http=http,
    )


@dlt.source(name="xero", section="xero", max_table_nesting=2)
def xero_source(
    api_url: str = DEFAULT_API_URL,
    token_url: str = DEFAULT_TOKEN_URL,
    connections_url: str = DEFAULT_CONNECTIONS_URL,
    client_id: str = SANDBOX_CLIENT_ID,
    client_secret: TSecretStrValue = SANDBOX_CLIENT_SECRET,
    grant_type: str = "client_credentials",
    refresh_token: TSecretStrValue | None = None,
    scopes: str | None = None,
    token_store_path: str | None = None,
    tenant_ids: Sequence[str] | None = None,
    tables: Sequence[str] | None = None,
    initial_modified_since: str | None = None,
    max_concurrent: int = 5,
    calls_per_minute: int | None = 60,
    limit_window_seconds: float = 60.0,
    retry_attempts: int = 8,
    retry_initial_wait: float = 0.5,
    retry_max_wait: float = 30.0,
    timeout: float = 60.0,
    stats: Any = None,
    client: Any = None,
) -> Any:
    """Resources for every (tenant, table) pair; ``tables`` narrows the tables (default: all).

    ``tenant_ids`` empty means every tenant ``GET /connections`` lists. ``stats`` (a ``LoadStats``)
    collects progress; ``client`` lets a caller pass a prepared ``XeroClient``.
    """
    stats = stats if stats is not None else LoadStats("xero")
    if grant_type == "refresh_token" and not token_store_path:
        token_store_path = os.path.join(dlt.current.run_context().settings_dir, TOKEN_STORE_FILE)
    if client is None:
        client = build_client(
            api_url=api_url,
            token_url=token_url,
            connections_url=connections_url,
            client_id=client_id,
            client_secret=client_secret,
            grant_type=grant_type,
            refresh_token=refresh_token,
            scopes=scopes,
            token_store_path=token_store_path,
            max_concurrent=max_concurrent,
            calls_per_minute=calls_per_minute,
            limit_window_seconds=limit_window_seconds,
            retry_attempts=retry_attempts,
            retry_initial_wait=retry_initial_wait,
            retry_max_wait=retry_max_wait,
            timeout=timeout,
            stats=stats,
        )
    tenants = list(tenant_ids or []) or [c["tenantId"] for c in client.connections() if c.get("tenantId")]
    if not tenants:
        raise ValueError(
            "Xero lists no connected tenant; connect an organisation or set sources.xero.tenant_ids"
        )
    wanted = list(tables or ENDPOINTS)
    unknown = sorted(set(wanted) - set(ENDPOINTS))
    if unknown:
        raise ValueError(f"unknown Xero tables {unknown}; choose from {sorted(ENDPOINTS)}")
    since = utc_moment(initial_modified_since) if initial_modified_since else None
    return [
        make_resource(client, ENDPOINTS[table], tenant, stats, since)
        for tenant in tenants
        for table in wanted
    ]

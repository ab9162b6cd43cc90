"""The KashFlow dlt source: customers, suppliers, invoices and purchases (with lines and payment lines),
nominals, products and bank accounts, into ``raw_kashflow``.

Configuration comes from ``[sources.kashflow]`` in ``.dlt/config.toml`` / ``.dlt/secrets.toml`` or
``SOURCES__KASHFLOW__*`` environment variables; the defaults point at the local sandbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dlt
from dlt.common.typing import TSecretStrValue

from dlt_pipelines.common.retry import RetryPolicy
from dlt_pipelines.common.stats import LoadStats
from dlt_pipelines.kashflow.client import KashflowClient
from dlt_pipelines.kashflow.helpers import make_resource
from dlt_pipelines.kashflow.settings import (
    DEFAULT_BASE_URL,
    PER_PAGE,
    RESOURCES,
    SANDBOX_MEMORABLE_WORD,
    SANDBOX_PASSWORD,
    SANDBOX_USERNAME,
)

__all__ = ["kashflow_source", "RESOURCES"]


@dlt.source(name="kashflow", section="kashflow", max_table_nesting=2)
def kashflow_source(
    base_url: str = DEFAULT_BASE_URL,
    username: str = SANDBOX_USERNAME,
    password: TSecretStrValue = SANDBOX_PASSWORD,
    memorable_word: TSecretStrValue = SANDBOX_MEMORABLE_WORD,
    tables: Sequence[str] | None = None,
    per_page: int = PER_PAGE,
    max_concurrent: int = 4,
    retry_attempts: int = 8,
    retry_initial_wait: float = 0.5,
    retry_max_wait: float = 30.0,
    timeout: float = 60.0,
    stats: Any = None,
) -> Any:
    """One merge resource per KashFlow list; ``tables`` narrows them (default: all)."""
    stats = stats if stats is not None else LoadStats("kashflow")
    client = KashflowClient(
        base_url=base_url,
        username=username,
        password=password,
        memorable_word=memorable_word,
        max_concurrent=max_concurrent,
        retry=RetryPolicy(attempts=retry_attempts, initial_wait=retry_initial_wait, max_wait=retry_max_wait),
        timeout=timeout,
        stats=stats,
    )
    wanted = list(tables or RESOURCES)
    unknown = sorted(set(wanted) - set(RESOURCES))
    if unknown:
        raise ValueError(f"unknown KashFlow tables {unknown}; choose from {sorted(RESOURCES)}")
    return [make_resource(client, RESOURCES[name], stats, per_page, max_concurrent) for name in wanted]

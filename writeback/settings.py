"""Writeback settings, read from ``[writeback]`` in ``.dlt/config.toml`` / ``.dlt/secrets.toml`` or the
environment (``WRITEBACK__APPROVAL_THRESHOLD``, ``WRITEBACK__ALERT_WEBHOOK_URL``, ...), like every other
tieout setting. Xero reuses ``[sources.xero]``; Sage 100 falls back to ``sources.sage100.connection_string``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tieout.settings import PROJECT_ROOT, warehouse_path

DEFAULT_THRESHOLD = Decimal("5000")
"""Proposals above this amount (base currency) need two different approvers."""

DEFAULT_MAX_ATTEMPTS = 6
"""Runs that may fail transiently on one posting before it goes to dead-letter."""

XERO_BATCH_SIZE = 50
"""Items per Xero PUT (ManualJournals / Payments), each with its own result (``summarizeErrors=false``)."""


class SettingsError(ValueError):
    """A writeback setting is missing or wrong; the message names it and says how to set it."""


def _prepare_dlt() -> None:
    """Read the project's ``.dlt/`` even when tieout runs from another folder; never phone home."""
    if "DLT_PROJECT_DIR" not in os.environ and not Path(".dlt").is_dir() and (PROJECT_ROOT / ".dlt").is_dir():
        os.environ["DLT_PROJECT_DIR"] = str(PROJECT_ROOT)
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")


def config_value(key: str, default: Any = None) -> Any:
    """A dlt configuration value (``writeback.approval_threshold``), or ``default`` when unset."""
    _prepare_dlt()
    import dlt

    value = dlt.config.get(key)
    if value is None:
        value = dlt.secrets.get(key)
    return default if value is None else value


@dataclass(frozen=True)
class WritebackSettings:
    """Everything a writeback run needs to know besides the targets' own connection settings."""

    warehouse: Path
    approval_threshold: Decimal = DEFAULT_THRESHOLD
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    retry_base_seconds: float = 60.0
    alert_webhook_url: str | None = None
    xero_batch_size: int = XERO_BATCH_SIZE

    @classmethod
    def load(cls, warehouse: Path | None = None) -> WritebackSettings:
        raw = config_value("writeback.approval_threshold", DEFAULT_THRESHOLD)
        try:
            threshold = Decimal(str(raw))
        except InvalidOperation:
            raise SettingsError(
                f"writeback.approval_threshold must be an amount such as 5000, not {raw!r}"
            ) from None
        return cls(
            warehouse=Path(warehouse) if warehouse is not None else warehouse_path(),
            approval_threshold=threshold,
            max_attempts=int(config_value("writeback.max_attempts", DEFAULT_MAX_ATTEMPTS)),
            retry_base_seconds=float(config_value("writeback.retry_base_seconds", 60.0)),
            alert_webhook_url=config_value("writeback.alert_webhook_url") or None,
            xero_batch_size=int(config_value("writeback.xero_batch_size", XERO_BATCH_SIZE)),
        )

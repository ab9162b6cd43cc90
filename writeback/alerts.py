"""Alerts when a posting fails or lands in dead-letter: a log record, plus a JSON POST to a webhook URL
(``writeback.alert_webhook_url``) if one is configured. Delivering an alert never stops the run."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import httpx

log = logging.getLogger("tieout.writeback")


def raise_alert(
    event: str, key: str, message: str, *, target: str, webhook_url: str | None = None, timeout: float = 5.0
) -> dict[str, Any]:
    """Log and (optionally) POST ``{"event", "idempotency_key", "target", "message", "at"}``."""
    body = {
        "source": "tieout",
        "event": event,
        "idempotency_key": key,
        "target": target,
        "message": message,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    log.error("writeback %s: %s to %s: %s", event, key, target, message)
    if webhook_url:
        try:
            response = httpx.post(webhook_url, json=body, timeout=timeout)
            if response.status_code >= 400:
                log.warning("the alert webhook %s answered %s", webhook_url, response.status_code)
        except httpx.HTTPError as exc:
            log.warning("could not deliver the alert to %s: %s", webhook_url, exc)
    return body

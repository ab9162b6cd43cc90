"""Xero webhooks: signed event deliveries to ``--webhook-url`` and the intent-to-receive check.

The signature is ``x-xero-signature: base64(HMAC-SHA256(raw body, webhook key))``. Each change is
delivered as ``{"events": [...], "firstEventSequence", "lastEventSequence", "entropy"}``; a failed
delivery (not 200, or no answer) is retried ``webhook_retries`` times, waiting ``webhook_backoff`` real
seconds, then twice that, and so on (Xero itself keeps retrying for 24 hours).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import random
import string
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from sandbox.serve import Clock


def sign(body: bytes, key: str) -> str:
    """The ``x-xero-signature`` of a raw body."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def verify(body: bytes, signature: str | None, key: str) -> bool:
    """True when ``signature`` is the body's signature under ``key``."""
    return bool(signature) and hmac.compare_digest(sign(body, key), signature or "")


@dataclass
class Delivery:
    """One POST of a payload and how it went."""

    payload: dict[str, Any]
    body: bytes
    signature: str
    statuses: list[int | str] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        return bool(self.statuses) and self.statuses[-1] == 200


class WebhookSender:
    """Queues events and delivers them in order from the server's event loop."""

    def __init__(
        self, url: str | None, key: str | None, clock: Clock, retries: int = 3, backoff: float = 1.0
    ) -> None:
        self.url = url
        self.key = key or ""
        self.clock = clock
        self.retries = retries
        self.backoff = backoff
        self.sequence = 0
        self.deliveries: list[Delivery] = []
        self._rng = random.Random()
        self._tasks: set[asyncio.Task[None]] = set()
        self._order = asyncio.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self.url and self.key)

    def _entropy(self) -> str:
        return "".join(self._rng.choice(string.ascii_uppercase) for _ in range(20))

    def event(
        self, tenant_id: str, category: str, event_type: str, resource_id: str, resource_url: str
    ) -> None:
        """Queue one event (CREATE/UPDATE of an INVOICE, CONTACT or CREDITNOTE) for delivery."""
        if not self.enabled:
            return
        self.sequence += 1
        event = {
            "resourceUrl": resource_url,
            "resourceId": resource_id,
            "eventDateUtc": self.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
            "eventType": event_type,
            "eventCategory": category,
            "tenantId": tenant_id,
            "tenantType": "ORGANISATION",
        }
        payload = {
            "events": [event],
            "firstEventSequence": self.sequence,
            "lastEventSequence": self.sequence,
            "entropy": self._entropy(),
        }
        body = orjson.dumps(payload)
        delivery = Delivery(payload, body, sign(body, self.key))
        self.deliveries.append(delivery)
        task = asyncio.get_running_loop().create_task(self._deliver(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, body: bytes, signature: str) -> tuple[int | str, bytes]:
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                answer = await client.post(
                    self.url or "",
                    content=body,
                    headers={"Content-Type": "application/json", "x-xero-signature": signature},
                )
            return answer.status_code, answer.content
        except httpx.HTTPError as exc:
            return type(exc).__name__, b""

    async def _deliver(self, delivery: Delivery) -> None:
        body = delivery.body
        async with self._order:
            for attempt in range(self.retries + 1):
                status, _ = await self._post(body, delivery.signature)
                delivery.statuses.append(status)
                if status == 200:
                    return
                if attempt < self.retries:
                    await asyncio.sleep(min(30.0, self.backoff * 2.0**attempt))

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until every queued delivery has finished (tests)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def intent_to_receive(self) -> dict[str, Any]:
        """Xero's check: a correctly signed empty batch must get 200 and an empty body, a forged one 401."""
        if not self.enabled:
            raise ValueError(
                "no webhook URL and key configured; start the server with --webhook-url and --webhook-key"
            )
        payload = {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": self._entropy()}
        body = orjson.dumps(payload)
        good, good_body = await self._post(body, sign(body, self.key))
        forged, _ = await self._post(body, sign(body, self.key + "-wrong"))
        return {
            "valid_signature_status": good,
            "valid_signature_body_empty": good_body == b"",
            "invalid_signature_status": forged,
            "passed": good == 200 and good_body == b"" and forged == 401,
        }

"""Settings of one Xero sandbox server; the defaults are the documented sandbox credentials."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.faults import FaultSpec
from sandbox.serve import Clock

DEFAULT_CLIENT_ID = "tieout-sandbox"
DEFAULT_CLIENT_SECRET = "sandbox-secret"
DEFAULT_REFRESH_TOKEN = "sandbox-refresh-token"


@dataclass(frozen=True)
class XeroLimits:
    """Xero's per-tenant and per-app call limits (``--limits real``)."""

    concurrent: int = 5
    per_minute: int = 60
    per_day: int = 5000
    app_per_minute: int = 10_000


@dataclass
class XeroConfig:
    """Everything a Xero sandbox server can be told; ``limits=None`` lifts the limits."""

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    refresh_token: str = DEFAULT_REFRESH_TOKEN  # a refresh token valid at start (as after a consent)
    access_token_lifetime: float = 1800.0  # seconds on the sandbox clock
    refresh_grace: float = 1800.0  # how long a rotated-out refresh token keeps working
    refresh_token_lifetime: float = 60 * 86400.0  # unused refresh tokens expire
    limits: XeroLimits | None = None
    faults: FaultSpec | None = None
    clock: Clock = field(default_factory=Clock)
    webhook_url: str | None = None
    webhook_key: str | None = None
    webhook_retries: int = 3
    webhook_backoff: float = 1.0  # real seconds before the first retry; doubles each time
    idempotency_ttl: float = 360.0  # Xero keeps Idempotency-Key answers about 6 minutes
    tenant_id: str | None = None  # default: the scenario's OrganisationID
    provider_name: str = "tieout sandbox"

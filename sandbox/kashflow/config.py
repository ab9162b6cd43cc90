"""Settings of one KashFlow sandbox server; the defaults are the documented sandbox credentials."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.faults import FaultSpec
from sandbox.serve import Clock

DEFAULT_USERNAME = "tieout-sandbox"
DEFAULT_PASSWORD = "sandbox-password"
DEFAULT_MEMORABLE_WORD = "reconcile"


@dataclass
class KashflowConfig:
    """Everything a KashFlow sandbox server can be told."""

    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD
    memorable_word: str = DEFAULT_MEMORABLE_WORD
    company_name: str | None = None  # default: the scenario manifest's name
    session_idle_timeout: float = 3600.0  # a session ends after this long without a call (sandbox clock)
    temporary_token_lifetime: float = 300.0  # step 1's token must be used within this long
    letters_requested: int = 3  # how many memorable-word letters step 2 asks for
    max_failed_sign_ins: int = 5  # then the account locks...
    lockout: float = 900.0  # ...for this long
    default_perpage: int = 100
    max_perpage: int = 1000
    faults: FaultSpec | None = None
    clock: Clock = field(default_factory=Clock)

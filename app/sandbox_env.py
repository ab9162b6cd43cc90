"""Run a scenario's source systems beside the app: the ledger's sandbox API and the Sage 100 company.

``tieout app --sandbox DIR`` (and ``make demo``) uses this so that the app's refresh button loads the
sandbox and its writeback posts to it, with nothing to configure: it returns the environment
(``SOURCES__...``) that points the loaders and writeback targets at them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SandboxError(ValueError):
    """The scenario cannot be served; the message says why."""


@dataclass
class SandboxRuntime:
    """Running sandbox servers and the environment that points tieout at them."""

    ledger: str
    env: dict[str, str]
    company: Path
    handles: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for handle in self.handles:
            handle.stop()
        self.handles.clear()

    def describe(self) -> list[str]:
        lines = [f"ledger sandbox ({self.ledger}): {h.url}" for h in self.handles]
        lines.append(f"Sage 100 sandbox company: {self.company}")
        return lines


def scenario_ledger(scenario: Path) -> str:
    manifest = scenario / "manifest.json"
    if not manifest.is_file():
        raise SandboxError(
            f"{scenario} is not a scenario directory (no manifest.json); create one with "
            "`tieout sandbox generate --out DIR`"
        )
    ledger = str(json.loads(manifest.read_text()).get("ledger", "")).lower()
    if ledger not in ("xero", "kashflow"):
        raise SandboxError(f"{manifest}: ledger must be xero or kashflow, not {ledger!r}")
    return ledger


def start(scenario: Path, *, fast: bool = False) -> SandboxRuntime:
    """Start the ledger's sandbox API on a free 127.0.0.1 port and make sure the Sage 100 company exists.

    ``fast`` lifts the loader's own call-rate limit (tests); the sandbox itself runs without limits.
    """
    from sandbox.sage100 import build as sage_build
    from sandbox.serve import start_kashflow, start_xero

    scenario = Path(scenario).resolve()
    ledger = scenario_ledger(scenario)
    company = scenario / "sage100.db"
    if not company.exists():
        try:
            company = sage_build.build_company(scenario, company)
        except sage_build.ScenarioError as exc:
            raise SandboxError(str(exc)) from None
    env = {
        "SOURCES__LEDGER": ledger,
        "SOURCES__SAGE100__CONNECTION_STRING": sage_build.connection_string(company),
    }
    if ledger == "xero":
        handle = start_xero(scenario)
        env.update(
            {
                "SOURCES__XERO__API_URL": f"{handle.url}/api.xro/2.0",
                "SOURCES__XERO__TOKEN_URL": f"{handle.url}/connect/token",
                "SOURCES__XERO__CONNECTIONS_URL": f"{handle.url}/connections",
            }
        )
        if fast:
            env["SOURCES__XERO__CALLS_PER_MINUTE"] = "1000000"
    else:
        from sandbox.kashflow.config import DEFAULT_MEMORABLE_WORD, DEFAULT_PASSWORD, DEFAULT_USERNAME

        handle = start_kashflow(scenario)
        env.update(
            {
                "SOURCES__KASHFLOW__BASE_URL": f"{handle.url}/v2",
                "SOURCES__KASHFLOW__USERNAME": DEFAULT_USERNAME,
                "SOURCES__KASHFLOW__PASSWORD": DEFAULT_PASSWORD,
                "SOURCES__KASHFLOW__MEMORABLE_WORD": DEFAULT_MEMORABLE_WORD,
            }
        )
    return SandboxRuntime(ledger, env, company, [handle])

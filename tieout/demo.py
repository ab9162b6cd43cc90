"""``tieout demo``: the whole job on the built-in sandbox, from an empty machine to the review app.

Generates (or reuses) a scenario, builds its Sage 100 company, serves the ledger's API sandbox on the
default ports of ``.dlt/config.toml``, loads the three sources, builds the models and, if asked, opens
the review app while the sandbox keeps serving (the app's writeback to Xero needs it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from tieout import settings

Echo = Callable[[str], None]


@dataclass
class DemoOptions:
    """What ``tieout demo`` was asked for."""

    ledger: str = "xero"
    seed: int = 7
    size: str = "small"
    scenario: Path | None = None
    limits: str = "off"
    app: bool = True
    app_port: int = 8501


def _scenario_matches(scenario: Path, options: DemoOptions) -> bool:
    manifest = scenario / "manifest.json"
    if not manifest.exists():
        return False
    meta = json.loads(manifest.read_text())
    return (meta.get("ledger"), meta.get("seed"), meta.get("size")) == (
        options.ledger,
        options.seed,
        options.size,
    )


def prepare_scenario(options: DemoOptions, echo: Echo) -> Path:
    """Generate the demo scenario unless an identical one is already on disk; build its Sage 100 company."""
    import shutil

    from sandbox.generator import cli as generator
    from sandbox.sage100 import build as sage100

    scenario = options.scenario or settings.sandbox_dir() / f"demo-{options.ledger}"
    if not _scenario_matches(scenario, options):
        if scenario.exists():
            shutil.rmtree(scenario)
        echo(f"== generating a {options.size} {options.ledger} company (seed {options.seed}) in {scenario}")
        generator.run(
            out=scenario,
            ledger=options.ledger,
            seed=options.seed,
            size=options.size,
            invoices=None,
            rates=None,
        )
    else:
        echo(f"== reusing the scenario in {scenario}")
    echo("== building the Sage 100 company database")
    db = sage100.build_company(scenario)
    os.environ["SOURCES__SAGE100__CONNECTION_STRING"] = sage100.connection_string(db)
    return scenario


def start_sandbox(scenario: Path, options: DemoOptions, stack: ExitStack, echo: Echo) -> None:
    """Serve the scenario's ledger API on its default port, stopped when ``stack`` closes."""
    from sandbox import serve

    if options.ledger == "xero":
        from sandbox.xero.config import XeroConfig, XeroLimits

        config = XeroConfig(limits=XeroLimits() if options.limits == "real" else None)
        handle = serve.start_xero(scenario, config, serve.DEFAULT_XERO_PORT)
    else:
        handle = serve.start_kashflow(scenario, None, serve.DEFAULT_KASHFLOW_PORT)
    stack.callback(handle.stop)
    os.environ["SOURCES__LEDGER"] = options.ledger
    echo(f"== {options.ledger} sandbox API serving at {handle.url} (limits {options.limits})")


def run_demo(options: DemoOptions, echo: Echo = print) -> int:
    """Run the demo; returns the process exit code."""
    started = time.monotonic()
    warehouse = settings.warehouse_path()
    scenario = prepare_scenario(options, echo)
    with ExitStack() as stack:
        start_sandbox(scenario, options, stack, echo)
        from app.refresh import RefreshPaths

        work = RefreshPaths(warehouse.resolve()).work
        if warehouse.exists() or work.exists():
            echo(f"== starting from an empty warehouse ({warehouse}); the previous one is replaced")
            for old in (warehouse, work):  # with any copy an unfinished run left behind
                old.unlink(missing_ok=True)
                old.with_suffix(old.suffix + ".wal").unlink(missing_ok=True)
        echo("== loading Sage 100 and the ledger, then building the models (tieout run)")
        # `tieout run` builds a copy and swaps it in (as a refresh does), in a child process: dbt-duckdb
        # keeps its connection (and the file's write lock) for the life of the process.
        os.environ["TIEOUT_WAREHOUSE"] = str(warehouse)
        code = subprocess.call([sys.executable, "-m", "tieout.cli", "run", "--full-refresh"], env=os.environ)
        if code != 0:
            echo(f"error: the load or the build failed (exit code {code}); see the messages above")
            return code
        _report_evaluation(scenario, warehouse, echo)
        echo(f"== done in {time.monotonic() - started:.0f}s; warehouse: {warehouse}")
        if options.app:
            return _serve_app(options, warehouse, echo)
    return 0


def _report_evaluation(scenario: Path, warehouse: Path, echo: Echo) -> None:
    """Print how the reconciliation compares with the scenario's truth/ (the sandbox knows the answers)."""
    from tieout import evaluate

    echo("== reconciliation measured against the scenario's truth/")
    echo(evaluate.evaluate(scenario, warehouse).render())


def _serve_app(options: DemoOptions, warehouse: Path, echo: Echo) -> int:
    """Run the review app in the foreground until Ctrl-C while the sandbox keeps serving."""
    from tieout import app_cli

    return app_cli.run_app(
        warehouse=warehouse, host="127.0.0.1", port=options.app_port, sandbox=None, users_file=None, echo=echo
    )

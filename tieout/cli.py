"""The ``tieout`` command: one entry point for every step, from sandbox to writeback.

Each command imports its module lazily so ``tieout --help`` stays fast.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="tieout: load Xero/KashFlow and Sage 100, tie them out, propose and post balanced journals.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
sandbox_app = typer.Typer(
    help="Local stand-ins for Xero, KashFlow and Sage 100: generate scenarios, build and serve them.",
    no_args_is_help=True,
)
app.add_typer(sandbox_app, name="sandbox")


class Ledger(StrEnum):
    """Operational ledger kept beside Sage 100."""

    xero = "xero"
    kashflow = "kashflow"


class Size(StrEnum):
    """Scenario sizes: small (~2,000 invoices), medium (~100k), large (1M invoices and 1M payments)."""

    small = "small"
    medium = "medium"
    large = "large"


@sandbox_app.command("generate")
def sandbox_generate(
    out: Annotated[
        Path, typer.Option(help="Scenario directory to write (created; must be empty or absent).")
    ],
    ledger: Annotated[Ledger, typer.Option(help="Operational ledger beside Sage 100.")] = Ledger.xero,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives byte-identical output.")] = 1,
    size: Annotated[
        Size, typer.Option(help="small (~2,000 invoices), medium (~100k) or large (1M).")
    ] = Size.small,
    invoices: Annotated[int | None, typer.Option(help="Override the number of sales invoices.")] = None,
    rates: Annotated[
        str | None,
        typer.Option(help="Injection rates, e.g. 'amount_mismatch=0.02,missing_in_sage100=0.01'."),
    ] = None,
) -> None:
    """Write a scenario directory (ledger + Sage 100 + truth) as DESIGN.md describes."""
    from sandbox.generator import cli as gen_cli

    gen_cli.run(out=out, ledger=ledger.value, seed=seed, size=size.value, invoices=invoices, rates=rates)


@sandbox_app.command("sage100")
def sandbox_sage100(
    scenario: Annotated[Path, typer.Option(help="Scenario directory holding sage100/*.csv.")],
    db: Annotated[
        Path | None, typer.Option(help="SQLite file for the company (default: <scenario>/sage100.db).")
    ] = None,
) -> None:
    """Build a Sage 100 company database from a scenario and print its ODBC connection string."""
    from sandbox.sage100 import build

    try:
        target = build.build_company(scenario, db)
    except build.ScenarioError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(build.connection_string(target))


@sandbox_app.command("serve")
def sandbox_serve(
    scenario: Annotated[Path, typer.Option(help="Scenario directory holding xero/ or kashflow/.")],
    xero_port: Annotated[int, typer.Option(help="Port of the Xero sandbox (0: any free).")] = 8710,
    kashflow_port: Annotated[int, typer.Option(help="Port of the KashFlow sandbox (0: any free).")] = 8720,
    limits: Annotated[str, typer.Option(help="'real' (5 concurrent, 60/min, 5000/day) or 'off'.")] = "real",
    faults: Annotated[
        str | None,
        typer.Option(help="e.g. 'latency=50ms,error_rate=0.05,drop_rate=0.02,token_expiry_rate=0.1,seed=7'."),
    ] = None,
    webhook_url: Annotated[str | None, typer.Option(help="POST signed Xero webhook events here.")] = None,
    webhook_key: Annotated[str | None, typer.Option(help="Webhook signing key (with --webhook-url).")] = None,
    clock_speed: Annotated[float, typer.Option(help="Sandbox clock speed (60: a minute per second).")] = 1.0,
    client_id: Annotated[str | None, typer.Option(help="Xero client id (default tieout-sandbox).")] = None,
    client_secret: Annotated[str | None, typer.Option(help="Xero secret (default sandbox-secret).")] = None,
) -> None:
    """Serve a scenario as the Xero and/or KashFlow API on 127.0.0.1 until Ctrl-C."""
    from sandbox.serve import ServeOptions, serve_forever

    try:
        serve_forever(
            ServeOptions(
                scenario,
                xero_port,
                kashflow_port,
                limits,
                faults,
                webhook_url,
                webhook_key,
                clock_speed,
                client_id,
                client_secret,
            ),
            echo=typer.echo,
        )
    except (OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


_TARGET_HELP = "dbt target in dbt_project/profiles.yml (default duckdb)."


@app.command("demo")
def demo_cmd(
    ledger: Annotated[Ledger, typer.Option(help="Operational ledger of the demo company.")] = Ledger.xero,
    seed: Annotated[int, typer.Option(help="Scenario seed.")] = 7,
    size: Annotated[Size, typer.Option(help="Scenario size.")] = Size.small,
    limits: Annotated[str, typer.Option(help="Xero sandbox rate limits: off or real.")] = "off",
    app_: Annotated[bool, typer.Option("--app/--no-app", help="Open the review app at the end.")] = True,
) -> None:
    """The whole job on the built-in sandbox: generate, serve, load, build, reconcile, open the app."""
    from tieout.demo import DemoOptions, run_demo

    code = run_demo(
        DemoOptions(ledger=ledger.value, seed=seed, size=size.value, limits=limits, app=app_), echo=typer.echo
    )
    raise typer.Exit(code)


@app.command("build")
def build_cmd(
    select: Annotated[list[str] | None, typer.Option("--select", "-s", help="dbt selection.")] = None,
    exclude: Annotated[list[str] | None, typer.Option(help="dbt exclusion (repeatable).")] = None,
    full_refresh: Annotated[bool, typer.Option(help="Rebuild incremental models from scratch.")] = False,
    target: Annotated[str | None, typer.Option(help=_TARGET_HELP)] = None,
) -> None:
    """Build the warehouse models (dbt build: seeds, staging, intermediate, core, tests) from the raw data."""
    from tieout import build

    raise typer.Exit(
        build.swapped_command(
            load=False,
            select=select or (),
            exclude=exclude or (),
            full_refresh=full_refresh,
            target=target,
            echo=typer.echo,
        )
    )


@app.command("run")
def run_cmd(
    full_refresh: Annotated[bool, typer.Option(help="Full reload and full rebuild.")] = False,
    target: Annotated[str | None, typer.Option(help=_TARGET_HELP)] = None,
) -> None:
    """Load every configured source (tieout load), then build the models (tieout build)."""
    from tieout import build

    raise typer.Exit(
        build.swapped_command(load=True, full_refresh=full_refresh, target=target, echo=typer.echo)
    )


@app.command("load")
def load_cmd(
    source: Annotated[
        str, typer.Option(help="xero, kashflow, sage100 or all (the configured ledger + Sage 100).")
    ] = "all",
    full_refresh: Annotated[
        bool, typer.Option(help="Drop the raw tables and cursors of each source and load everything.")
    ] = False,
) -> None:
    """Load Xero/KashFlow and Sage 100 into raw_xero / raw_kashflow / raw_sage100, showing progress."""
    from tieout import load

    try:
        report = load.run_load(source, full_refresh, echo=typer.echo)
    except load.LoadError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(report.exit_code)


@app.command("evaluate")
def evaluate_cmd(
    scenario: Annotated[Path, typer.Option(help="Scenario directory with truth/ (tieout sandbox generate).")],
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file (default: TIEOUT_WAREHOUSE).")] = None,
    strict: Annotated[bool, typer.Option(help="Exit 1 when a precision/recall target is missed.")] = False,
) -> None:
    """Score recon.exceptions and recon.payment_matches against the scenario's truth/."""
    from tieout import evaluate, settings

    try:
        report = evaluate.evaluate(scenario, warehouse or settings.warehouse_path())
    except evaluate.EvaluationError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(report.render())
    if strict and report.failures():
        raise typer.Exit(1)


webhooks_app = typer.Typer(help="Receive Xero webhooks and load what they announce.", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")


@webhooks_app.command("serve")
def webhooks_serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8730,
    debounce: Annotated[float, typer.Option(help="Seconds of quiet before a triggered load starts.")] = 5.0,
) -> None:
    """Serve POST /webhooks/xero: check signatures, store events, run debounced incremental loads."""
    from tieout import webhooks

    try:
        webhooks.serve(host=host, port=port, debounce_seconds=debounce, echo=typer.echo)
    except webhooks.WebhookConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


# -- approvals and writeback (bodies in tieout/writeback_cli.py) ----------------------------------------
_USER_HELP = "Who decides (the app passes the signed-in user)."
_ROLE_HELP = "preparer, approver or admin."


@app.command("approve")
def approve_cmd(
    proposal_ids: Annotated[list[str], typer.Argument(help="proposal_id(s) from journals.proposals.")],
    user: Annotated[str, typer.Option(help=_USER_HELP)],
    role: Annotated[str, typer.Option(help=_ROLE_HELP)] = "approver",
    comment: Annotated[str | None, typer.Option(help="Why (kept in ops.approvals).")] = None,
) -> None:
    """Approve the current version of proposals (the approval lapses if the proposal changes)."""
    from tieout import writeback_cli

    raise typer.Exit(writeback_cli.decide("approve", proposal_ids, user, role, comment, typer.echo))


@app.command("reject")
def reject_cmd(
    proposal_ids: Annotated[list[str], typer.Argument(help="proposal_id(s) from journals.proposals.")],
    user: Annotated[str, typer.Option(help=_USER_HELP)],
    comment: Annotated[str, typer.Option(help="Why it is rejected (required).")],
    role: Annotated[str, typer.Option(help=_ROLE_HELP)] = "approver",
) -> None:
    """Reject the current version of proposals; a queued posting of it is withdrawn."""
    from tieout import writeback_cli

    raise typer.Exit(writeback_cli.decide("reject", proposal_ids, user, role, comment, typer.echo))


@app.command("writeback")
def writeback_cmd(
    target: Annotated[str | None, typer.Option(help="sage100 or xero (default: both).")] = None,
    dry_run: Annotated[bool, typer.Option(help="Print exactly what would post; write nothing.")] = False,
    user: Annotated[str | None, typer.Option(help="Who runs it (audit log); default: the OS user.")] = None,
) -> None:
    """Post approved proposals to Sage 100 / Xero through the outbox, exactly once."""
    from tieout import writeback_cli

    who = user or writeback_cli.default_user()
    raise typer.Exit(writeback_cli.writeback(target, dry_run, who, typer.echo))


@app.command("outbox")
def outbox_cmd(
    state: Annotated[str | None, typer.Option(help="pending, sending, posted, failed, dead-letter.")] = None,
) -> None:
    """List the postings of the writeback outbox (dead letters with their reason)."""
    from tieout import writeback_cli

    raise typer.Exit(writeback_cli.show_outbox(state, typer.echo))


@app.command("requeue")
def requeue_cmd(
    key: Annotated[str, typer.Argument(help="The dead letter's key, or its start as `tieout outbox` shows.")],
    user: Annotated[str, typer.Option(help=_USER_HELP)],
    reason: Annotated[str, typer.Option(help="What was fixed in the target.")],
    role: Annotated[str, typer.Option(help=_ROLE_HELP)] = "approver",
) -> None:
    """Send a dead-lettered posting again once its cause is fixed (the target is asked first)."""
    from tieout import writeback_cli

    raise typer.Exit(writeback_cli.requeue(key, user, role, reason, typer.echo))


audit_app = typer.Typer(help="The tamper-evident audit log of approvals and postings.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify_cmd() -> None:
    """Recompute the audit log's hash chain; exit 1 and name the first bad entry if it was altered."""
    from tieout import writeback_cli

    raise typer.Exit(writeback_cli.audit_verify(typer.echo))


# -- the app (bodies in tieout/app_cli.py) ------------------------------------------------------------------
@app.command("app")
def app_cmd(
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file (default TIEOUT_WAREHOUSE).")] = None,
    port: Annotated[int, typer.Option(help="Port to serve the app on.")] = 8501,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    sandbox: Annotated[
        Path | None, typer.Option(help="Scenario directory: run its sandbox sources beside the app.")
    ] = None,
    users_file: Annotated[Path | None, typer.Option(help="Users file (default app/users.toml).")] = None,
    hash_password: Annotated[bool, typer.Option(help="Print a bcrypt hash for the users file.")] = False,
) -> None:
    """Run the reconciliation app (Streamlit) on a warehouse until Ctrl-C."""
    from tieout import app_cli

    if hash_password:
        raise typer.Exit(app_cli.hash_password(typer.echo))
    raise typer.Exit(
        app_cli.run_app(
            warehouse=warehouse, host=host, port=port, sandbox=sandbox, users_file=users_file, echo=typer.echo
        )
    )


@app.command("refresh")
def refresh_cmd(
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file (default TIEOUT_WAREHOUSE).")] = None,
    source: Annotated[str, typer.Option(help="xero, kashflow, sage100 or all.")] = "all",
    full_refresh: Annotated[bool, typer.Option(help="Full reload and full rebuild.")] = False,
) -> None:
    """Load + build into a copy of the warehouse, then swap it in: safe while the app is open."""
    from tieout import app_cli

    raise typer.Exit(
        app_cli.run_refresh(warehouse=warehouse, source=source, full_refresh=full_refresh, echo=typer.echo)
    )


@app.command("bench")
def bench_cmd(
    size: Annotated[Size, typer.Option(help="Scenario size to measure.")] = Size.medium,
    ledger: Annotated[list[Ledger] | None, typer.Option(help="Ledger(s) to measure (repeatable).")] = None,
    step: Annotated[
        list[str] | None,
        typer.Option(help="load, limits, build, recon, app or incremental (repeatable; default all)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Scenario seed.")] = 1,
    cache: Annotated[
        Path | None, typer.Option(help="Cache with scenarios/<ledger>-<size>-seed<N> (default bench/cache).")
    ] = None,
    runs: Annotated[int, typer.Option(help="Runs of each short step (the median is reported).")] = 3,
    build_runs: Annotated[int, typer.Option(help="Runs of the full dbt build (median).")] = 1,
    out: Annotated[Path | None, typer.Option(help="Where results.json/.md go (default bench/).")] = None,
    readme: Annotated[bool, typer.Option(help="Update the README's Benchmarks table.")] = True,
) -> None:
    """Measure load, dbt build, reconciliation and app latency; write bench/results.json and .md."""
    from tieout import bench

    options = bench.BenchOptions(
        size=size.value,
        ledgers=tuple(x.value for x in ledger) if ledger else ("xero",),
        seed=seed,
        cache=cache or bench.DEFAULT_CACHE,
        steps=tuple(step) if step else bench.DEFAULT_STEPS,
        runs=runs,
        build_runs=build_runs,
        out_dir=out or bench.BENCH_DIR,
        readme=bench.PROJECT_ROOT / "README.md" if readme else None,
    )
    try:
        code = bench.run_bench(options, echo=typer.echo)
    except bench.BenchError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    raise typer.Exit(code)


if __name__ == "__main__":  # pragma: no cover
    app()

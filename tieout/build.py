"""Run the dbt project (``dbt_project/``) in-process: ``tieout build`` and the build half of ``tieout run``.

dbt runs through :class:`dbt.cli.main.dbtRunner` with the project and profiles in ``dbt_project/``; the
DuckDB file comes from ``TIEOUT_WAREHOUSE`` (set here from :func:`tieout.settings.warehouse_path` when
unset). The result is a :class:`BuildSummary` that prints readably and says whether anything failed.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tieout import settings

DBT_PROJECT_DIR = settings.PROJECT_ROOT / "dbt_project"
RAW_SOURCES = {"sage100": "raw_sage100", "xero": "raw_xero", "kashflow": "raw_kashflow"}
FAILED_STATUSES = {"error", "fail", "runtime error"}


class BuildError(RuntimeError):
    """dbt could not start (bad project, profile or arguments), as opposed to a model or test failing."""


@dataclass
class NodeResult:
    """One model, seed, test or source of a dbt invocation."""

    name: str
    resource_type: str
    status: str
    message: str = ""
    failures: int | None = None
    seconds: float = 0.0


@dataclass
class BuildSummary:
    """What ``dbt build`` (and the freshness check before it) did."""

    command: str
    success: bool
    nodes: list[NodeResult] = field(default_factory=list)
    freshness: list[NodeResult] = field(default_factory=list)
    warehouse: Path | None = None

    @property
    def failed(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status in FAILED_STATUSES]

    @property
    def warned(self) -> list[NodeResult]:
        return [n for n in self.nodes + self.freshness if n.status == "warn"]

    def counts(self) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = {}
        for n in self.nodes:
            out.setdefault(n.resource_type, Counter())[n.status] += 1
        return out

    def render(self) -> str:
        """A few readable lines: counts per resource type, then every failure and warning."""
        lines = [f"dbt {self.command} on {self.warehouse}: {'OK' if self.success else 'FAILED'}"]
        for rtype, counter in sorted(self.counts().items()):
            parts = ", ".join(f"{k} {v}" for k, v in sorted(counter.items()))
            lines.append(f"  {rtype + 's':<10} {parts}")
        if self.freshness:
            fresh = Counter(f.status for f in self.freshness)
            lines.append(f"  {'freshness':<10} " + ", ".join(f"{k} {v}" for k, v in sorted(fresh.items())))
        for f in self.freshness:
            if f.status != "pass":
                lines.append(f"  freshness {f.status}: {f.name} {f.message}".rstrip())
        for n in self.failed:
            detail = f" ({n.failures} failing rows)" if n.failures else ""
            lines.append(f"  {n.status.upper()}: {n.resource_type} {n.name}{detail}")
            if n.message:
                lines.extend(f"      {m}" for m in n.message.strip().splitlines()[:8])
        for n in self.warned:
            if n in self.freshness:
                continue
            lines.append(f"  WARN: {n.resource_type} {n.name}: {n.message}".rstrip())
        if not self.success and not self.failed:
            lines.append("  dbt stopped before running any node; see the messages above.")
        return "\n".join(lines)


@contextmanager
def _warehouse_env(warehouse: Path | None) -> Iterator[Path]:
    """Point ``TIEOUT_WAREHOUSE`` at ``warehouse`` (or the configured default) while dbt runs."""
    path = Path(warehouse) if warehouse else settings.warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    old = os.environ.get("TIEOUT_WAREHOUSE")
    os.environ["TIEOUT_WAREHOUSE"] = str(path.resolve())
    try:
        yield path
    finally:
        if old is None:
            os.environ.pop("TIEOUT_WAREHOUSE", None)
        else:
            os.environ["TIEOUT_WAREHOUSE"] = old


#: Above this size a warehouse's models are built one at a time (see :func:`dbt_threads`).
ONE_MODEL_AT_A_TIME_BYTES = 1 << 30


def dbt_threads(warehouse: Path) -> int:
    """How many models dbt builds at once: ``TIEOUT_DBT_THREADS`` when set, else 2 for a warehouse under
    1 GiB and 1 above. DuckDB already spreads one query over every core; two big models at once share
    its memory limit and spill to disk (a large company's full build: 276 s with 2, 237 s with 1; after
    later changes 222 s against 216 s, the machine's two cores already busy), while small models gain
    from overlapping dbt's own per-model work (medium: 45 s with 2, 52 s with 1)."""
    configured = os.environ.get("TIEOUT_DBT_THREADS", "").strip()
    if configured:
        if not configured.isdigit() or int(configured) < 1:
            raise BuildError(
                f"TIEOUT_DBT_THREADS={configured!r} is not a number of threads: "
                "set it to 1 or more, or unset it."
            )
        return int(configured)
    size = warehouse.stat().st_size if warehouse.exists() else 0
    return 1 if size > ONE_MODEL_AT_A_TIME_BYTES else 2


def _common_args(target: str | None, target_path: Path | None, dbt_vars: dict[str, Any] | None) -> list[str]:
    args = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    if target:
        args += ["--target", target]
    if target_path:
        args += ["--target-path", str(target_path)]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    return args


def invoke(
    command: Sequence[str],
    *,
    warehouse: Path | None = None,
    target: str | None = None,
    target_path: Path | None = None,
    dbt_vars: dict[str, Any] | None = None,
    quiet: bool = True,
) -> Any:
    """Run one dbt command in-process; returns dbt's ``dbtRunnerResult``. Artifacts and logs go to
    ``target_path`` (or ``TIEOUT_DBT_TARGET_PATH``, default ``dbt_project/target``)."""
    from dbt.cli.main import dbtRunner

    if target_path is None and os.environ.get("TIEOUT_DBT_TARGET_PATH"):
        target_path = Path(os.environ["TIEOUT_DBT_TARGET_PATH"])
    with _warehouse_env(warehouse) as path:
        args = list(command) + _common_args(target, target_path, dbt_vars)
        if command[0] not in {"source", "docs", "parse", "ls", "list", "debug", "deps", "clean"}:
            args += ["--threads", str(dbt_threads(path))]
        if quiet:
            args = ["--quiet", *args]
        if target_path:
            args = ["--log-path", str(target_path / "logs"), *args]
        return dbtRunner().invoke(args)


def _node_results(res: Any) -> list[NodeResult]:
    out = []
    for r in getattr(res.result, "results", None) or []:
        node = r.node
        status = str(getattr(r.status, "value", r.status))
        out.append(
            NodeResult(
                name=getattr(node, "name", None) or getattr(node, "unique_id", "?"),
                resource_type=str(getattr(node.resource_type, "value", node.resource_type)),
                status=status,
                message=str(r.message or "") if status != "success" else "",
                failures=getattr(r, "failures", None),
                seconds=float(getattr(r, "execution_time", 0.0) or 0.0),
            )
        )
    return out


def present_source_tables(warehouse: Path) -> dict[str, list[str]]:
    """Raw tables in the warehouse per source (a scenario has Xero or KashFlow, not both, and dlt
    creates no table for an empty resource)."""
    import duckdb

    if not warehouse.exists():
        return {}
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.ConnectionException:
        # already open in this process (e.g. by dbt): share that database instance
        con = duckdb.connect(str(warehouse))
    try:
        rows = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw_sage100', 'raw_xero', 'raw_kashflow')"
        ).fetchall()
    finally:
        con.close()
    by_schema = {schema: name for name, schema in RAW_SOURCES.items()}
    out: dict[str, list[str]] = {}
    for schema, table in rows:
        if table.startswith("_dlt"):
            continue
        out.setdefault(by_schema[schema], []).append(table)
    return out


def check_freshness(
    *, warehouse: Path | None = None, target: str | None = None, target_path: Path | None = None
) -> list[NodeResult]:
    """``dbt source freshness`` for the raw tables that were loaded; empty when none were.
    Reported, never failing the build: stale data is for a person to judge."""
    path = Path(warehouse) if warehouse else settings.warehouse_path()
    if (target or "duckdb") != "duckdb":
        selection = [f"source:{s}" for s in RAW_SOURCES]
    else:
        selection = [f"source:{s}.{t}" for s, tables in present_source_tables(path).items() for t in tables]
    if not selection:
        return []
    res = invoke(
        ["source", "freshness", "--select", *selection],
        warehouse=path,
        target=target,
        target_path=target_path,
    )
    return [
        NodeResult(name=f"{n.name}", resource_type="source", status=n.status, message=n.message)
        for n in _node_results(res)
        if n.resource_type == "source"  # not the project's on-run-end hook
    ]


def build(
    *,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
    full_refresh: bool = False,
    warehouse: Path | None = None,
    target: str | None = None,
    target_path: Path | None = None,
    dbt_vars: dict[str, Any] | None = None,
    freshness: bool = True,
) -> BuildSummary:
    """``dbt build`` (seeds, models, tests) of the whole project or a selection; never raises on a failing
    model or test — the summary says so. Raises :class:`BuildError` when dbt cannot start at all."""
    path = Path(warehouse) if warehouse else settings.warehouse_path()
    fresh = check_freshness(warehouse=path, target=target, target_path=target_path) if freshness else []
    command = ["build"]
    if select:
        command += ["--select", *select]
    if exclude:
        command += ["--exclude", *exclude]
    if full_refresh:
        command.append("--full-refresh")
    res = invoke(command, warehouse=path, target=target, target_path=target_path, dbt_vars=dbt_vars)
    if res.result is None and res.exception is not None:
        raise BuildError(
            f"dbt could not run: {res.exception}. Check dbt_project/ (dbt_project.yml, profiles.yml) and "
            f"that TIEOUT_WAREHOUSE points at a writable DuckDB file."
        )
    nodes = _node_results(res)
    return BuildSummary(
        command="build", success=bool(res.success), nodes=nodes, freshness=fresh, warehouse=path
    )


def docs_generate(
    *, warehouse: Path | None = None, target: str | None = None, target_path: Path | None = None
) -> Path:
    """``dbt docs generate``; returns the catalog.json path."""
    res = invoke(["docs", "generate"], warehouse=warehouse, target=target, target_path=target_path)
    if not res.success:
        raise BuildError(f"dbt docs generate failed: {res.exception or 'see the dbt log'}")
    return (target_path or DBT_PROJECT_DIR / "target") / "catalog.json"


def run(
    *,
    full_refresh: bool = False,
    target: str | None = None,
    warehouse: Path | None = None,
    source: str = "all",
    echo: Any = print,
) -> BuildSummary:
    """``tieout run``: load the raw data (:func:`tieout.load.load`), then :func:`build`.

    A source that failed to load stops the run (:class:`BuildError` with the loader's reason); a load
    that stopped early (e.g. Xero's daily limit) still builds on what was loaded."""
    from tieout import load as loader

    echo("loading raw data ...")
    try:
        report = loader.load(source, full_refresh, warehouse=warehouse, echo=echo)
    except loader.LoadError as exc:
        raise BuildError(f"the load failed, nothing was built: {exc}") from exc
    if report.exit_code == loader.EXIT_STOPPED:
        echo("the load stopped early; building on what was loaded (run `tieout run` again to finish)")
    echo("building models ...")
    return build(full_refresh=full_refresh, target=target, warehouse=warehouse)


def builds_warehouse_file(target: str | None) -> bool:
    """True when the dbt target is the DuckDB file of ``TIEOUT_WAREHOUSE`` (the default)."""
    return (target or os.environ.get("TIEOUT_DBT_TARGET") or "duckdb") == "duckdb"


def swapped_command(
    *,
    load: bool,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
    full_refresh: bool = False,
    target: str | None = None,
    source: str = "all",
    warehouse: Path | None = None,
    echo: Any = print,
) -> int:
    """``tieout run`` (``load``) and ``tieout build``: the exit code (0 ok, 1 a step failed, 2 dbt could not
    start or another run holds the warehouse).

    On the DuckDB warehouse this never writes the live file for long: like ``tieout refresh`` it loads and
    builds a copy and swaps it in (:mod:`app.refresh`), so an open app keeps reading and its decisions
    are carried over; a failed step leaves the live file as it was. Other dbt targets build in place."""
    if not builds_warehouse_file(target):
        try:
            summary = (
                run(full_refresh=full_refresh, target=target, warehouse=warehouse, source=source, echo=echo)
                if load
                else build(select=select, exclude=exclude, full_refresh=full_refresh, target=target)
            )
        except BuildError as exc:
            echo(f"error: {exc}")
            return 2
        echo(summary.render())
        return 0 if summary.success else 1

    from app import refresh

    path = Path(warehouse) if warehouse else settings.warehouse_path()
    try:
        status = refresh.refresh(
            path,
            source=source,
            full_refresh=full_refresh,
            user=None,
            echo=echo,
            kind="run" if load else "build",
            load=load,
            select=select,
            exclude=exclude,
        )
    except refresh.RefreshBusy as exc:
        echo(f"error: {exc}")
        return 2
    what = "run" if load else "build"
    echo(f"{what} {status.state} in {status.seconds} s: {status.message}")
    if status.state == "succeeded":
        return 0
    return 2 if "dbt could not run" in status.message else 1

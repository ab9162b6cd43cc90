"""``tieout load``: run the Xero, KashFlow and Sage 100 dlt pipelines into the warehouse.

Each source loads into its own dataset (``raw_xero``, ``raw_kashflow``, ``raw_sage100``) of the DuckDB
warehouse with a pipeline of the same name. While it runs, a line per resource shows rows, pages and
calls; at the end a summary shows rows per table, API calls, 429s met, retries, quarantined records and
the duration. Every run's summary is kept in ``raw_meta.load_runs`` and in ``<warehouse>.last_load.json``.

Which ledger ``--source all`` loads comes from ``sources.ledger`` (``auto``, ``xero``, ``kashflow``,
``both`` or ``none``); ``auto`` loads each ledger whose API answers at its configured address.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tieout.settings import PROJECT_ROOT, warehouse_path

LEDGERS = ("xero", "kashflow")
SOURCES = (*LEDGERS, "sage100")
EXIT_OK, EXIT_FAILED, EXIT_STOPPED = 0, 1, 3
LOADER_FILE_FORMAT = "parquet"  # DuckDB loads parquet several times faster than INSERT statements

Echo = Callable[[str], None]


def _prepare_dlt_environment() -> None:
    """Read ``.dlt/`` of the project even when run elsewhere, and never phone home."""
    if "DLT_PROJECT_DIR" not in os.environ and not Path(".dlt").is_dir() and (PROJECT_ROOT / ".dlt").is_dir():
        os.environ["DLT_PROJECT_DIR"] = str(PROJECT_ROOT)
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")


class LoadError(RuntimeError):
    """A load that cannot start or went wrong, with a message saying what to do."""


@dataclass
class SourceResult:
    """The outcome of one source's load."""

    source: str
    status: str  # "ok" | "stopped" | "failed"
    summary: dict[str, Any]
    message: str = ""


@dataclass
class LoadReport:
    """All sources of one ``tieout load``."""

    run_id: str
    results: list[SourceResult] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        statuses = {r.status for r in self.results}
        if "failed" in statuses:
            return EXIT_FAILED
        if "stopped" in statuses:
            return EXIT_STOPPED
        return EXIT_OK


# -- where things live ------------------------------------------------------------------------------
def pipelines_dir(warehouse: Path) -> Path:
    """dlt's working folder for a warehouse: beside it, so state and warehouse go together."""
    override = os.environ.get("TIEOUT_PIPELINES_DIR")
    return Path(override) if override else warehouse.parent / f"{warehouse.stem}.dlt"


def summary_file(warehouse: Path) -> Path:
    return warehouse.parent / f"{warehouse.stem}.last_load.json"


def make_pipeline(source: str, warehouse: Path) -> Any:
    """The dlt pipeline loading ``source`` into dataset ``raw_<source>`` of ``warehouse``."""
    import dlt

    from dlt_pipelines.common.destination import warehouse_destination

    name = f"raw_{source}"
    return dlt.pipeline(
        pipeline_name=name,
        destination=warehouse_destination(warehouse),
        dataset_name=name,
        pipelines_dir=str(pipelines_dir(warehouse)),
    )


def _dataset_has_state(warehouse: Path, dataset: str, pipeline: Any = None) -> bool:
    from dlt_pipelines.common.destination import uses_duckdb

    if pipeline is not None and not uses_duckdb():
        return _destination_has_state(pipeline)
    if not warehouse.exists():
        return False
    import duckdb

    with duckdb.connect(str(warehouse)) as con:
        found = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [dataset, "_dlt_pipeline_state"],
        ).fetchone()
    return bool(found and found[0])


def _destination_has_state(pipeline: Any) -> bool:
    """Whether another (configured) destination holds the pipeline's state table."""
    from dlt.destinations.exceptions import DatabaseUndefinedRelation

    with pipeline.sql_client() as client:
        if not client.has_dataset():
            return False
        try:
            client.execute_sql(f"SELECT 1 FROM {client.make_qualified_table_name('_dlt_pipeline_state')}")
        except DatabaseUndefinedRelation:
            return False
    return True


def _forget_stale_state(pipeline: Any, warehouse: Path) -> None:
    """A warehouse rebuilt from scratch must not inherit cursors of one that is gone."""
    if not _dataset_has_state(warehouse, pipeline.dataset_name, pipeline):
        working = Path(pipeline.working_dir)
        if working.exists():
            shutil.rmtree(working)


# -- choosing sources ----------------------------------------------------------------------------
def _config(key: str, default: Any = None) -> Any:
    import dlt

    value = dlt.config.get(key)
    return default if value is None else value


def _answers(url: str, timeout: float = 1.0) -> bool:
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def ledger_urls() -> dict[str, str]:
    """The configured API address of each ledger (sandbox defaults unless configured)."""
    from dlt_pipelines.kashflow.settings import DEFAULT_BASE_URL
    from dlt_pipelines.xero.settings import DEFAULT_API_URL

    return {
        "xero": _config("sources.xero.api_url", DEFAULT_API_URL),
        "kashflow": _config("sources.kashflow.base_url", DEFAULT_BASE_URL),
    }


def resolve_sources(requested: str) -> list[str]:
    """Which sources ``--source`` means; ``all`` = the configured ledger(s) + Sage 100."""
    if requested in SOURCES:
        return [requested]
    if requested != "all":
        raise LoadError(f"--source must be one of xero, kashflow, sage100 or all, not {requested!r}")
    ledger = str(_config("sources.ledger", "auto")).lower()
    if ledger in LEDGERS:
        ledgers = [ledger]
    elif ledger == "both":
        ledgers = list(LEDGERS)
    elif ledger == "none":
        ledgers = []
    elif ledger == "auto":
        urls = ledger_urls()
        ledgers = [name for name in LEDGERS if _answers(urls[name])]
        if not ledgers:
            raise LoadError(
                "no ledger API answers (Xero at {xero}, KashFlow at {kashflow}); start the sandbox with "
                "`tieout sandbox serve --scenario DIR`, or set sources.ledger and the API address in "
                ".dlt/config.toml".format(**urls)
            )
    else:
        raise LoadError(f"sources.ledger must be auto, xero, kashflow, both or none, not {ledger!r}")
    return [*ledgers, "sage100"]


# -- progress ---------------------------------------------------------------------------------------
class ProgressPrinter:
    """Prints a line per resource whose counters moved, every ``interval`` seconds, from a thread."""

    def __init__(self, stats: Any, echo: Echo, interval: float) -> None:
        self.stats = stats
        self.echo = echo
        self.interval = interval
        self._last: dict[str, tuple[int, int, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tieout-progress", daemon=True)

    def __enter__(self) -> ProgressPrinter:
        if self.interval > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def flush(self) -> None:
        snap = self.stats.snapshot()
        for name, res in snap["resources"].items():
            now = (res["rows"], res["pages"], res["calls"])
            if self._last.get(name) == now:
                continue
            self._last[name] = now
            extra = f", {res['quarantined']} quarantined" if res["quarantined"] else ""
            self.echo(
                f"  {snap['source']} {name}: {res['rows']:,} rows read, {res['pages']:,} pages, "
                f"{res['calls']:,} calls{extra}"
            )


# -- one source -------------------------------------------------------------------------------------
def _build_source(name: str, stats: Any, tables: Sequence[str] | None) -> Any:
    # arguments passed explicitly win over configuration, so pass ``tables`` only when given
    extra = {"tables": list(tables)} if tables else {}
    if name == "xero":
        from dlt_pipelines.xero import xero_source

        return xero_source(stats=stats, **extra)
    from dlt_pipelines.kashflow import kashflow_source

    return kashflow_source(stats=stats, **extra)


def _root_cause(exc: BaseException) -> BaseException:
    """The error behind dlt's wrappers (PipelineStepFailed, resource errors): the one that says what to do."""
    from dlt.common.exceptions import DltException

    seen = set()
    while isinstance(exc, DltException) and id(exc) not in seen:
        seen.add(id(exc))
        inner = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
        if not isinstance(inner, BaseException):
            break
        exc = inner
    return exc


def _row_counts(pipeline: Any) -> dict[str, int]:
    trace = pipeline.last_trace
    info = trace.last_normalize_info if trace is not None else None
    counts = dict(info.row_counts) if info is not None else {}
    return {table: int(n) for table, n in sorted(counts.items()) if not table.startswith("_dlt")}


def _finish_interrupted(pipeline: Any, name: str, echo: Echo, *, load_only: bool = False) -> dict[str, int]:
    """Deal with the packages a killed or crashed load left behind; returns rows loaded from them.

    A package none of whose files was being written is simply loaded. If a file was being written when
    the process died, loading it again could double rows in dlt's staging tables, so that package is
    aborted instead: the cursors go back to where it started and this run extracts that data again
    (merge keeps the tables exact).
    """
    half_written = any(
        pipeline.get_load_package_info(load_id).jobs.get("started_jobs")
        for load_id in pipeline.list_normalized_load_packages()
    )
    if half_written:
        echo(f"{name}: the last load stopped while writing; loading its data again from the saved cursors")
        pipeline.abort_packages()
        return {}
    echo(f"{name}: finishing the load that was interrupted last time")
    if load_only:  # packages still to normalize are left to the source's own run (its own settings)
        pipeline.load()
    else:
        pipeline.run()
    return _row_counts(pipeline)


def load_api_source(
    name: str,
    *,
    warehouse: Path,
    full_refresh: bool = False,
    tables: Sequence[str] | None = None,
    echo: Echo = print,
    progress_interval: float = 2.0,
) -> SourceResult:
    """Load one ledger API (``xero`` or ``kashflow``) and return its summary."""
    from dlt.pipeline.exceptions import PipelineStepFailed

    from dlt_pipelines.common.stats import LoadStats

    stats = LoadStats(name)
    started_at = datetime.now(UTC)
    t0 = time.monotonic()
    pipeline = make_pipeline(name, warehouse)
    _forget_stale_state(pipeline, warehouse)
    pipeline = make_pipeline(name, warehouse)
    pending_rows: dict[str, int] = {}
    deleted_marked = 0
    status, message = "ok", ""
    try:
        if pipeline.has_pending_data:
            pending_rows = _finish_interrupted(pipeline, name, echo)
        echo(f"{name}: loading into {pipeline.dataset_name}" + (" (full refresh)" if full_refresh else ""))
        with ProgressPrinter(stats, echo, progress_interval):
            source = _build_source(name, stats, tables)
            info = pipeline.run(
                source,
                refresh="drop_sources" if full_refresh else None,
                loader_file_format=LOADER_FILE_FORMAT,
            )
        if stats.stopped is not None:
            status, message = "stopped", stats.stopped.reason
        if name == "kashflow":
            from dlt_pipelines.kashflow.helpers import mark_deleted

            deleted_marked = mark_deleted(pipeline, info.loads_ids[-1] if info.loads_ids else None)
    except PipelineStepFailed as exc:
        cause = _root_cause(exc)
        status, message = "failed", f"{type(cause).__name__}: {cause}"
    except Exception as exc:  # config and sign-in errors raised while building the source
        cause = _root_cause(exc)
        status, message = "failed", f"{type(cause).__name__}: {cause}"
    rows = _row_counts(pipeline) if status != "failed" else {}
    for table, count in pending_rows.items():
        rows[table] = rows.get(table, 0) + count
    snap = stats.snapshot()
    summary = {
        "source": name,
        "dataset": pipeline.dataset_name,
        "status": status,
        "message": message,
        "full_refresh": full_refresh,
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration_seconds": round(time.monotonic() - t0, 3),
        "rows": rows,
        "rows_total": sum(n for t, n in rows.items() if t != "_quarantine"),
        "api_calls": snap["api_calls"],
        "auth_calls": snap["auth_calls"],
        "http_429": snap["http_429"],
        "retries": snap["retries"],
        "quarantined": snap["quarantined"],
        "deleted_marked": deleted_marked,
        "stopped": snap["stopped"],
        "resources": snap["resources"],
    }
    return SourceResult(name, status, summary, message)


def load_sage100_source(*, warehouse: Path, full_refresh: bool, echo: Echo) -> SourceResult:
    """Run the Sage 100 loader (``dlt_pipelines.sage100``) and wrap its summary like the others."""
    t0 = time.monotonic()
    started_at = datetime.now(UTC)
    summary: dict[str, Any] = {}
    status, message = "ok", ""
    echo("sage100: loading into raw_sage100" + (" (full refresh)" if full_refresh else ""))
    try:
        import dlt

        from dlt_pipelines.common.destination import warehouse_destination
        from dlt_pipelines.sage100.load import load_sage100
        from dlt_pipelines.sage100.settings import DATASET_NAME, PIPELINE_NAME

        def sage_pipeline() -> Any:
            return dlt.pipeline(
                pipeline_name=PIPELINE_NAME,
                destination=warehouse_destination(warehouse),
                dataset_name=DATASET_NAME,
                pipelines_dir=str(pipelines_dir(warehouse)),
            )

        _forget_stale_state(sage_pipeline(), warehouse)
        pipeline = sage_pipeline()
        if pipeline.list_normalized_load_packages():
            _finish_interrupted(pipeline, "sage100", echo, load_only=True)
        summary = dict(
            load_sage100(
                warehouse=warehouse, full_refresh=full_refresh, pipelines_dir=pipelines_dir(warehouse)
            )
        )
    except Exception as exc:
        cause = _root_cause(exc)
        status, message = "failed", f"{type(cause).__name__}: {cause}"
    tables = summary.get("tables") or {}
    rows = {name: int(t.get("rows", 0)) for name, t in sorted(tables.items()) if t.get("rows")}
    summary.update(
        {
            "source": "sage100",
            "dataset": summary.get("dataset", "raw_sage100"),
            "status": status,
            "message": message,
            "full_refresh": full_refresh,
            "started_at": started_at.isoformat(timespec="seconds"),
            "duration_seconds": round(time.monotonic() - t0, 3),
            "rows": rows,
            "rows_total": sum(rows.values()),
            "quarantined": int(summary.get("quarantined", 0) or 0),
        }
    )
    return SourceResult("sage100", status, summary, message)


# -- recording and printing ----------------------------------------------------------------------------
def record_run(warehouse: Path, report: LoadReport) -> None:
    """Append each source's summary to ``raw_meta.load_runs`` and write the JSON summary file."""
    import duckdb

    from dlt_pipelines.common.destination import uses_duckdb

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    if not uses_duckdb():
        _record_run_with_dlt(warehouse, report)
    else:
        _record_run_in_duckdb(duckdb.connect(str(warehouse)), report)
    payload = {"run_id": report.run_id, "sources": [r.summary for r in report.results]}
    target = summary_file(warehouse)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=str))
    os.replace(tmp, target)


def _run_rows(report: LoadReport) -> list[dict[str, Any]]:
    return [
        {
            "run_id": report.run_id,
            "source": result.source,
            "status": result.status,
            "started_at": result.summary.get("started_at"),
            "duration_seconds": result.summary.get("duration_seconds"),
            "rows_total": result.summary.get("rows_total"),
            "api_calls": result.summary.get("api_calls"),
            "http_429": result.summary.get("http_429"),
            "retries": result.summary.get("retries"),
            "quarantined": result.summary.get("quarantined"),
            "message": result.message,
            "summary": json.dumps(result.summary, default=str),
        }
        for result in report.results
    ]


def _record_run_with_dlt(warehouse: Path, report: LoadReport) -> None:
    """``raw_meta.load_runs`` on a configured (non-DuckDB) destination, appended by a dlt pipeline."""
    import dlt

    from dlt_pipelines.common.destination import warehouse_destination

    pipeline = dlt.pipeline(
        pipeline_name="raw_meta",
        destination=warehouse_destination(warehouse),
        dataset_name="raw_meta",
        pipelines_dir=str(pipelines_dir(warehouse)),
    )
    pipeline.run(
        _run_rows(report),
        table_name="load_runs",
        write_disposition="append",
        columns={"started_at": {"data_type": "timestamp"}, "summary": {"data_type": "json"}},
    )


def _record_run_in_duckdb(connection: Any, report: LoadReport) -> None:
    with connection as con:
        con.execute("create schema if not exists raw_meta")
        con.execute(
            """create table if not exists raw_meta.load_runs (
                run_id varchar, source varchar, status varchar, started_at timestamptz,
                duration_seconds double, rows_total bigint, api_calls bigint, http_429 bigint,
                retries bigint, quarantined bigint, message varchar, summary json)"""
        )
        for result in report.results:
            s = result.summary
            con.execute(
                "insert into raw_meta.load_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    report.run_id,
                    result.source,
                    result.status,
                    s.get("started_at"),
                    s.get("duration_seconds"),
                    s.get("rows_total"),
                    s.get("api_calls"),
                    s.get("http_429"),
                    s.get("retries"),
                    s.get("quarantined"),
                    result.message,
                    json.dumps(s, default=str),
                ],
            )


def format_summary(report: LoadReport) -> list[str]:
    """The end-of-load summary as lines of text."""
    lines = ["", "Load summary"]
    for result in report.results:
        s = result.summary
        took = s.get("duration_seconds", 0)
        lines.append(f"  {result.source} ({s.get('dataset', '')}): {result.status}, {took:.1f}s")
        for table, count in (s.get("rows") or {}).items():
            lines.append(f"    {table:<40} {count:>12,} rows")
        if result.source in LEDGERS:
            lines.append(
                f"    API calls {s.get('api_calls', 0):,} (+{s.get('auth_calls', 0)} auth) · "
                f"429s met {s.get('http_429', 0)} · retries {s.get('retries', 0)} · "
                f"quarantined {s.get('quarantined', 0)}"
                + (f" · marked deleted {s['deleted_marked']}" if s.get("deleted_marked") else "")
            )
        if result.message:
            lines.append(f"    {result.message}")
    return lines


def run_load(
    source: str = "all",
    full_refresh: bool = False,
    *,
    warehouse: Path | None = None,
    tables: Mapping[str, Iterable[str]] | None = None,
    echo: Echo = print,
    progress_interval: float = 2.0,
) -> LoadReport:
    """Load the requested sources one after another; never raises for a source's failure."""
    _prepare_dlt_environment()
    warehouse = Path(warehouse) if warehouse else warehouse_path()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    report = LoadReport(run_id=f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}")
    for name in resolve_sources(source):
        if name == "sage100":
            result = load_sage100_source(warehouse=warehouse, full_refresh=full_refresh, echo=echo)
        else:
            wanted = list(tables[name]) if tables and name in tables else None
            result = load_api_source(
                name,
                warehouse=warehouse,
                full_refresh=full_refresh,
                tables=wanted,
                echo=echo,
                progress_interval=progress_interval,
            )
        report.results.append(result)
        if result.status == "stopped":
            echo(f"{name}: stopped early: {result.message}")
        elif result.status == "failed":
            echo(f"{name}: failed: {result.message}")
    record_run(warehouse, report)
    for line in format_summary(report):
        echo(line)
    return report


def load(
    source: str = "all",
    full_refresh: bool = False,
    *,
    warehouse: Path | None = None,
    echo: Echo = print,
) -> LoadReport:
    """``run_load`` for other steps (``tieout run``): raises ``LoadError`` if a source failed."""
    report = run_load(source, full_refresh, warehouse=warehouse, echo=echo)
    failed = [r for r in report.results if r.status == "failed"]
    if failed:
        raise LoadError("; ".join(f"{r.source} failed: {r.message}" for r in failed))
    return report

"""``tieout bench``: measure load, build, reconciliation and app speed on generated scenarios.

Every measured step runs as its own child process (``tieout load``, ``dbt build``, the reference scripts
of ``bench/``); its wall time comes from the parent's clock and its peak memory from the child's rusage
(``os.wait4``: ``ru_maxrss``, the largest resident set of the child and the descendants it waited for).
Short steps run several times and report the median. Scenarios are generated once and cached under
``<cache>/scenarios/<ledger>-<size>-seed<N>``; warehouses and logs go to ``<cache>/work/``.

Results are merged into ``bench/results.json`` (machine, date, every figure with its unit and target)
and rendered to ``bench/results.md`` and the README's Benchmarks section.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from tieout.build import dbt_threads
from tieout.settings import PROJECT_ROOT

Echo = Callable[[str], None]

BENCH_DIR = PROJECT_ROOT / "bench"
DEFAULT_CACHE = BENCH_DIR / "cache"  # git-ignored
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
STEPS = ("load", "limits", "build", "recon", "app", "incremental")
DEFAULT_STEPS = ("load", "limits", "build", "recon", "app", "incremental")
RECON_SELECTION = ("path:models/intermediate/recon", "path:models/marts/recon", "path:models/marts/journals")
APP_PAGES = ("overview", "exceptions")
CHANGE_FRACTION = 0.01
UNLIMITED_CLIENT = {"SOURCES__XERO__CALLS_PER_MINUTE": "1000000"}  # the loader's own limiter, lifted
BUILD_TARGET_SECONDS = {"large": 120.0}
MEMORY_TARGET_MB = 4096.0
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


class BenchError(RuntimeError):
    """A benchmark step could not run; the message says which and where its log is."""


# -- child processes ---------------------------------------------------------------------------------
@dataclass
class ChildRun:
    """One child process: wall seconds, peak resident memory (MB), exit code and its log file."""

    seconds: float
    max_rss_mb: float
    returncode: int
    log: Path
    load_during: float | None = None  # mean 1-minute load average sampled while it ran


def run_child(cmd: Sequence[str], *, env: dict[str, str], log: Path, check: bool = True) -> ChildRun:
    """Run ``cmd`` to completion with stdout+stderr to ``log``; measure wall time and peak RSS."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), env=env, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT)
        samples = [os.getloadavg()[0]]
        try:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                time.sleep(0.05 if time.perf_counter() - started < 2 else 1.0)
                samples.append(os.getloadavg()[0])
        except BaseException:  # interrupted: never leave the child running
            proc.kill()
            proc.wait()
            raise
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    load = round(statistics.fmean(samples), 2)
    run = ChildRun(round(seconds, 3), round(usage.ru_maxrss / 1024, 1), proc.returncode, log, load)
    if check and run.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise BenchError(
            f"{' '.join(map(str, cmd[:4]))} ... failed (exit {run.returncode}); log {log}:\n{tail}"
        )
    return run


def last_json_line(log: Path) -> dict[str, Any]:
    """The last line of ``log`` that is a JSON object (how the bench/ scripts report their figures)."""
    for line in reversed(log.read_text(errors="replace").splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            return json.loads(line)  # type: ignore[no-any-return]
    raise BenchError(f"no JSON result line in {log}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tieout_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "tieout.cli", *args]


def dbt_cmd(*args: str, target_path: Path) -> list[str]:
    """``dbt`` of this virtualenv on the project, with its own target and log folders."""
    dbt = Path(sys.executable).with_name("dbt")
    return [
        str(dbt),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path / "logs"),
    ]


def median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 3)


# -- the machine -------------------------------------------------------------------------------------
def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _ram_gb() -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """CPU model, cores, RAM, OS and the versions that matter for the figures."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": _ram_gb(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "duckdb": _version("duckdb"),
        "dbt_core": _version("dbt-core"),
        "dbt_duckdb": _version("dbt-duckdb"),
        "dlt": _version("dlt"),
        "pandas": _version("pandas"),
        "streamlit": _version("streamlit"),
    }


def code_version() -> str:
    """The git commit measured, with ``+dirty`` when the working tree differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "dbt_project", "dlt_pipelines"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return head + ("+dirty" if dirty else "")


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# -- figures -------------------------------------------------------------------------------------------
@dataclass
class Figure:
    """One measured number with its unit, its target (if the issue sets one) and how it was taken."""

    size: str
    ledger: str
    step: str
    metric: str
    value: float | int | None
    unit: str
    target: str | None = None
    met: bool | None = None
    runs: list[float] = field(default_factory=list)
    load_avg: list[float] = field(default_factory=list)
    note: str = ""
    measured_at: str = ""
    commit: str = ""
    load_during: float | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.size, self.ledger, self.step, self.metric)


def merge_results(path: Path, figures: Sequence[Figure], machine: dict[str, Any]) -> dict[str, Any]:
    """Add ``figures`` to the results file at ``path`` (a figure replaces the older one of its key)."""
    old: dict[str, Any] = {}
    if path.exists():
        with contextlib.suppress(ValueError):
            old = json.loads(path.read_text())
    by_key: dict[tuple[str, ...], dict[str, Any]] = {}
    for item in old.get("figures", []):
        by_key[(item["size"], item["ledger"], item["step"], item["metric"])] = item
    for fig in figures:
        by_key[fig.key] = asdict(fig)
    order = {name: i for i, name in enumerate(("small", "medium", "large"))}
    steps = {name: i for i, name in enumerate(STEPS)}
    items = sorted(
        by_key.values(),
        key=lambda f: (order.get(f["size"], 9), f["ledger"], steps.get(f["step"], 9), f["metric"]),
    )
    data = {
        "machine": machine,
        "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "figures": items,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)
    return data


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:,.1f}"
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_markdown(data: dict[str, Any]) -> str:
    """The results as a markdown table, with the machine they were measured on."""
    m = data.get("machine", {})
    lines = [
        f"Machine: {m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('ram_gb', '?')} GB RAM, "
        f"{m.get('os', '?')}; Python {m.get('python', '?')}, DuckDB {m.get('duckdb', '?')}, "
        f"dbt-core {m.get('dbt_core', '?')} / dbt-duckdb {m.get('dbt_duckdb', '?')}, "
        f"dlt {m.get('dlt', '?')}. "
        f"Updated {data.get('updated_at', '?')}.",
        "",
        "| size | ledger | step | measure | value | unit | target | met | runs | load during | load before |",
        "|---|---|---|---|---:|---|---|---|---|---:|---|",
    ]
    for f in data.get("figures", []):
        met = {True: "yes", False: "**no**", None: ""}[f.get("met")]
        runs = ", ".join(_fmt(r) for r in f.get("runs") or [])
        load = " / ".join(_fmt(x) for x in f.get("load_avg") or [])
        lines.append(
            f"| {f['size']} | {f['ledger']} | {f['step']} | {f['metric']} | {_fmt(f['value'])} | "
            f"{f['unit']} | "
            f"{f.get('target') or ''} | {met} | {runs} | {_fmt(f.get('load_during'))} | {load} |"
        )
    notes = [f for f in data.get("figures", []) if f.get("note")]
    if notes:
        lines += ["", "Notes:"]
        lines += [f"- {f['size']} {f['ledger']} {f['step']} {f['metric']}: {f['note']}" for f in notes]
    return "\n".join(lines) + "\n"


def update_readme(readme: Path, table: str) -> bool:
    """Replace the table between the bench markers of ``readme``; False when the markers are missing."""
    if not readme.exists():
        return False
    text = readme.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return False
    new = text[: start + len(README_START)] + "\n" + table + text[end:]
    if new != text:
        readme.write_text(new)
    return True


def write_outputs(out_dir: Path, figures: Sequence[Figure], readme: Path | None) -> dict[str, Any]:
    """Merge into ``results.json``, render ``results.md`` and the README section."""
    data = merge_results(out_dir / "results.json", figures, machine_info())
    table = render_markdown(data)
    (out_dir / "results.md").write_text("# Benchmark results\n\n" + table)
    if readme is not None:
        update_readme(readme, table)
    return data


# -- scenarios and sandbox servers ---------------------------------------------------------------
def scenario_dir(cache: Path, ledger: str, size: str, seed: int) -> Path:
    return cache / "scenarios" / f"{ledger}-{size}-seed{seed}"


def ensure_scenario(
    cache: Path, ledger: str, size: str, seed: int, env: dict[str, str], echo: Echo, log_dir: Path
) -> Path:
    """The cached scenario (in ``cache``, else in bench/cache), generated into bench/cache (a temp folder,
    then renamed) when it is in neither: a shared ``--cache`` is only read."""
    for root in (cache, DEFAULT_CACHE):
        if (scenario_dir(root, ledger, size, seed) / "manifest.json").exists():
            return scenario_dir(root, ledger, size, seed)
    target = scenario_dir(DEFAULT_CACHE, ledger, size, seed)
    tmp = target.with_name(target.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    echo(f"== generating the {size} {ledger} scenario (seed {seed}) in {target}")
    log = log_dir / f"generate-{target.name}.log"
    args = ["sandbox", "generate", "--out", str(tmp), "--ledger", ledger, "--seed", str(seed), "--size", size]
    run_child(tieout_cmd(*args), env=env, log=log)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(target)
    return target


class SandboxServer:
    """``tieout sandbox serve`` of a scenario as a child process on free ports, stopped on exit."""

    def __init__(self, scenario: Path, limits: str, log: Path, env: dict[str, str]) -> None:
        self.scenario = scenario
        self.limits = limits
        self.log = log
        self.env = env
        self.xero_port = free_port()
        self.kashflow_port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> SandboxServer:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        cmd = tieout_cmd(
            "sandbox",
            "serve",
            "--scenario",
            str(self.scenario),
            "--xero-port",
            str(self.xero_port),
            "--kashflow-port",
            str(self.kashflow_port),
            "--limits",
            self.limits,
        )
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                cmd, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT
            )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 1800.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/sandbox/health"
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise BenchError(f"the sandbox server stopped (exit {self.proc.returncode}); see {self.log}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=2.0).status_code == 200:
                    return
            time.sleep(0.5)
        raise BenchError(f"the sandbox server did not answer within {timeout:.0f}s; see {self.log}")

    @property
    def ledger(self) -> str:
        return json.loads((self.scenario / "manifest.json").read_text())["ledger"]  # type: ignore[no-any-return]

    @property
    def port(self) -> int:
        return self.xero_port if self.ledger == "xero" else self.kashflow_port

    def source_env(self) -> dict[str, str]:
        """dlt configuration pointing the loaders at this server."""
        x = f"http://127.0.0.1:{self.xero_port}"
        return {
            "SOURCES__LEDGER": self.ledger,
            "SOURCES__XERO__API_URL": f"{x}/api.xro/2.0",
            "SOURCES__XERO__TOKEN_URL": f"{x}/connect/token",
            "SOURCES__XERO__CONNECTIONS_URL": f"{x}/connections",
            "SOURCES__KASHFLOW__BASE_URL": f"http://127.0.0.1:{self.kashflow_port}/v2",
        }

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# -- API efficiency: the fewest calls paging allows ------------------------------------------------
def _count_records(path: Path) -> int:
    from sandbox.xero.jsonstream import iter_records

    return sum(1 for _ in iter_records(path))


def xero_minimum_calls(scenario: Path) -> dict[str, int]:
    """Data calls the Xero loader cannot do without, per table: ``ceil(rows / pageSize)`` (at least one)
    for paged collections, ``rows // 100 + 1`` for Journals (offset paging ends on a short answer) and one
    per unpaged collection. Sign-in calls (token, connections) are counted apart."""
    from dlt_pipelines.xero.client import JOURNALS_PER_CALL, PAGE_SIZE
    from dlt_pipelines.xero.settings import ENDPOINTS

    out: dict[str, int] = {}
    for table, endpoint in ENDPOINTS.items():
        path = scenario / "xero" / f"{endpoint.path}.json"
        rows = _count_records(path) if path.exists() else 0
        if endpoint.paging == "page":
            out[table] = max(1, math.ceil(rows / PAGE_SIZE))
        elif endpoint.paging == "offset":
            out[table] = rows // JOURNALS_PER_CALL + 1
        else:
            out[table] = 1
    return out


# -- the benchmark -------------------------------------------------------------------------------------
@dataclass
class BenchOptions:
    """What ``tieout bench`` was asked for."""

    size: str = "medium"
    ledgers: tuple[str, ...] = ("xero",)
    seed: int = 1
    cache: Path = DEFAULT_CACHE
    work: Path = DEFAULT_CACHE / "work"
    steps: tuple[str, ...] = DEFAULT_STEPS
    runs: int = 3
    build_runs: int = 1
    out_dir: Path = BENCH_DIR
    readme: Path | None = PROJECT_ROOT / "README.md"
    limits_size: str = "small"


class Bench:
    """Runs the steps for one ledger and size, collecting :class:`Figure` objects."""

    def __init__(self, options: BenchOptions, ledger: str, echo: Echo) -> None:
        self.o = options
        self.ledger = ledger
        self.echo = echo
        self.figures: list[Figure] = []
        self.work = options.work / f"{ledger}-{options.size}-seed{options.seed}"
        self.logs = self.work / "logs"
        self.raw = self.work / "raw.duckdb"
        self.built = self.work / "built.duckdb"
        self.env = self._base_env()
        self.step_loads: list[float] = []

    def _base_env(self) -> dict[str, str]:
        env = dict(os.environ)
        for key in list(env):  # never inherit another warehouse, pipeline folder or source address
            if key.startswith(("SOURCES__", "TIEOUT_")):
                env.pop(key)
        env.update(
            {
                "RUNTIME__DLTHUB_TELEMETRY": "false",
                "DO_NOT_TRACK": "1",
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                "SOURCES__XERO__TOKEN_STORE_PATH": str(self.work / "xero_tokens.json"),
                "PYTHONPATH": str(PROJECT_ROOT),
            }
        )
        return env

    def child(self, cmd: Sequence[str], *, env: dict[str, str], log: Path, check: bool = True) -> ChildRun:
        """:func:`run_child`, remembering the machine's load while it ran for the step's figures."""
        run = run_child(cmd, env=env, log=log, check=check)
        if run.load_during is not None:
            self.step_loads.append(run.load_during)
        return run

    def add(self, step: str, metric: str, value: float | int | None, unit: str, **kw: Any) -> Figure:
        fig = Figure(
            kw.pop("size", None) or self.o.size,
            self.ledger,
            step,
            metric,
            value,
            unit,
            load_avg=kw.pop("load_avg", None) or load_average(),
            measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
            commit=code_version(),
            load_during=round(statistics.fmean(self.step_loads), 2) if self.step_loads else None,
            **kw,
        )
        self.figures.append(fig)
        shown = f"{_fmt(value)} {unit}" + (f" (target {fig.target})" if fig.target else "")
        self.echo(f"   {step} {metric}: {shown}")
        return fig

    # -- scenario, Sage 100 company, load -----------------------------------------------------------
    def scenario(self, size: str | None = None) -> Path:
        return ensure_scenario(
            self.o.cache, self.ledger, size or self.o.size, self.o.seed, self.env, self.echo, self.logs
        )

    def sage100_env(self, scenario: Path, db: Path) -> dict[str, str]:
        if not db.exists():
            log = self.logs / f"sage100-{db.stem}.log"
            self.child(
                tieout_cmd("sandbox", "sage100", "--scenario", str(scenario), "--db", str(db)),
                env=self.env,
                log=log,
            )
        from sandbox.sage100 import build as sage100

        return {"SOURCES__SAGE100__CONNECTION_STRING": sage100.connection_string(db)}

    def load(
        self, source: str, warehouse: Path, env: dict[str, str], tag: str
    ) -> tuple[ChildRun, dict[str, Any]]:
        """``tieout load --source <source>`` into ``warehouse``; returns the run and the loader's summary."""
        env = {**env, "TIEOUT_WAREHOUSE": str(warehouse)}
        run = self.child(
            tieout_cmd("load", "--source", source), env=env, log=self.logs / f"load-{source}-{tag}.log"
        )
        summary_path = warehouse.parent / f"{warehouse.stem}.last_load.json"
        sources = json.loads(summary_path.read_text())["sources"]
        return run, next(s for s in sources if s["source"] == source)

    def step_load(self) -> None:
        """Load the ledger (limits off) and Sage 100 into a fresh raw warehouse; rows/s per source."""
        scenario = self.scenario()
        self.echo(f"== load: {self.ledger} {self.o.size} (limits off) and Sage 100 into {self.raw}")
        for path in self.work.glob("raw.*"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        sage = self.sage100_env(scenario, self.work / "sage100.db")
        with SandboxServer(scenario, "off", self.logs / "serve-load.log", self.env) as server:
            # lifted limits on both sides: the client's own 60 calls/minute limiter is for real Xero
            env = {**self.env, **server.source_env(), **sage, **UNLIMITED_CLIENT}
            for source in (self.ledger, "sage100"):
                before = load_average()
                run, summary = self.load(source, self.raw, env, "full")
                if summary["status"] != "ok":
                    raise BenchError(f"the {source} load ended {summary['status']}: {summary.get('message')}")
                rows, loader_s = int(summary["rows_total"]), float(summary["duration_seconds"])
                extra = ""
                if source != "sage100":
                    extra = f", {summary.get('api_calls', 0):,} API calls, {summary.get('http_429', 0)} 429s"
                self.add(
                    "load",
                    f"{source} throughput",
                    round(rows / loader_s, 1) if loader_s else None,
                    "rows/s",
                    load_avg=before,
                    note=f"{rows:,} rows in {loader_s:.1f}s (process {run.seconds:.1f}s, "
                    f"peak {run.max_rss_mb:,.0f} MB){extra}",
                )
                self.add("load", f"{source} peak memory", run.max_rss_mb, "MB", load_avg=before)

    def ensure_raw(self) -> None:
        if not self.raw.exists():
            self.step_load()

    # -- API efficiency under real limits ------------------------------------------------------------
    def step_limits(self) -> None:
        """Load the small scenario against the sandbox with Xero's real limits: calls vs the minimum."""
        if self.ledger != "xero":
            self.echo(f"== limits: skipped for {self.ledger} (only the Xero sandbox enforces rate limits)")
            return
        scenario = ensure_scenario(
            self.o.cache, self.ledger, self.o.limits_size, self.o.seed, self.env, self.echo, self.logs
        )
        warehouse = self.work / "limits" / "limits.duckdb"
        if warehouse.parent.exists():
            shutil.rmtree(warehouse.parent)
        warehouse.parent.mkdir(parents=True)
        self.echo(f"== limits: {self.o.limits_size} {self.ledger} scenario under real limits")
        minimum = xero_minimum_calls(scenario)
        with SandboxServer(scenario, "real", self.logs / "serve-limits.log", self.env) as server:
            env = {**self.env, **server.source_env()}
            before = load_average()
            run, summary = self.load("xero", warehouse, env, "limits")
        calls, auth, met429 = int(summary["api_calls"]), int(summary["auth_calls"]), int(summary["http_429"])
        need = sum(minimum.values())
        size_note = f"{self.o.limits_size} scenario, {summary['rows_total']:,} rows in {run.seconds:.1f}s"
        self.add(
            "limits",
            "API calls (real limits)",
            calls,
            "calls",
            target=f"<= {need} (minimum paging allows) + auth",
            met=calls <= need,
            load_avg=before,
            size=self.o.limits_size,
            note=f"{size_note}; minimum per table: " + ", ".join(f"{k} {v}" for k, v in minimum.items()),
        )
        self.add("limits", "auth calls", auth, "calls", load_avg=before, size=self.o.limits_size)
        self.add(
            "limits",
            "429s met",
            met429,
            "responses",
            target="0",
            met=met429 == 0,
            load_avg=before,
            size=self.o.limits_size,
        )

    # -- dbt -------------------------------------------------------------------------------------------
    def dbt(self, args: Sequence[str], warehouse: Path, tag: str) -> tuple[ChildRun, dict[str, Any]]:
        target = self.work / "dbt-target"
        # as many models at once as `tieout build` would build on this warehouse
        env = {
            **self.env,
            "TIEOUT_WAREHOUSE": str(warehouse),
            "TIEOUT_DBT_THREADS": str(dbt_threads(warehouse)),
        }
        log = self.logs / f"dbt-{tag}.log"
        (target / "run_results.json").unlink(missing_ok=True)
        # a failing data test exits 1 but the build ran: it is timed, and the failures are named in the note
        run = self.child(dbt_cmd(*args, target_path=target), env=env, log=log, check=False)
        if not (target / "run_results.json").exists():
            raise BenchError(f"dbt {' '.join(args)} did not run (exit {run.returncode}); see {log}")
        results = json.loads((target / "run_results.json").read_text())
        shutil.copy(target / "run_results.json", self.work / f"run_results-{tag}.json")
        return run, results

    def step_build(self) -> None:
        """Full ``dbt build`` from raw: time (median of ``build_runs``) and peak memory."""
        self.ensure_raw()
        self.echo(f"== build: dbt build --full-refresh on {self.ledger} {self.o.size}")
        runs: list[ChildRun] = []
        loads: list[float] = []
        results: dict[str, Any] = {}
        for i in range(max(1, self.o.build_runs)):
            shutil.copy(self.raw, self.built)
            loads = loads or load_average()
            run, results = self.dbt(["build", "--full-refresh"], self.built, f"full-{i + 1}")
            runs.append(run)
            failed = [r for r in results["results"] if r["status"] in ("error", "fail")]
            if failed:
                self.echo(f"   warning: {len(failed)} nodes failed, e.g. {failed[0]['unique_id']}")
        seconds = median([r.seconds for r in runs])
        peak = max(r.max_rss_mb for r in runs)
        target = BUILD_TARGET_SECONDS.get(self.o.size)
        self.add(
            "build",
            "full build time",
            seconds,
            "s",
            target=f"~{target:.0f} s" if target else None,
            met=(seconds <= target * 1.25) if target else None,
            runs=[r.seconds for r in runs],
            load_avg=loads,
            note=top_nodes_note(results),
        )
        self.add(
            "build",
            "full build peak memory",
            peak,
            "MB",
            target=f"< {MEMORY_TARGET_MB:.0f} MB" if self.o.size == "large" else None,
            met=(peak < MEMORY_TARGET_MB) if self.o.size == "large" else None,
            runs=[r.max_rss_mb for r in runs],
            load_avg=loads,
        )
        self.full_build_seconds = seconds

    def ensure_built(self) -> None:
        if not self.built.exists():
            self.step_build()

    # -- reconciliation alone and its references ----------------------------------------------------
    def step_recon(self) -> None:
        self.ensure_built()
        self.echo(f"== recon: the recon + journals models alone, and the two references ({self.o.runs} runs)")
        loads = load_average()
        walls, elapsed = [], []
        for i in range(self.o.runs):
            run, results = self.dbt(["build", "--select", *RECON_SELECTION], self.built, f"recon-{i + 1}")
            walls.append(run.seconds)
            elapsed.append(round(float(results.get("elapsed_time", run.seconds)), 3))
        recon = median(elapsed)
        self.add(
            "recon",
            "recon + journals (dbt build)",
            recon,
            "s",
            runs=elapsed,
            load_avg=loads,
            note=f"dbt's execution time; the process with dbt's start-up took {median(walls):.1f}s",
        )
        refs: dict[str, list[dict[str, Any]]] = {"duckdb": [], "pandas": []}
        for i in range(self.o.runs):
            for name in refs:
                script = BENCH_DIR / f"reference_{name}.py"
                log = self.logs / f"reference-{name}-{i + 1}.log"
                self.child(
                    [sys.executable, str(script), "--warehouse", str(self.built)], env=self.env, log=log
                )
                refs[name].append(last_json_line(log))
        duck = median([r["seconds"] for r in refs["duckdb"]])
        self.add(
            "recon",
            "DuckDB lower bound (one hash join)",
            duck,
            "s",
            runs=[r["seconds"] for r in refs["duckdb"]],
            load_avg=loads,
            note=f"{refs['duckdb'][-1]['payments']:,} payments x {refs['duckdb'][-1]['items']:,} items, "
            f"{refs['duckdb'][-1]['matches']:,} matches",
        )
        pmatch = median([r["seconds"] for r in refs["pandas"]])
        pread = median([r["read_seconds"] for r in refs["pandas"]])
        self.add(
            "recon",
            "pandas reference (match)",
            pmatch,
            "s",
            runs=[r["seconds"] for r in refs["pandas"]],
            load_avg=loads,
            note=f"reading the inputs into pandas took {pread:.2f}s more; "
            f"{refs['pandas'][-1]['reference_matches']:,} reference + "
            f"{refs['pandas'][-1]['amount_matches']:,} amount/party/date matches",
        )
        self.add(
            "recon",
            "ratio recon / DuckDB lower bound",
            round(recon / duck, 1) if duck else None,
            "x",
            load_avg=loads,
        )
        self.add(
            "recon",
            "ratio recon / pandas",
            round(recon / (pmatch + pread), 2) if pmatch else None,
            "x",
            load_avg=loads,
            note="pandas time counted with its read of the inputs",
        )

    # -- app ---------------------------------------------------------------------------------------------
    def step_app(self) -> None:
        self.ensure_built()
        self.echo(f"== app: page latency ({', '.join(APP_PAGES)})")
        log = self.logs / "app-latency.log"
        loads = load_average()
        cmd = [
            sys.executable,
            str(BENCH_DIR / "app_latency.py"),
            "--warehouse",
            str(self.built),
            "--runs",
            str(self.o.runs),
            *[f"--page={p}" for p in APP_PAGES],
        ]
        self.child(cmd, env=self.env, log=log)
        result = last_json_line(log)
        for page, timing in result["pages"].items():
            self.add(
                "app",
                f"{page} page, first visit",
                timing["first"],
                "s",
                target="< 1 s",
                met=timing["first"] < 1.0,
                load_avg=loads,
                note=f"measured with {result['method']}",
            )
            self.add(
                "app",
                f"{page} page, again",
                timing["again"],
                "s",
                target="< 1 s",
                met=timing["again"] < 1.0,
                runs=timing.get("runs", []),
                load_avg=loads,
            )

    # -- incremental ---------------------------------------------------------------------------------
    def step_incremental(self) -> None:
        """Change 1% of the invoices through the Xero API, load incrementally, rebuild incrementally."""
        if self.ledger != "xero":
            self.echo("== incremental: skipped (the KashFlow sandbox has no write API to change documents)")
            return
        self.ensure_built()
        scenario = self.scenario()
        full = getattr(self, "full_build_seconds", None) or self._previous("build", "full build time")
        self.echo(f"== incremental: change {CHANGE_FRACTION:.0%} of the invoices, load, dbt build")
        sage = self.sage100_env(scenario, self.work / "sage100.db")
        with SandboxServer(scenario, "off", self.logs / "serve-incremental.log", self.env) as server:
            changed = change_xero_invoices(
                f"http://127.0.0.1:{server.xero_port}", invoice_ids(self.built, CHANGE_FRACTION)
            )
            # reload what the full load loaded (a Xero endpoint it left out, e.g. /Journals, would be a
            # first full read here, not the 1% change)
            tables = json.dumps(loaded_xero_tables(self.built))
            env = {**self.env, **server.source_env(), **sage, "SOURCES__XERO__TABLES": tables}
            loads = load_average()
            run_load, summary = self.load("xero", self.built, env, "incremental")
        self.add(
            "incremental",
            "load of the change",
            run_load.seconds,
            "s",
            load_avg=loads,
            note=f"{changed:,} invoices changed; {summary['rows_total']:,} rows loaded, "
            f"{summary.get('api_calls', 0)} API calls",
        )
        run, results = self.dbt(["build"], self.built, "incremental")
        target = (
            f"a small fraction of the full build ({full:.0f} s)"
            if full
            else "a small fraction of the full build"
        )
        self.add(
            "incremental",
            "incremental build time",
            run.seconds,
            "s",
            target=target,
            met=(run.seconds <= 0.25 * full) if full else None,
            load_avg=loads,
            note=top_nodes_note(results),
        )
        if full:
            self.add(
                "incremental",
                "incremental / full build",
                round(run.seconds / full, 3),
                "ratio",
                load_avg=loads,
            )

    def _previous(self, step: str, metric: str) -> float | None:
        path = self.o.out_dir / "results.json"
        if not path.exists():
            return None
        for f in json.loads(path.read_text()).get("figures", []):
            if (f["size"], f["ledger"], f["step"], f["metric"]) == (self.o.size, self.ledger, step, metric):
                return float(f["value"])
        return None


def loaded_xero_tables(warehouse: Path) -> list[str]:
    """The Xero endpoints whose tables the warehouse's ``raw_xero`` holds, in the loader's order."""
    import duckdb

    from dlt_pipelines.xero.settings import ENDPOINTS

    with duckdb.connect(str(warehouse), read_only=True) as con:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw_xero'"
            ).fetchall()
        }
    return [t for t in ENDPOINTS if t in present]


def invoice_ids(warehouse: Path, fraction: float) -> list[str]:
    """Every ``1/fraction``-th invoice id of the loaded warehouse (a deterministic spread of 1%) among the
    invoices Xero lets a person edit: a voided or deleted invoice stays as it is (the sandbox, like Xero,
    refuses to change it)."""
    import duckdb

    step = max(1, round(1 / fraction))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select invoice_id from (select invoice_id, row_number() over (order by invoice_id) as n "
            "from raw_xero.invoices where status not in ('VOIDED', 'DELETED')) where n % ? = 0 "
            "order by invoice_id",
            [step],
        ).fetchall()
    return [str(r[0]) for r in rows]


def change_xero_invoices(base_url: str, ids: Sequence[str], batch: int = 50) -> int:
    """Change the Reference of ``ids`` through the Xero sandbox API (a real edit: UpdatedDateUTC moves),
    signed in with the sandbox's default custom connection. Returns how many invoices changed.

    Each invoice gets its own reference, as a person's edits would (a purchase order number, one token):
    one reference written on every changed invoice would be a key held by thousands of documents."""
    import httpx

    with httpx.Client(base_url=base_url, timeout=60.0) as client:
        token = client.post(
            "/connect/token",
            data={"grant_type": "client_credentials"},
            auth=("tieout-sandbox", "sandbox-secret"),
        )
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        connections = client.get("/connections", headers=headers)
        connections.raise_for_status()
        headers["xero-tenant-id"] = connections.json()[0]["tenantId"]
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        changed = 0
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            body = {
                "Invoices": [
                    {"InvoiceID": i, "Reference": f"PO{stamp}{start + n:07d}"} for n, i in enumerate(chunk)
                ]
            }
            answer = client.post("/api.xro/2.0/Invoices", json=body, headers=headers)
            if answer.status_code != 200:
                raise BenchError(
                    f"the Xero sandbox refused the invoice change: {answer.status_code} {answer.text[:300]}"
                )
            changed += len(chunk)
    return changed


def top_nodes_note(results: dict[str, Any], n: int = 5) -> str:
    """The slowest dbt nodes of a run_results.json, as a short note."""
    nodes = sorted(results.get("results", []), key=lambda r: -float(r.get("execution_time") or 0))[:n]
    parts = [f"{r['unique_id'].split('.')[2]} {float(r['execution_time']):.1f}s" for r in nodes]
    elapsed = results.get("elapsed_time")
    head = f"dbt execution {float(elapsed):.1f}s; " if elapsed is not None else ""
    failed = [
        r["unique_id"].split(".")[2] for r in results.get("results", []) if r["status"] in ("error", "fail")
    ]
    tail = f"; FAILED: {', '.join(failed)}" if failed else ""
    return head + "slowest: " + ", ".join(parts) + tail


STEP_METHODS = {
    "load": Bench.step_load,
    "limits": Bench.step_limits,
    "build": Bench.step_build,
    "recon": Bench.step_recon,
    "app": Bench.step_app,
    "incremental": Bench.step_incremental,
}


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def run_bench(options: BenchOptions, echo: Echo = print) -> int:
    """Run the asked steps for every ledger; results are written after each step (a crash keeps them)."""
    unknown = set(options.steps) - set(STEPS)
    if unknown:
        raise BenchError(f"unknown step(s) {', '.join(sorted(unknown))}; choose from {', '.join(STEPS)}")
    code = 0
    signal.signal(signal.SIGTERM, _terminate)  # so children and sandbox servers are stopped too
    for ledger in options.ledgers:
        bench = Bench(options, ledger, echo)
        bench.work.mkdir(parents=True, exist_ok=True)
        for step in [s for s in STEPS if s in options.steps]:
            before = len(bench.figures)
            bench.step_loads = []
            try:
                STEP_METHODS[step](bench)
            except BenchError as exc:
                echo(f"error in step {step} ({ledger} {options.size}): {exc}")
                code = 1
            if len(bench.figures) > before:
                write_outputs(options.out_dir, bench.figures[before:], options.readme)
    echo(f"results: {options.out_dir / 'results.json'} and {options.out_dir / 'results.md'}")
    return code

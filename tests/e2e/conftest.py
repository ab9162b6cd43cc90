"""The browser test's world: a generated scenario served by the sandbox, a warehouse built from it by a
real refresh (load + build), and ``tieout app`` running on it as a subprocess on a free port."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "e2e"


@dataclass
class RunningApp:
    url: str
    warehouse: Path
    scenario: Path
    log: Path
    process: subprocess.Popen[bytes]


def _need_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make system-packages) to run it")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def sandbox_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(scenario, warehouse): a small Xero scenario and the warehouse its first refresh built."""
    _need_chromium()
    from app import refresh, sandbox_env
    from sandbox.generator import cli as gen_cli

    root = tmp_path_factory.mktemp("e2e")
    scenario = root / "scenario"
    gen_cli.run(out=scenario, ledger="xero", seed=11, size="small", invoices=400, rates=None)
    runtime = sandbox_env.start(scenario, fast=True)
    saved = {k: os.environ.get(k) for k in runtime.env}
    os.environ.update(runtime.env)
    warehouse = root / "warehouse" / "tieout.duckdb"
    try:
        status = refresh.refresh(warehouse, user="e2e setup", echo=lambda _line: None)
        assert warehouse.exists(), f"the first refresh built nothing: {status.message}"
    finally:
        runtime.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield scenario, warehouse


@pytest.fixture(scope="session")
def running_app(sandbox_warehouse: tuple[Path, Path]) -> Iterator[RunningApp]:
    """``tieout app --sandbox`` on the warehouse, on a free 127.0.0.1 port; stopped at the end."""
    scenario, warehouse = sandbox_warehouse
    port = free_port()
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # screenshots of this run only
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "app.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "TIEOUT_USERS"))}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tieout.cli",
                "app",
                "--warehouse",
                str(warehouse),
                "--port",
                str(port),
                "--sandbox",
                str(scenario),
            ],
            cwd=str(ROOT),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the app did not start; see {log}:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    try:
        yield RunningApp(url, warehouse, scenario, log, process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # tieout app and the streamlit server it started
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        _stop_refresh(warehouse)
        refresh_log = warehouse.with_name(f"{warehouse.stem}.refresh.log")
        if refresh_log.exists():
            shutil.copy(refresh_log, ARTIFACTS / "refresh.log")


def _stop_refresh(warehouse: Path) -> None:
    """Stop a refresh the app started and the test did not wait for (it runs in its own session)."""
    from app import refresh

    status = refresh.read_status(warehouse)
    if status and status.get("state") == "running" and status.get("pid"):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(int(status["pid"]), signal.SIGTERM)

"""The server handle, the sandbox clock and the ``tieout sandbox serve`` command."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from sandbox.serve import Clock, ServerHandle
from tests.test_kashflow_server_fixtures import sign_in
from tests.test_xero_server_fixtures import MINI_KASHFLOW, MINI_XERO

TIEOUT = Path(sys.executable).parent / "tieout"


def tiny_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    return app


def test_server_handle_binds_a_free_port_and_stops():
    with ServerHandle(tiny_app(), port=0) as handle:
        assert handle.port > 0 and handle.url == f"http://127.0.0.1:{handle.port}"
        assert httpx.get(f"{handle.url}/ping").json() == {"pong": "yes"}
        url = handle.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/ping", timeout=2)


def test_a_busy_port_is_reported_clearly():
    with ServerHandle(tiny_app()) as handle, pytest.raises(OSError, match="cannot listen on 127.0.0.1"):
        ServerHandle(tiny_app(), port=handle.port)


def test_clock_speed_advance_and_freeze():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    frozen = Clock(start=start, speed=0)
    assert frozen.now() == start
    frozen.advance(90)
    assert frozen.now() == datetime(2026, 1, 1, 0, 1, 30, tzinfo=UTC)
    assert frozen.now_ms() == int(start.timestamp() * 1000) + 90_000
    fast = Clock(start=start, speed=1000)
    time.sleep(0.05)
    assert 40 <= (fast.now() - start).total_seconds() < 1000
    assert fast.real_seconds(60) == pytest.approx(0.06)
    with pytest.raises(ValueError):
        frozen.advance(-1)


def _clean_env() -> dict[str, str]:
    """The environment a person's shell would give the command: not what earlier tests left in this one."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")
    return {**{k: os.environ[k] for k in keep if k in os.environ}, "PYTHONUNBUFFERED": "1"}


# Starts a command with SIGINT and SIGTERM ignored and blocked: both survive exec, as they would when a
# parent (a shell's background job, nohup, a test runner) left them so.
HOSTILE_SIGNALS = (
    "import os, signal, sys\n"
    "for s in (signal.SIGINT, signal.SIGTERM):\n"
    "    signal.signal(s, signal.SIG_IGN)\n"
    "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})\n"
    "os.execv(sys.argv[1], sys.argv[1:])\n"
)


def signal_bits(status: str) -> dict[str, int]:
    """The SIGINT and SIGTERM bits of the ignored and blocked sets in a ``/proc/<pid>/status`` text."""
    both = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))
    found = re.findall(r"^(SigIgn|SigBlk):\s+([0-9a-f]+)$", status, re.M)
    return {name: int(value, 16) & both for name, value in found}


def run_serve(*args: str, hostile: bool = False) -> tuple[subprocess.Popen[str], list[str]]:
    """Start ``tieout sandbox serve`` and read its banner up to "Press Ctrl-C" (``hostile``: with
    SIGINT and SIGTERM ignored and blocked in the state it inherits)."""
    prefix = [sys.executable, "-c", HOSTILE_SIGNALS] if hostile else []
    process = subprocess.Popen(
        [*prefix, str(TIEOUT), "sandbox", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_clean_env(),
    )
    lines: list[str] = []
    deadline = time.monotonic() + 30
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if line.startswith("Press Ctrl-C"):
            return process, lines
    process.kill()
    raise AssertionError(f"no banner: {lines} {process.stderr.read() if process.stderr else ''}")


def stop(process: subprocess.Popen[str], how: signal.Signals = signal.SIGINT) -> int:
    """Ctrl-C (or ``how``); the server must stop within 15 s (its stderr is shown if it does not)."""
    process.send_signal(how)
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate(timeout=15)
        raise AssertionError(
            f"the sandbox did not stop on {how.name} within 15 s; its stderr:\n{err[-3000:]}"
        ) from None


def test_cli_serves_a_xero_scenario_until_interrupted():
    process, lines = run_serve("--scenario", str(MINI_XERO), "--xero-port", "0", "--limits", "real")
    try:
        banner = "\n".join(lines)
        url = re.search(r"Xero sandbox\s+(http://127\.0\.0\.1:\d+)", banner).group(1)
        tenant = re.search(r"tenant id\s+(\S+)", banner).group(1)
        assert "client id       tieout-sandbox" in banner and "sandbox-secret" in banner
        token = httpx.post(
            f"{url}/connect/token",
            data={"grant_type": "client_credentials"},
            auth=("tieout-sandbox", "sandbox-secret"),
        ).json()["access_token"]
        answer = httpx.get(
            f"{url}/api.xro/2.0/Invoices",
            params={"page": 1},
            headers={"Authorization": f"Bearer {token}", "xero-tenant-id": tenant},
        )
        assert answer.status_code == 200 and answer.headers["X-MinLimit-Remaining"] == "59"
        assert answer.json()["pagination"]["itemCount"] == 30
    finally:
        assert stop(process) == 0


def test_cli_serves_a_kashflow_scenario_and_prints_the_sign_in():
    process, lines = run_serve("--scenario", str(MINI_KASHFLOW), "--kashflow-port", "0")
    try:
        banner = "\n".join(lines)
        url = re.search(r"KashFlow sandbox\s+(http://127\.0\.0\.1:\d+)", banner).group(1)
        word = re.search(r"memorable word\s+(\S+)", banner).group(1)
        with httpx.Client(base_url=url) as http:
            token = sign_in(http, word=word)
            assert http.get("/v2/customers", headers={"Authorization": f"KfToken {token}"}).status_code == 200
    finally:
        assert stop(process) == 0


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_and_sigterm_stop_it_whatever_signal_state_it_inherited(how: signal.Signals):
    """Started with SIGINT and SIGTERM ignored and blocked (what a parent can leave behind), the server
    still stops on each, cleanly: exit 0, "stopping" said, nothing on stderr."""
    both = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))
    shown = [sys.executable, "-c", "print(open('/proc/self/status').read())"]
    inherited = subprocess.run(
        [sys.executable, "-c", HOSTILE_SIGNALS, *shown],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert signal_bits(inherited) == {"SigIgn": both, "SigBlk": both}  # what the server starts with
    process, _ = run_serve("--scenario", str(MINI_KASHFLOW), "--kashflow-port", "0", hostile=True)
    assert signal_bits(Path(f"/proc/{process.pid}/status").read_text()) == {"SigIgn": 0, "SigBlk": 0}
    code = stop(process, how)
    out, err = process.communicate(timeout=5)
    assert code == 0, err
    assert out.strip().endswith("stopping") and err == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenario", "/nonexistent/scenario"], "does not exist"),
        (["--scenario", str(MINI_XERO), "--faults", "chaos=1"], "not understood"),
        (["--scenario", str(MINI_XERO), "--limits", "some"], "'real' or 'off'"),
        (["--scenario", str(MINI_XERO), "--webhook-url", "http://127.0.0.1:9/hook"], "go together"),
    ],
)
def test_cli_explains_bad_options(args, message):
    result = subprocess.run(
        [str(TIEOUT), "sandbox", "serve", *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert message in result.stderr

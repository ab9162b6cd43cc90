"""Bodies of ``tieout app`` and ``tieout refresh`` (declared in :mod:`tieout.cli`)."""

from __future__ import annotations

import getpass
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tieout.settings import PROJECT_ROOT, warehouse_path

Echo = Callable[[str], None]
APP_FILE = PROJECT_ROOT / "app" / "streamlit_app.py"


def demo_accounts() -> list[str]:
    """The demo accounts of ``app/users.toml`` with their (public) passwords."""
    from app.auth import DEMO_PASSWORDS, load_users
    from app.settings import DEFAULT_USERS_FILE

    config = load_users(DEFAULT_USERS_FILE)
    lines = ["Demo accounts (app/users.toml; for the sandbox only):"]
    for name, password in DEMO_PASSWORDS.items():
        account = config.accounts.get(name)
        role = account.role if account else "?"
        lines.append(f"  {name:<10} password {password:<16} role {role}")
    return lines


def hash_password(echo: Echo) -> int:
    from app.auth import hash_password as make_hash

    password = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != password:
        echo("error: the two passwords differ")
        return 2
    try:
        echo(make_hash(password))
    except ValueError as exc:
        echo(f"error: {exc}")
        return 2
    return 0


def run_app(
    *,
    warehouse: Path | None,
    host: str,
    port: int,
    sandbox: Path | None,
    users_file: Path | None,
    echo: Echo,
) -> int:
    """Start ``streamlit run app/streamlit_app.py`` on ``warehouse`` until Ctrl-C.

    With ``sandbox`` (a scenario directory) the ledger's sandbox API and the Sage 100 company run beside
    the app, so its refresh button and writeback work with no configuration; when there is no warehouse
    yet, a first refresh builds it before the app starts."""
    from app import refresh

    target = Path(warehouse) if warehouse else warehouse_path()
    env = {"TIEOUT_WAREHOUSE": str(target.resolve())}
    if users_file is not None:
        if not Path(users_file).is_file():
            echo(f"error: no users file at {users_file}")
            return 2
        env["TIEOUT_USERS_FILE"] = str(Path(users_file).resolve())
    runtime = None
    if sandbox is not None:
        from app import sandbox_env

        try:
            runtime = sandbox_env.start(Path(sandbox))
        except (sandbox_env.SandboxError, OSError) as exc:
            echo(f"error: {exc}")
            return 2
        env.update(runtime.env)
        for line in runtime.describe():
            echo(line)
    try:
        os.environ.update(env)
        if not target.exists():
            if runtime is None:
                echo(
                    f"note: there is no warehouse at {target} yet; use the Pipeline page's refresh (or "
                    "`tieout refresh`) once the sources are configured"
                )
            else:
                echo(f"building the warehouse {target} from the sandbox (first refresh) ...")
                status = refresh.refresh(target, user="tieout app", echo=echo)
                echo(f"first refresh {status.state}: {status.message}")
        if users_file is None:
            for line in demo_accounts():
                echo(line)
        echo(f"tieout app on http://{host}:{port}  (Ctrl-C stops it)")
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP_FILE),
            "--server.address",
            host,
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ]
        child = subprocess.Popen(command, cwd=str(PROJECT_ROOT), env={**os.environ, **env})
        signal.signal(signal.SIGTERM, _interrupt)  # a plain kill stops the server too
        try:
            return child.wait()
        except KeyboardInterrupt:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
            return 0
    finally:
        if runtime is not None:
            runtime.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_refresh(*, warehouse: Path | None, source: str, full_refresh: bool, echo: Echo) -> int:
    """``tieout refresh``: load + build into a copy of the warehouse, then swap it in (safe while the app
    is open); exit 1 if a step failed, 2 if another refresh is running."""
    from app import refresh

    target = Path(warehouse) if warehouse else warehouse_path()
    try:
        status = refresh.refresh(target, source=source, full_refresh=full_refresh, echo=echo)
    except refresh.RefreshBusy as exc:
        echo(f"error: {exc}")
        return 2
    echo(f"refresh {status.state} in {status.seconds} s: {status.message}")
    return 0 if status.state == "succeeded" else 1

"""Run the Xero and KashFlow sandbox servers: a shared clock, an in-process server handle, the CLI loop.

``ServerHandle`` starts a real uvicorn server in a background thread on 127.0.0.1 (port 0 picks a free
port and ``.port``/``.url`` report the bound one); tests use it as a context manager and the
``tieout sandbox serve`` command uses it for both servers until Ctrl-C (or SIGTERM), whatever signal
state it inherited: a parent may start it with SIGINT ignored or blocked, which exec keeps.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_XERO_PORT = 8710
DEFAULT_KASHFLOW_PORT = 8720
HOST = "127.0.0.1"


class Clock:
    """The sandbox's notion of "now": wall time, optionally sped up, plus manual advances.

    Token lifetimes, session expiry, rate-limit windows, idempotency retention and the UpdatedDateUTC
    written by writes all read this clock. ``speed=60`` makes a simulated minute pass in one real second;
    ``speed=0`` freezes it so tests move it only with ``advance``.
    """

    def __init__(self, start: datetime | None = None, speed: float = 1.0) -> None:
        if speed < 0:
            raise ValueError("clock speed must be >= 0")
        start = start or datetime.now(UTC)
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self.speed = speed
        self._base = start.timestamp()
        self._real0 = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    def time(self) -> float:
        """Simulated seconds since the epoch."""
        with self._lock:
            return self._base + (time.monotonic() - self._real0) * self.speed + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def now_ms(self) -> int:
        return int(self.time() * 1000)

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` of simulated time."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds

    def real_seconds(self, simulated: float) -> float:
        """How long a client must really wait for ``simulated`` seconds to pass (itself when frozen)."""
        return simulated / self.speed if self.speed > 0 else simulated


class _QuietDroppedResponses(logging.Filter):
    """Hide uvicorn's error line for the connections the drop fault cuts on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing response" not in record.getMessage()


logging.getLogger("uvicorn.error").addFilter(_QuietDroppedResponses())


class ServerHandle:
    """A uvicorn server for one ASGI app on 127.0.0.1, running in a daemon thread."""

    def __init__(self, app: Any, port: int = 0, name: str = "server", log_level: str = "warning") -> None:
        import uvicorn

        self.app = app
        self.name = name
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls
        try:
            self._sock.bind((HOST, port))
        except OSError as exc:
            self._sock.close()
            raise OSError(
                f"cannot listen on {HOST}:{port} for the {name} sandbox ({exc.strerror}); "
                "stop whatever uses that port or choose another one (0 picks a free port)"
            ) from exc
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(
            app, log_level=log_level, access_log=False, lifespan="off", timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 10.0) -> ServerHandle:
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            name=f"sandbox-{self.name}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the {self.name} sandbox server did not start on {self.url}")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> ServerHandle:
        return self.start() if self._thread is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_xero(scenario: Path | str, config: Any = None, port: int = 0) -> ServerHandle:
    """Start the Xero sandbox for ``scenario`` (``config``: a ``sandbox.xero.config.XeroConfig``)."""
    from sandbox.xero.app import create_app

    return ServerHandle(create_app(scenario, config), port=port, name="xero").start()


def start_kashflow(scenario: Path | str, config: Any = None, port: int = 0) -> ServerHandle:
    """Start the KashFlow sandbox for ``scenario`` (``config``: a ``KashflowConfig``)."""
    from sandbox.kashflow.app import create_app

    return ServerHandle(create_app(scenario, config), port=port, name="kashflow").start()


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequested(Exception):
    """SIGTERM asked the server to stop (Ctrl-C is a ``KeyboardInterrupt``)."""


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise StopRequested(signal.Signals(signum).name)


@contextmanager
def stop_signals() -> Iterator[None]:
    """Ctrl-C raises ``KeyboardInterrupt`` and SIGTERM :class:`StopRequested` in the main thread while
    the block runs, even when the process inherited SIGINT/SIGTERM ignored (``SIG_IGN`` survives exec and
    Python keeps it) or blocked (the signal mask survives exec too); the previous state comes back after.
    Elsewhere than in the main thread (where signal handlers cannot be set) it changes nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    handlers = {
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
        signal.SIGTERM: signal.signal(signal.SIGTERM, _stop_on_sigterm),
    }
    try:
        yield
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


@dataclass
class ServeOptions:
    """What ``tieout sandbox serve`` was asked for."""

    scenario: Path
    xero_port: int = DEFAULT_XERO_PORT
    kashflow_port: int = DEFAULT_KASHFLOW_PORT
    limits: str = "real"
    faults: str | None = None
    webhook_url: str | None = None
    webhook_key: str | None = None
    clock_speed: float = 1.0
    client_id: str | None = None
    client_secret: str | None = None


def serve_forever(options: ServeOptions, echo: Callable[[str], None] = print) -> None:
    """Serve the scenario's ledger API(s) until Ctrl-C or SIGTERM (see :func:`stop_signals`), printing
    where and how to sign in; returns normally after stopping the servers."""
    from sandbox.faults import FaultSpec

    scenario = Path(options.scenario)
    if not scenario.is_dir():
        raise FileNotFoundError(
            f"scenario directory {scenario} does not exist; create one with "
            "`tieout sandbox generate --out DIR` or point --scenario at your own export"
        )
    if options.limits not in ("real", "off"):
        raise ValueError(f"--limits must be 'real' or 'off', not {options.limits!r}")
    if bool(options.webhook_url) != bool(options.webhook_key):
        raise ValueError("--webhook-url and --webhook-key go together: give both or neither")
    faults = FaultSpec.parse(options.faults) if options.faults else None
    clock = Clock(speed=options.clock_speed)
    with stop_signals():
        _serve(scenario, options, faults, clock, echo)


def _serve(
    scenario: Path, options: ServeOptions, faults: Any, clock: Clock, echo: Callable[[str], None]
) -> None:
    from sandbox.kashflow.config import KashflowConfig
    from sandbox.xero.config import XeroConfig, XeroLimits

    handles: list[ServerHandle] = []
    try:
        if (scenario / "xero").is_dir():
            xero_config = XeroConfig(
                clock=clock,
                limits=XeroLimits() if options.limits == "real" else None,
                faults=faults,
                webhook_url=options.webhook_url,
                webhook_key=options.webhook_key,
            )
            if options.client_id:
                xero_config.client_id = options.client_id
            if options.client_secret:
                xero_config.client_secret = options.client_secret
            handle = start_xero(scenario, xero_config, options.xero_port)
            handles.append(handle)
            sandbox = handle.app.state.sandbox
            echo(f"Xero sandbox      {handle.url}  (API {handle.url}/api.xro/2.0)")
            echo(f"  token endpoint  {handle.url}/connect/token   connections {handle.url}/connections")
            echo(f"  client id       {xero_config.client_id}")
            echo(f"  client secret   {xero_config.client_secret}")
            echo(f"  refresh token   {xero_config.refresh_token}  (grant_type=refresh_token; rotates)")
            for tenant in sandbox.tenants.values():
                echo(f"  tenant id       {tenant.tenant_id}  ({tenant.name})")
            echo(f"  limits          {options.limits}; faults: {faults.describe() if faults else 'none'}")
            if options.webhook_url:
                echo(
                    f"  webhooks        -> {options.webhook_url} "
                    f"(intent-to-receive: POST {handle.url}/sandbox/webhooks/intent-to-receive)"
                )
        if (scenario / "kashflow").is_dir():
            kf_config = KashflowConfig(clock=clock, faults=faults)
            handle = start_kashflow(scenario, kf_config, options.kashflow_port)
            handles.append(handle)
            echo(f"KashFlow sandbox  {handle.url}  (API {handle.url}/v2)")
            echo(f"  username        {kf_config.username}")
            echo(f"  password        {kf_config.password}")
            echo(f"  memorable word  {kf_config.memorable_word}")
            echo(f"  faults          {faults.describe() if faults else 'none'}")
        if not handles:
            raise FileNotFoundError(
                f"{scenario} has neither xero/ nor kashflow/; a scenario directory holds one of them "
                "(see docs/scenario-format.md)"
            )
        echo("Press Ctrl-C to stop.")
        while all(h._thread is not None and h._thread.is_alive() for h in handles):
            time.sleep(0.5)
    except (KeyboardInterrupt, StopRequested):
        echo("stopping")
    finally:
        for handle in handles:
            handle.stop()

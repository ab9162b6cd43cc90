"""``tieout webhooks serve``: receive Xero webhooks, store them durably and trigger incremental loads.

``POST /webhooks/xero`` checks ``x-xero-signature`` (base64 HMAC-SHA256 of the raw body under the webhook
key, ``sources.xero.webhook_key``) and answers 401 with an empty body when it does not match. A valid
delivery is written to a SQLite event store (fsync'd) before the 200 goes out — the intent-to-receive
check, which carries no events, gets its 200 too. Stored events wake a debounced loader: once no new
event has come for ``debounce_seconds`` (or ``max_delay_seconds`` after the first one), it runs an
incremental ``tieout load --source xero`` of the tables the events touch, then marks them processed.
Events left unprocessed by a crash or a failed load are loaded when the server starts again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tieout.settings import warehouse_path

Echo = Callable[[str], None]
Loader = Callable[[list[str]], str]  # tables -> status ("ok" | "stopped" | "failed")


class WebhookConfigError(RuntimeError):
    """The webhook receiver is missing a setting; the message says which."""


def signature(body: bytes, key: str) -> str:
    """Xero's ``x-xero-signature`` for a raw body."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def is_signed(body: bytes, given: str | None, key: str) -> bool:
    return bool(given) and hmac.compare_digest(signature(body, key), given or "")


def tables_for(categories: Iterable[str]) -> list[str]:
    """The raw_xero tables to reload for these ``eventCategory`` values."""
    from dlt_pipelines.xero.settings import WEBHOOK_CATEGORIES

    tables: list[str] = []
    for category in categories:
        for table in WEBHOOK_CATEGORIES.get(str(category).upper(), ()):
            if table not in tables:
                tables.append(table)
    return tables


class EventStore:
    """Durable, append-only store of received events (SQLite, synchronous=FULL)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._con = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._con.execute("pragma journal_mode=wal")
        self._con.execute("pragma synchronous=full")
        self._con.execute(
            """create table if not exists events (
                id integer primary key autoincrement,
                received_at text not null,
                tenant_id text, event_category text, event_type text, resource_id text,
                resource_url text, event_date_utc text, payload text not null,
                processed_at text,
                unique (tenant_id, event_category, event_type, resource_id, event_date_utc))"""
        )

    def add(self, events: list[dict[str, Any]]) -> int:
        """Store events (a redelivered event is kept once); returns how many were new."""
        now = datetime.now(UTC).isoformat()
        rows = [
            (
                now,
                e.get("tenantId"),
                e.get("eventCategory"),
                e.get("eventType"),
                e.get("resourceId"),
                e.get("resourceUrl"),
                e.get("eventDateUtc"),
                json.dumps(e, sort_keys=True),
            )
            for e in events
        ]
        with self._lock:
            before = self._con.total_changes
            self._con.execute("begin immediate")
            self._con.executemany(
                """insert or ignore into events (received_at, tenant_id, event_category, event_type,
                   resource_id, resource_url, event_date_utc, payload) values (?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )
            self._con.execute("commit")
            return self._con.total_changes - before

    def pending(self) -> list[tuple[int, str]]:
        """``(id, eventCategory)`` of events not yet loaded, oldest first."""
        with self._lock:
            return list(
                self._con.execute(
                    "select id, event_category from events where processed_at is null order by id"
                )
            )

    def mark_processed(self, ids: list[int]) -> None:
        if not ids:
            return
        now = datetime.now(UTC).isoformat()
        with self._lock:
            self._con.execute("begin immediate")
            self._con.executemany("update events set processed_at = ? where id = ?", [(now, i) for i in ids])
            self._con.execute("commit")

    def count(self, processed: bool | None = None) -> int:
        where = {None: "", True: " where processed_at is not null", False: " where processed_at is null"}
        with self._lock:
            return int(self._con.execute(f"select count(*) from events{where[processed]}").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._con.close()


class DebouncedLoader:
    """Runs ``loader`` for pending events once they stop arriving; one load at a time."""

    def __init__(
        self,
        store: EventStore,
        loader: Loader,
        *,
        debounce_seconds: float = 5.0,
        max_delay_seconds: float = 60.0,
        retry_seconds: float = 60.0,
        echo: Echo = print,
    ) -> None:
        self.store = store
        self.loader = loader
        self.debounce = debounce_seconds
        self.max_delay = max_delay_seconds
        self.retry_seconds = retry_seconds
        self.echo = echo
        self.loads: list[tuple[list[str], str]] = []  # (tables, status) of every load run
        self._cond = threading.Condition()
        self._first: float | None = None
        self._last = 0.0
        self._not_before = 0.0
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="tieout-webhook-loader", daemon=True)

    def start(self) -> DebouncedLoader:
        if self.store.pending():
            self.notify()  # events a crash or failed load left behind
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join(timeout)

    def notify(self) -> None:
        """New events were stored: (re)start the quiet-period timer."""
        with self._cond:
            now = time.monotonic()
            self._first = self._first if self._first is not None else now
            self._last = now
            self._cond.notify_all()

    def _due_in(self) -> float | None:
        if self._first is None:
            return None
        now = time.monotonic()
        due = max(min(self._last + self.debounce, self._first + self.max_delay), self._not_before)
        return max(0.0, due - now)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stop:
                    wait = self._due_in()
                    if wait is not None and wait <= 0:
                        break
                    self._cond.wait(timeout=wait)
                if self._stop:
                    return
                self._first = None
            self._load_pending()

    def _load_pending(self) -> None:
        pending = self.store.pending()
        if not pending:
            return
        ids = [event_id for event_id, _ in pending]
        tables = tables_for(category for _, category in pending)
        if not tables:
            self.store.mark_processed(ids)  # categories that map to no table: nothing to load
            return
        self.echo(f"webhooks: {len(ids)} event(s) -> loading {', '.join(tables)}")
        try:
            status = self.loader(tables)
        except Exception as exc:  # keep serving; the events stay pending
            self.echo(f"webhooks: the triggered load failed: {exc}")
            status = "failed"
        self.loads.append((tables, status))
        if status == "ok":
            self.store.mark_processed(ids)
        else:
            with self._cond:  # try again later
                now = time.monotonic()
                self._first = self._last = now
                self._not_before = now + self.retry_seconds


def create_app(key: str, store: EventStore, trigger: DebouncedLoader, path: str = "/webhooks/xero") -> Any:
    """The ASGI app: POST ``path`` receives Xero deliveries; GET /health answers ``ok``."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    async def receive(request: Request) -> Response:
        body = await request.body()
        if not is_signed(body, request.headers.get("x-xero-signature"), key):
            return Response(status_code=401)
        try:
            payload = json.loads(body)
            events = list(payload.get("events") or [])
        except (ValueError, AttributeError, TypeError):
            return Response(status_code=400)
        if events and store.add(events):
            trigger.notify()
        return Response(status_code=200)

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Route(path, receive, methods=["POST"]), Route("/health", health, methods=["GET"])]
    )


def default_store_path(warehouse: Path | None = None) -> Path:
    warehouse = warehouse or warehouse_path()
    return warehouse.parent / f"{warehouse.stem}.webhooks.sqlite"


def webhook_key() -> str:
    """``sources.xero.webhook_key`` from secrets or ``SOURCES__XERO__WEBHOOK_KEY``."""
    from tieout.load import _prepare_dlt_environment

    _prepare_dlt_environment()
    import dlt

    key = dlt.secrets.get("sources.xero.webhook_key")
    if not key:
        raise WebhookConfigError(
            "no webhook key: put the key Xero shows for your webhook in .dlt/secrets.toml as "
            "sources.xero.webhook_key (or set SOURCES__XERO__WEBHOOK_KEY)"
        )
    return str(key)


def xero_loader(warehouse: Path | None = None, echo: Echo = print) -> Loader:
    """A loader running an incremental Xero load of the given tables."""
    from tieout.load import run_load

    def load(tables: list[str]) -> str:
        report = run_load(
            "xero", warehouse=warehouse, tables={"xero": tables}, echo=echo, progress_interval=0
        )
        return report.results[0].status if report.results else "failed"

    return load


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8730,
    debounce_seconds: float = 5.0,
    key: str | None = None,
    warehouse: Path | None = None,
    echo: Echo = print,
) -> None:
    """Run the receiver until Ctrl-C."""
    import uvicorn

    key = key or webhook_key()
    store = EventStore(default_store_path(warehouse))
    trigger = DebouncedLoader(
        store, xero_loader(warehouse, echo), debounce_seconds=debounce_seconds, echo=echo
    )
    trigger.start()
    echo(f"receiving Xero webhooks on http://{host}:{port}/webhooks/xero (events kept in {store.path})")
    try:
        uvicorn.run(create_app(key, store, trigger), host=host, port=port, log_level="warning")
    finally:
        trigger.stop()
        store.close()

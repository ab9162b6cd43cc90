"""The Xero sandbox as an ASGI app: ``create_app(scenario_dir, config) -> FastAPI``.

Routes (one server plays api.xero.com and identity.xero.com):
``POST /connect/token``, ``GET /connections``, ``GET/PUT/POST /api.xro/2.0/<Resource>[/<id>]``, and
sandbox-only helpers under ``/sandbox/`` (clock, stats, webhook intent-to-receive). Authentication, the
tenant header, rate limits and faults are handled by a small ASGI gateway in front of the routes.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from sandbox.faults import NO_FAULT, FaultInjector, fault_error_body, truncating_send
from sandbox.xero.auth import TokenService
from sandbox.xero.config import XeroConfig
from sandbox.xero.dates import format_ms_date, parse_if_modified_since
from sandbox.xero.limits import RateLimiter
from sandbox.xero.store import Table, TenantState, load_tenant
from sandbox.xero.webhooks import WebhookSender
from sandbox.xero.where import QueryError
from sandbox.xero.writes import (
    Checked,
    check_contact,
    check_invoice_update,
    check_manual_journal,
    check_payment,
)

API = "/api.xro/2.0"
MAX_PAGE_SIZE = 1000
JOURNALS_PER_CALL = 100
WRITABLE = {
    "manualjournals": "ManualJournals",
    "payments": "Payments",
    "invoices": "Invoices",
    "contacts": "Contacts",
}
WEBHOOK_URLS = {
    "Invoices": "https://api.xero.com/api.xro/2.0/Invoices/",
    "Contacts": "https://api.xero.com/api.xro/2.0/Contacts/",
}


class XeroSandbox:
    """The state behind one Xero sandbox server: tenants, tokens, limits, faults, webhooks, counters."""

    def __init__(self, scenarios: Sequence[Path | str], config: XeroConfig) -> None:
        self.config = config
        self.clock = config.clock
        self.tenants: dict[str, TenantState] = {}
        for number, scenario in enumerate(scenarios):
            tenant = load_tenant(Path(scenario), config.tenant_id if number == 0 else None)
            self.tenants[tenant.tenant_id.lower()] = tenant
        latest = max((t.latest_update_ms() for t in self.tenants.values()), default=-1)
        if latest >= self.clock.now_ms():
            self.clock.advance((latest - self.clock.now_ms()) / 1000 + 1)
        self.tokens = TokenService(config)
        self.limiter = RateLimiter(config.limits, self.clock) if config.limits else None
        self.faults = FaultInjector(config.faults)
        self.webhooks = WebhookSender(
            config.webhook_url, config.webhook_key, self.clock, config.webhook_retries, config.webhook_backoff
        )
        self.calls: Counter[str] = Counter()
        self.connection_id = str(uuid.uuid4())

    def tenant(self, tenant_id: str | None) -> TenantState | None:
        return self.tenants.get((tenant_id or "").strip().lower())

    def stats(self) -> dict[str, Any]:
        return {
            "calls": dict(self.calls),
            "rejections": dict(self.limiter.rejections) if self.limiter else {},
            "faults": dict(self.faults.injected),
            "grants": dict(self.tokens.grants),
            "webhook_deliveries": len(self.webhooks.deliveries),
        }


def _json_bytes(status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            *(headers or []),
        ],
    }


async def _answer(
    send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send(_json_bytes(status, body, headers))
    await send({"type": "http.response.body", "body": body})


def unauthorized_body(detail: str) -> bytes:
    return orjson.dumps({"title": "Unauthorized", "status": 401, "detail": detail})


FORBIDDEN = orjson.dumps(
    {"Type": None, "Title": "Forbidden", "Status": 403, "Detail": "AuthenticationUnsuccessful"}
)


class Gateway:
    """ASGI middleware: faults, bearer-token check, tenant header, rate limits and their headers."""

    def __init__(self, app: Any, sandbox: XeroSandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        lowered = path.lower()
        is_api = lowered.startswith(API.lower() + "/") or lowered == API.lower()
        is_token = lowered == "/connect/token"
        is_identity = lowered.startswith("/connections")
        if not (is_api or is_token or is_identity):
            await self.app(scope, receive, send)
            return
        sandbox = self.sandbox
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
        decision = NO_FAULT
        if sandbox.faults.applies(is_auth_endpoint=is_token or is_identity):
            query = scope.get("query_string", b"").decode("latin-1")
            decision = sandbox.faults.decide(scope["method"], path + ("?" + query if query else ""))
        if not is_api:
            if decision.latency:
                await asyncio.sleep(decision.latency)
            if decision.error_status:
                await _answer(send, decision.error_status, fault_error_body(decision.error_status))
                return
            if is_identity and (detail := self._authenticate(headers, decision)):
                await _answer(
                    send,
                    401,
                    unauthorized_body(detail),
                    [(b"www-authenticate", b'Bearer error="invalid_token"')],
                )
                return
            await self.app(scope, receive, truncating_send(send) if decision.drop else send)
            return
        if detail := self._authenticate(headers, decision):
            await _answer(
                send, 401, unauthorized_body(detail), [(b"www-authenticate", b'Bearer error="invalid_token"')]
            )
            return
        tenant = sandbox.tenant(headers.get("xero-tenant-id"))
        if tenant is None:
            await _answer(send, 403, FORBIDDEN)
            return
        scope.setdefault("state", {})["tenant"] = tenant
        segment = path[len(API) + 1 :].split("/", 1)[0]
        sandbox.calls[f"{scope['method']} {segment}"] += 1
        limiter = sandbox.limiter
        tenant_key = tenant.tenant_id.lower()
        if limiter is not None:
            rejection = limiter.acquire(tenant_key)
            if rejection is not None:
                body = orjson.dumps(
                    {
                        "Title": "Too Many Requests",
                        "Status": 429,
                        "Detail": f"Rate limit exceeded ({rejection.problem})",
                    }
                )
                await _answer(
                    send,
                    429,
                    body,
                    [
                        (b"retry-after", str(rejection.retry_after).encode()),
                        (b"x-rate-limit-problem", rejection.problem.encode()),
                        *limiter.headers(tenant_key),
                    ],
                )
                return
        try:
            if decision.latency:
                await asyncio.sleep(decision.latency)
            limit_headers = limiter.headers(tenant_key) if limiter else []
            if decision.error_status:
                await _answer(
                    send, decision.error_status, fault_error_body(decision.error_status), limit_headers
                )
                return

            async def send_with_limits(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start" and limit_headers:
                    message = {**message, "headers": [*message.get("headers", []), *limit_headers]}
                await send(message)

            await self.app(
                scope, receive, truncating_send(send_with_limits) if decision.drop else send_with_limits
            )
        finally:
            if limiter is not None:
                limiter.release(tenant_key)

    def _authenticate(self, headers: dict[str, str], decision: Any) -> str | None:
        tokens = self.sandbox.tokens
        authorization = headers.get("authorization")
        if decision.expire_token and tokens.check(authorization) is None:
            tokens.expire(authorization)
        return tokens.check(authorization)


# --- helpers for the routes ------------------------------------------------------------------------


def _query(request: Request) -> dict[str, str]:
    return {k.lower(): v for k, v in request.query_params.items()}


def _envelope(
    sandbox: XeroSandbox, body_key: str, blobs: list[bytes], pagination: dict[str, int] | None
) -> bytes:
    head: dict[str, Any] = {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": sandbox.config.provider_name,
        "DateTimeUTC": format_ms_date(sandbox.clock.now_ms()),
    }
    if pagination is not None:
        head["pagination"] = pagination
    return b"".join((orjson.dumps(head)[:-1], b',"', body_key.encode(), b'":[', b",".join(blobs), b"]}"))


def _error(status: int, number: int, kind: str, message: str, elements: list[Any] | None = None) -> Response:
    body: dict[str, Any] = {"ErrorNumber": number, "Type": kind, "Message": message}
    if elements is not None:
        body["Elements"] = elements
    return Response(orjson.dumps(body), status, media_type="application/json")


def _not_found() -> Response:
    return Response("The resource you're looking for cannot be found", 404, media_type="text/plain")


def _int_param(q: dict[str, str], name: str, default: int, low: int, high: int | None = None) -> int:
    raw = q.get(name.lower())
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(f"{name} must be a whole number, not {raw!r}") from None
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise QueryError(f"{name} must be {bounds}, not {value}")
    return value


def _list_filters(table: Table, q: dict[str, str]) -> dict[str, frozenset[str]]:
    lists: dict[str, frozenset[str]] = {}
    for param, field in table.spec.number_filters.items():
        if q.get(param):
            lists[field] = frozenset(v.strip().strip('"').lower() for v in q[param].split(",") if v.strip())
    return lists


def _select(table: Table, request: Request) -> tuple[list[bytes], dict[str, int] | None]:
    q = _query(request)
    since = request.headers.get("if-modified-since")
    since_ms = parse_if_modified_since(since) if since else None
    summary = q.get("summaryonly", "").lower() == "true"
    if table.spec.paging == "offset":
        if q.get("where") or q.get("order"):
            raise QueryError("Journals take offset (and If-Modified-Since), not where or order")
        positions = table.after_number(_int_param(q, "offset", 0, 0), since_ms, JOURNALS_PER_CALL)
        return [table.blobs[i] for i in positions], None
    positions = table.select(
        since_ms=since_ms,
        where=q.get("where") or None,
        order=q.get("order") or None,
        lists=_list_filters(table, q),
        include_archived=q.get("includearchived", "").lower() == "true",
    )
    pagination = None
    if table.spec.paging == "page" and ("page" in q or "pagesize" in q):
        page = _int_param(q, "page", 1, 1)
        size = _int_param(q, "pageSize", 100, 1, MAX_PAGE_SIZE)
        total = len(positions)
        pages = math.ceil(total / size)
        pagination = {"page": page, "pageSize": size, "pageCount": pages, "itemCount": total}
        positions = positions[(page - 1) * size : page * size]
    return [table.blob(i, summary) for i in positions], pagination


def _items_of(body: Any, body_key: str) -> list[Any]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for key, value in body.items():
            if key.lower() == body_key.lower() and isinstance(value, list):
                return value
        return [body]
    raise ValueError("the body must be a JSON object")


def _validation_messages(checked: Checked) -> list[dict[str, str]]:
    return [{"Message": message} for message in checked.errors]


# --- the app ---------------------------------------------------------------------------------------


def create_app(scenario: Path | str | Sequence[Path | str], config: XeroConfig | None = None) -> FastAPI:
    """A FastAPI app serving ``scenario`` (one directory, or several for several tenants) like Xero."""
    config = config or XeroConfig()
    scenarios = [scenario] if isinstance(scenario, str | Path) else list(scenario)
    sandbox = XeroSandbox(scenarios, config)
    app = FastAPI(
        title="Xero Accounting API sandbox (tieout)", docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.sandbox = sandbox
    app.add_middleware(Gateway, sandbox=sandbox)
    idempotency_locks: dict[str, asyncio.Lock] = {}

    @app.post("/connect/token")
    async def token(request: Request) -> Response:
        answer = sandbox.tokens.grant(await request.body(), request.headers.get("authorization"))
        return JSONResponse(answer.body, answer.status, headers={"Cache-Control": "no-store"})

    @app.get("/connections")
    @app.get("/Connections")
    async def connections() -> Response:
        stamp = sandbox.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f0")
        body = [
            {
                "id": sandbox.connection_id,
                "authEventId": sandbox.connection_id,
                "tenantId": t.tenant_id,
                "tenantType": "ORGANISATION",
                "tenantName": t.name,
                "createdDateUtc": stamp,
                "updatedDateUtc": stamp,
            }
            for t in sandbox.tenants.values()
        ]
        return Response(orjson.dumps(body), media_type="application/json")

    @app.get(API + "/{resource}")
    async def read_list(resource: str, request: Request) -> Response:
        tenant: TenantState = request.state.tenant
        table = tenant.table(resource)
        if table is None:
            return _not_found()
        try:
            blobs, pagination = _select(table, request)
        except QueryError as exc:
            return _error(400, 16, "QueryParseException", str(exc))
        except ValueError as exc:
            return _error(400, 16, "QueryParseException", str(exc))
        return Response(
            _envelope(sandbox, table.spec.body_key, blobs, pagination), media_type="application/json"
        )

    @app.get(API + "/{resource}/{ident}")
    async def read_one(resource: str, ident: str, request: Request) -> Response:
        tenant: TenantState = request.state.tenant
        table = tenant.table(resource)
        pos = table.find(ident) if table is not None else None
        if table is None or pos is None:
            return _not_found()
        return Response(
            _envelope(sandbox, table.spec.body_key, [table.blobs[pos]], None), media_type="application/json"
        )

    async def write(request: Request, resource: str, ident: str | None) -> Response:
        tenant: TenantState = request.state.tenant
        body_key = WRITABLE.get(resource.lower())
        method = request.method
        if (
            body_key is None
            or (ident and body_key != "Invoices")
            or (body_key == "Invoices" and method == "PUT")
        ):
            return _error(
                405,
                0,
                "MethodNotAllowed",
                f"The sandbox does not take {method} {request.url.path}; it takes PUT/POST ManualJournals, "
                "PUT/POST Payments, PUT/POST Contacts (new contacts) and POST Invoices (status updates).",
            )
        key = request.headers.get("idempotency-key")
        if key is not None and (len(key) > 128 or not key.strip()):
            return _error(400, 10, "ValidationException", "Idempotency-Key must be 1 to 128 characters")
        cache_key = f"{tenant.tenant_id}|{method}|{request.url.path.lower()}|{key}"
        if key is None:
            return await _write(request, tenant, body_key, ident)
        lock = idempotency_locks.setdefault(cache_key, asyncio.Lock())
        async with lock:
            now = sandbox.clock.time()
            for stale in [k for k, v in tenant.idempotency.items() if v[0] <= now]:
                del tenant.idempotency[stale]
                lock_of_stale = idempotency_locks.get(stale)
                if stale != cache_key and lock_of_stale is not None and not lock_of_stale.locked():
                    del idempotency_locks[stale]
            cached = tenant.idempotency.get(cache_key)
            if cached is not None:
                _, status, content, media = cached
                return Response(content, status, media_type=media)
            response = await _write(request, tenant, body_key, ident)
            if response.status_code < 500:
                tenant.idempotency[cache_key] = (
                    now + config.idempotency_ttl,
                    response.status_code,
                    bytes(response.body),
                    response.media_type or "application/json",
                )
            return response

    async def _write(request: Request, tenant: TenantState, body_key: str, ident: str | None) -> Response:
        raw = await request.body()
        try:
            items = _items_of(orjson.loads(raw), body_key)
        except (orjson.JSONDecodeError, ValueError) as exc:
            return _error(400, 14, "PostDataInvalidException", f"The request body is not valid JSON: {exc}")
        if not items:
            return _error(
                400, 10, "ValidationException", f'Send at least one item in {{"{body_key}": [...]}}'
            )
        summarize = _query(request).get("summarizeerrors", "true").lower() != "false"
        now = sandbox.clock.now_ms()
        pending: dict[int, Any] = {}
        new_names: set[str] = set()
        checked: list[Checked] = []
        for item in items:
            if body_key == "ManualJournals":
                checked.append(check_manual_journal(tenant, item, now))
            elif body_key == "Payments":
                checked.append(check_payment(tenant, item, now, pending))
            elif body_key == "Contacts":
                checked.append(check_contact(tenant, item, now, new_names))
            else:
                checked.append(check_invoice_update(tenant, item, now, ident))
        failed = [c for c in checked if c.errors]
        if failed and summarize:
            elements = [{**c.submitted, "ValidationErrors": _validation_messages(c)} for c in failed]
            return _error(400, 10, "ValidationException", "A validation exception occurred", elements)
        blobs = []
        for c in checked:
            if c.errors or c.apply is None:
                blobs.append(
                    orjson.dumps(
                        {
                            **c.submitted,
                            "StatusAttributeString": "ERROR",
                            "ValidationErrors": _validation_messages(c),
                        }
                    )
                )
                continue
            outcome = c.apply(now)
            record = outcome.record if summarize else {**outcome.record, "StatusAttributeString": "OK"}
            blobs.append(orjson.dumps(record))
            for event in outcome.events:
                sandbox.webhooks.event(
                    tenant.tenant_id,
                    event.category,
                    event.event_type,
                    event.resource_id,
                    WEBHOOK_URLS.get(event.resource, "https://api.xero.com/api.xro/2.0/") + event.resource_id,
                )
        return Response(_envelope(sandbox, body_key, blobs, None), media_type="application/json")

    @app.put(API + "/{resource}")
    async def put_items(resource: str, request: Request) -> Response:
        return await write(request, resource, None)

    @app.post(API + "/{resource}")
    async def post_items(resource: str, request: Request) -> Response:
        return await write(request, resource, None)

    @app.post(API + "/{resource}/{ident}")
    async def post_item(resource: str, ident: str, request: Request) -> Response:
        return await write(request, resource, ident)

    # --- sandbox-only helpers (no Xero equivalent) ---------------------------------------------------

    @app.get("/sandbox/health")
    async def health() -> dict[str, Any]:
        return {
            "ok": True,
            "now": sandbox.clock.now().isoformat(),
            "tenants": [{"tenantId": t.tenant_id, "name": t.name} for t in sandbox.tenants.values()],
        }

    @app.get("/sandbox/stats")
    async def stats() -> dict[str, Any]:
        return sandbox.stats()

    @app.post("/sandbox/clock/advance")
    async def advance(seconds: float) -> dict[str, Any]:
        sandbox.clock.advance(seconds)
        return {"now": sandbox.clock.now().isoformat()}

    @app.post("/sandbox/webhooks/intent-to-receive")
    async def intent_to_receive() -> Response:
        try:
            return JSONResponse(await sandbox.webhooks.intent_to_receive())
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 400)

    @app.get("/sandbox/webhooks/deliveries")
    async def deliveries() -> list[dict[str, Any]]:
        return [
            {"payload": d.payload, "signature": d.signature, "statuses": d.statuses}
            for d in sandbox.webhooks.deliveries
        ]

    return app

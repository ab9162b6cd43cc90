"""The KashFlow sandbox as an ASGI app: ``create_app(scenario_dir, config) -> FastAPI``.

Routes under ``/v2``: ``POST/PUT/DELETE /sessiontoken`` (sign-in), ``GET /<resource>`` (paged with
``page``, ``perpage``, ``sortby``, ``order``; ``MetaData`` carries absolute page URLs) and
``GET /<resource>/{key}``. A small ASGI gateway checks the ``KfToken`` session and injects faults.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from sandbox.faults import NO_FAULT, FaultInjector, fault_error_body, truncating_send
from sandbox.kashflow.config import KashflowConfig
from sandbox.kashflow.sessions import INVALID_SESSION, SessionService
from sandbox.kashflow.store import KfTable, load_company

BASE = "/v2"
SESSION_PATH = "/v2/sessiontoken"


class KashflowSandbox:
    """The state behind one KashFlow sandbox server."""

    def __init__(self, scenario: Path, config: KashflowConfig) -> None:
        self.config = config
        self.clock = config.clock
        self.tables, manifest = load_company(scenario)
        self.company_name = config.company_name or str(manifest.get("name") or Path(scenario).name)
        self.sessions = SessionService(config, self.company_name)
        self.faults = FaultInjector(config.faults)
        self.calls: Counter[str] = Counter()

    def stats(self) -> dict[str, Any]:
        return {
            "calls": dict(self.calls),
            "faults": dict(self.faults.injected),
            "sessions_started": self.sessions.sessions_started,
        }


async def _answer(send: Any, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class Gateway:
    """ASGI middleware: faults and the ``Authorization: KfToken`` session check."""

    def __init__(self, app: Any, sandbox: KashflowSandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "").lower().rstrip("/")
        if scope["type"] != "http" or not path.startswith(BASE + "/"):
            await self.app(scope, receive, send)
            return
        sandbox = self.sandbox
        is_session = path.startswith(SESSION_PATH)
        decision = NO_FAULT
        if sandbox.faults.applies(is_auth_endpoint=is_session):
            query = scope.get("query_string", b"").decode("latin-1")
            decision = sandbox.faults.decide(scope["method"], scope["path"] + ("?" + query if query else ""))
        if decision.latency:
            await asyncio.sleep(decision.latency)
        if not is_session:
            headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
            authorization = headers.get("authorization")
            if decision.expire_token:
                sandbox.sessions.end(sandbox.sessions.token_of(authorization))
            if not sandbox.sessions.touch(authorization):
                await _answer(send, 401, orjson.dumps(INVALID_SESSION))
                return
            sandbox.calls[f"{scope['method']} {path[len(BASE) + 1 :].split('/', 1)[0]}"] += 1
        if decision.error_status:
            await _answer(send, decision.error_status, fault_error_body(decision.error_status))
            return
        await self.app(scope, receive, truncating_send(send) if decision.drop else send)


def _error(status: int, error: str, message: str) -> Response:
    return JSONResponse({"Error": error, "Message": message}, status)


def _not_found(what: str) -> Response:
    return _error(404, "NotFound", f"{what} could not be found.")


async def _json_body(request: Request) -> Any:
    try:
        return orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return None


def _page_urls(request: Request, page: int, pages: int) -> dict[str, str | None]:
    def url(number: int) -> str:
        return str(request.url.include_query_params(page=number))

    last = max(1, pages)
    return {
        "FirstPageUrl": url(1),
        "LastPageUrl": url(last),
        "NextPageUrl": url(page + 1) if page < pages else None,
        "PreviousPageUrl": url(min(page - 1, last)) if page > 1 else None,
    }


def _list(table: KfTable, request: Request, config: KashflowConfig) -> Response:
    q = {k.lower(): v for k, v in request.query_params.items()}
    if q.get("filterby"):
        return _error(
            400, "InvalidParameter", "The sandbox does not support filterby; page through the list."
        )
    field = None
    if q.get("sortby"):
        field = table.field_for_sort(q["sortby"])
        if field is None:
            return _error(
                400, "InvalidParameter", f"sortby {q['sortby']!r} is not a field of {table.resource.name}."
            )
    order = q.get("order", "asc").lower()
    if order not in ("asc", "desc"):
        return _error(400, "InvalidParameter", "order must be Asc or Desc.")
    positions = table.ordered(field, order == "desc")
    if not table.resource.paged:
        body = b"[" + b",".join(table.blobs[i] for i in positions) + b"]"
        return Response(body, media_type="application/json")
    try:
        page = int(q.get("page", 1))
        perpage = int(q.get("perpage", config.default_perpage))
    except ValueError:
        return _error(400, "InvalidParameter", "page and perpage must be whole numbers.")
    if page < 1 or not 1 <= perpage <= config.max_perpage:
        return _error(
            400,
            "InvalidParameter",
            f"page must be at least 1 and perpage between 1 and {config.max_perpage}.",
        )
    total = len(table)
    pages = math.ceil(total / perpage)
    chosen = list(positions)[(page - 1) * perpage : page * perpage]
    meta = orjson.dumps({**_page_urls(request, page, pages), "TotalRecords": total})
    body = b'{"Data":[' + b",".join(table.summaries[i] for i in chosen) + b'],"MetaData":' + meta + b"}"
    return Response(body, media_type="application/json")


def create_app(scenario: Path | str, config: KashflowConfig | None = None) -> FastAPI:
    """A FastAPI app serving ``scenario``'s ``kashflow/`` folder like KashFlow's REST API v2."""
    config = config or KashflowConfig()
    sandbox = KashflowSandbox(Path(scenario), config)
    app = FastAPI(
        title="KashFlow REST API v2 sandbox (tieout)", docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.sandbox = sandbox
    app.add_middleware(Gateway, sandbox=sandbox)

    @app.post(SESSION_PATH)
    async def start_session(request: Request) -> Response:
        answer = sandbox.sessions.start(await _json_body(request))
        return JSONResponse(answer.body, answer.status)

    @app.put(SESSION_PATH)
    async def finish_session(request: Request) -> Response:
        answer = sandbox.sessions.finish(await _json_body(request))
        return JSONResponse(answer.body, answer.status)

    @app.delete(SESSION_PATH)
    @app.delete(SESSION_PATH + "/{token}")
    async def end_session(request: Request, token: str | None = None) -> Response:
        token = token or sandbox.sessions.token_of(request.headers.get("authorization"))
        if not sandbox.sessions.end(token):
            return JSONResponse(INVALID_SESSION, 401)
        return Response(status_code=200)

    @app.get(BASE + "/{resource}")
    async def read_list(resource: str, request: Request) -> Response:
        table = sandbox.tables.get(resource.lower())
        if table is None:
            return _not_found(f"The resource {resource}")
        return _list(table, request, config)

    @app.get(BASE + "/{resource}/{key}")
    async def read_one(resource: str, key: str) -> Response:
        table = sandbox.tables.get(resource.lower())
        pos = table.find(key) if table is not None else None
        if table is None or pos is None:
            return _not_found(f"{resource} {key}")
        return Response(table.blobs[pos], media_type="application/json")

    @app.get("/sandbox/health")
    async def health() -> dict[str, Any]:
        return {"ok": True, "now": sandbox.clock.now().isoformat(), "company": sandbox.company_name}

    @app.get("/sandbox/stats")
    async def stats() -> dict[str, Any]:
        return sandbox.stats()

    @app.post("/sandbox/clock/advance")
    async def advance(seconds: float) -> dict[str, Any]:
        sandbox.clock.advance(seconds)
        return {"now": sandbox.clock.now().isoformat()}

    return app

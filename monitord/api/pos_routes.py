"""POS routes: heartbeats in (store or terminal token), stores and terminals out, register changes.

``POST /api/v1/pos/heartbeat`` is authenticated by a per-store or per-terminal
token from ``pos.stores``, never by an API token: a till's credential can report
for its own store (or only itself) and do nothing else. Reads use the API's read
role; adding and removing run-time terminals needs an admin token.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from monitord.api.auth import bearer, require
from monitord.api.bodies import read_json, read_query
from monitord.api.errors import CHALLENGE, ClientGone
from monitord.api.keys import POS_KEY, runtime_of, service_of
from monitord.config.durations import format_duration
from monitord.config.pos import HeartbeatInterval
from monitord.config.resolve import validation_problems
from monitord.config.targets import validate_address
from monitord.errors import NotFoundError, RequestError
from monitord.inputs import Line, Name
from monitord.pos.hours import DAYS
from monitord.pos.ingest import TERMINAL_ID, HeartbeatBody, Refused
from monitord.pos.register import Store, StoreState, Terminal, TerminalState, token_digest
from monitord.pos.service import PosService

# A till's token is not an API token: its own realm in the 401's WWW-Authenticate.
POS_CHALLENGE = 'Bearer realm="monitord-pos"'


def _service(request: web.Request) -> PosService:
    return service_of(request, POS_KEY)


def _iso(ts: float | None) -> str | None:
    """ISO 8601 for a unix time; None for a missing or unrepresentable one (NaN, inf, year > 9999).

    A bad time reported by one till must not turn every register read into a 500.
    """
    if ts is None or not math.isfinite(ts):
        return None
    try:
        return datetime.fromtimestamp(ts, UTC).isoformat()
    except (ValueError, OverflowError, OSError):
        return None


async def _body(request: web.Request, limit: int, ingest_count: Any) -> bytes:
    if request.content_length is not None:
        if request.content_length > limit:
            ingest_count("http", "oversized")
            raise RequestError(f"heartbeat larger than {limit} bytes", status=413)
        try:
            return await request.read()  # bounded by the Content-Length just checked
        except ConnectionResetError:
            raise ClientGone from None
    # Chunked upload: read no more than one byte past the limit.
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = await request.content.read(limit + 1 - size)
        except ConnectionResetError:
            raise ClientGone from None
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            ingest_count("http", "oversized")
            raise RequestError(f"heartbeat larger than {limit} bytes", status=413)
    return b"".join(chunks)


async def heartbeat(request: web.Request) -> web.Response:
    request[CHALLENGE] = POS_CHALLENGE
    service = _service(request)
    ingest = service.ingest
    token = bearer(request)
    digest = token_digest(token) if token is not None else None
    if digest is None or digest not in ingest.register.tokens:
        ingest.count("http", "unauthorized")
        raise Refused("unauthorized", "missing or unknown POS token (Authorization: Bearer TOKEN)", 401)
    if request.content_type != "application/json":
        ingest.count("http", "malformed")
        raise RequestError("send a JSON body with Content-Type: application/json", status=415)
    raw = await _body(request, runtime_of(request).loaded.config.pos.max_heartbeat_bytes, ingest.count)
    try:
        body = HeartbeatBody.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        ingest.count("http", "malformed")
        problems = validation_problems(exc)
        path = problems[0][0] if problems else None
        text = "; ".join(f"{p}: {m}" if p else m for p, m in problems) or "invalid heartbeat"
        raise RequestError(text, field=path or None, status=422) from None
    terminal = ingest.http(digest, body, request.remote)
    return web.json_response({"terminal": terminal.key, "interval": terminal.interval})


def terminal_json(terminal: Terminal, now: float, address: str | None = None) -> dict[str, Any]:
    return {
        "store": terminal.store,
        "terminal": terminal.id,
        "state": terminal.state,
        "since": _iso(terminal.since) if terminal.since else None,
        "address": terminal.address or address or terminal.seen_address,
        "seen_address": terminal.seen_address,
        "interval": format_duration(terminal.interval),
        "last_seen": _iso(terminal.last_seen),
        "heartbeat_age": None if terminal.last_seen is None else round(now - terminal.last_seen, 3),
        "transport": terminal.transport,
        "version": terminal.version,
        "reported": {
            k: (_iso(v) if k == "last_transaction" and isinstance(v, float) else v)
            for k, v in terminal.reported.items()
        },
        "heartbeats": terminal.heartbeats,
        "source": terminal.source,
        "poll": terminal.poll,
        "description": terminal.description,
    }


def _hours_json(store: Store) -> dict[str, list[str]]:
    def hhmm(minute: int) -> str:
        return f"{minute // 60:02d}:{minute % 60:02d}"

    return {
        day: [f"{hhmm(a)}-{hhmm(b)}" for a, b in ranges] or ["closed"]
        for day, ranges in zip(DAYS, store.hours.week, strict=True)
    }


def store_json(store: Store, now: float) -> dict[str, Any]:
    status = store.hours_at(now)
    return {
        "store": store.name,
        "site": store.site,
        "state": store.state,
        "reason": store.reason,
        "since": _iso(store.since) if store.since else None,
        "open": status.open,
        "next_change": _iso(status.until),
        "timezone": store.hours.timezone,
        "hours": _hours_json(store),
        "holidays": sorted(d.isoformat() for d in store.hours.holidays),
        "router": store.router,
        "router_up": store.router_up,
        "terminals_expected": store.counts.get("expected", 0),
        "terminals": {state: store.counts.get(state, 0) for state in ("up", "down", "closed", "pending")},
        "down_terminals": store.down_terminals,
        "missed_intervals": store.missed_intervals,
        "auto_register": store.auto_register,
        "description": store.description,
    }


class StoreQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: StoreState | None = None


class TerminalQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    store: Name | None = Field(default=None, max_length=128)
    state: TerminalState | None = None


async def list_stores(request: web.Request) -> web.Response:
    require(request, "read")
    query = read_query(request.query, StoreQuery)
    service = _service(request)
    now = service.clock.now()
    items = [
        store_json(s, now)
        for s in service.register.stores.values()
        if query.state is None or s.state == query.state
    ]
    return web.json_response({"stores": items, "count": len(items)})


async def get_store(request: web.Request) -> web.Response:
    require(request, "read")
    service = _service(request)
    name = request.match_info["store"]
    store = service.register.stores.get(name)
    if store is None:
        raise NotFoundError(f"no store named {name!r}", field="store")
    now = service.clock.now()
    body = store_json(store, now)
    body["terminal_list"] = [terminal_json(t, now, service.ipam_address(t)) for t in store.terminals.values()]
    return web.json_response(body)


async def list_terminals(request: web.Request) -> web.Response:
    require(request, "read")
    query = read_query(request.query, TerminalQuery)
    service = _service(request)
    if query.store is not None and query.store not in service.register.stores:
        raise NotFoundError(f"no store named {query.store!r}", field="store")
    now = service.clock.now()
    items = [
        terminal_json(t, now, service.ipam_address(t))
        for t in service.register.terminals()
        if (query.store is None or t.store == query.store) and (query.state is None or t.state == query.state)
    ]
    return web.json_response({"terminals": items, "count": len(items)})


class TerminalBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: Line | None = Field(default=None, max_length=253)
    # The same bounds as in the file: json.loads takes Infinity, 1e400 and 1e-300, and a till
    # that never goes overdue (or is shown with a 0ms interval) is refused.
    interval: HeartbeatInterval | None = None

    def checked_address(self) -> str | None:
        if self.address is None:
            return None
        try:
            return validate_address(self.address)
        except ValueError as exc:
            raise RequestError(str(exc), field="address", status=422) from None


def _terminal_id(request: web.Request) -> str:
    terminal_id = request.match_info["terminal"]
    if not re.match(TERMINAL_ID, terminal_id):
        raise RequestError(
            "terminal id: use letters, digits and ._:@- (at most 64)", field="terminal", status=422
        )
    return terminal_id


async def put_terminal(request: web.Request) -> web.Response:
    require(request, "admin")
    service = _service(request)
    terminal_id = _terminal_id(request)
    body = await read_json(request, TerminalBody)
    terminal = service.add_terminal(
        request.match_info["store"], terminal_id, body.checked_address(), body.interval
    )
    return web.json_response(terminal_json(terminal, service.clock.now()), status=201)


async def delete_terminal(request: web.Request) -> web.Response:
    require(request, "admin")
    service = _service(request)
    service.remove_terminal(request.match_info["store"], request.match_info["terminal"])
    return web.Response(status=204)


def setup(app: web.Application) -> None:
    app.router.add_post("/api/v1/pos/heartbeat", heartbeat)
    app.router.add_get("/api/v1/pos/stores", list_stores)
    app.router.add_get("/api/v1/pos/stores/{store}", get_store)
    app.router.add_get("/api/v1/pos/terminals", list_terminals)
    app.router.add_put("/api/v1/pos/stores/{store}/terminals/{terminal}", put_terminal)
    app.router.add_delete("/api/v1/pos/stores/{store}/terminals/{terminal}", delete_terminal)

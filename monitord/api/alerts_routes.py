"""Alert, ticket, silence and recurring-fault routes under ``/api/v1``.

Reads need a viewer (a read token; open when no tokens are configured). Working
tickets (ack, note, resolve, close, assign to oneself) needs a technician;
assigning to someone else and silences need an admin. The history records the
account's (or configured token's) name. An assignee is an enabled technician
or admin account, told on their own contacts through the outbox.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from alerts.service import AlertService
from alerts.silences import SilenceSpec
from alerts.tickets import TicketRepo
from monitord.api.auth import Forbidden, Identity, require
from monitord.api.bodies import read_json, read_query
from monitord.api.keys import ALERTS_KEY, runtime_of, service_of
from monitord.errors import NotFoundError, RequestError
from monitord.inputs import Name, Text

M = TypeVar("M", bound=BaseModel)
MAX_TICKET_ID = 2**31 - 1


class TicketQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "acknowledged", "resolved", "closed"] | None = None
    priority: Literal["urgent", "normal"] | None = None
    site: Name | None = Field(default=None, max_length=128)
    assignee: Name | None = Field(
        default=None, max_length=128, description="an account name, or me for the caller's own tickets"
    )
    limit: int = Field(default=100, ge=1, le=1000)


class AlertQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["pending", "firing", "resolved", "inactive"] | None = None
    site: Name | None = Field(default=None, max_length=128)
    target: Name | None = Field(default=None, max_length=128)


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text = Field(min_length=1, max_length=10_000)


class OptionalNoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text | None = Field(default=None, max_length=10_000)


class ResolveBody(BaseModel):
    """``force`` resolves although an alert still fires; ``note`` (required then) says why."""

    model_config = ConfigDict(extra="forbid")

    text: Text | None = Field(default=None, max_length=10_000)
    force: StrictBool = False
    note: Text | None = Field(default=None, max_length=10_000)


class CloseBody(BaseModel):
    """``root_cause`` must not be blank; ``force`` and ``note`` as for resolve."""

    model_config = ConfigDict(extra="forbid")

    root_cause: Text | None = Field(default=None, max_length=10_000)
    force: StrictBool = False
    note: Text | None = Field(default=None, max_length=10_000)


class AssignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee: Name = Field(min_length=1, max_length=128)


def _service(request: web.Request) -> AlertService:
    return service_of(request, ALERTS_KEY)


def _given(request: web.Request) -> dict[str, str]:
    """Query parameters that have a value (``?status=&site=x`` filters by site only)."""
    return {key: value for key, value in request.query.items() if value != ""}


def _ticket_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    # Ticket ids are INTEGER columns: PostgreSQL refuses anything past 2**31 - 1 (a 500 before).
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) > MAX_TICKET_ID:
        raise RequestError(f"ticket id must be a number up to {MAX_TICKET_ID}, not {raw[:40]!r}", field="id")
    return int(raw)


async def list_alerts(request: web.Request) -> web.Response:
    require(request, "read")
    query = read_query(_given(request), AlertQuery)
    service = _service(request)
    alerts = [a for a in service.evaluator.alerts.values() if a.status != "inactive" or a.flapping]
    if query.status:
        alerts = [a for a in alerts if a.status == query.status]
    if query.site:
        alerts = [a for a in alerts if a.labels.get("site") == query.site]
    if query.target:
        alerts = [a for a in alerts if a.target == query.target]
    alerts.sort(key=lambda a: (a.status != "firing", a.labels.get("site", ""), a.target, a.rule))
    return web.json_response({"alerts": [a.to_json() for a in alerts]})


async def list_tickets(request: web.Request) -> web.Response:
    identity = require(request, "read")
    query = read_query(_given(request), TicketQuery)
    repo = _repo(request)
    assignee = _assignee_filter(identity, query.assignee)
    found = await repo.search(query.status, query.priority, query.site, query.limit, assignee=assignee)
    return web.json_response({"tickets": found})


def _assignee_filter(identity: Identity, wanted: str | None) -> str | None:
    """``me`` is the caller (an account, or a configured token's name); names are lower case."""
    if wanted is None:
        return None
    return identity.name if wanted == "me" else wanted.strip().lower()


def _repo(request: web.Request) -> TicketRepo:
    pipeline = _service(request).pipeline
    if pipeline is None:
        raise NotFoundError("the alert engine has not started")
    return pipeline.tickets


async def get_ticket(request: web.Request) -> web.Response:
    require(request, "read")
    ticket_id = _ticket_id(request)
    found = await _repo(request).get(ticket_id)
    if found is None:
        raise NotFoundError(f"ticket {ticket_id} does not exist", field="id")
    return web.json_response(found)


async def ack_ticket(request: web.Request) -> web.Response:
    identity = require(request, "technician")
    body = await _optional(request, OptionalNoteBody)
    text = body.text if body else None
    return web.json_response(await _repo(request).act(_ticket_id(request), "ack", identity.name, text))


async def resolve_ticket(request: web.Request) -> web.Response:
    identity = require(request, "technician")
    body = await _optional(request, ResolveBody) or ResolveBody()
    return web.json_response(
        await _repo(request).act(
            _ticket_id(request), "resolve", identity.name, body.text, force=body.force, note=body.note
        )
    )


async def close_ticket(request: web.Request) -> web.Response:
    identity = require(request, "technician")
    body = await _optional(request, CloseBody) or CloseBody()
    return web.json_response(
        await _repo(request).act(
            _ticket_id(request), "close", identity.name, body.root_cause, force=body.force, note=body.note
        )
    )


async def note_ticket(request: web.Request) -> web.Response:
    identity = require(request, "technician")
    body = await read_json(request, NoteBody)
    return web.json_response(await _repo(request).act(_ticket_id(request), "note", identity.name, body.text))


async def assign_ticket(request: web.Request) -> web.Response:
    identity = require(request, "technician")
    body = await read_json(request, AssignBody)
    if not identity.can("admin") and body.assignee.strip().lower() != identity.name:
        raise Forbidden(f"{identity.name!r} is a technician: they may assign tickets only to themselves")
    return web.json_response(
        await _repo(request).act(_ticket_id(request), "assign", identity.name, assignee=body.assignee)
    )


async def _optional(request: web.Request, model: type[M]) -> M | None:
    """A JSON body when one was sent; these actions work without one too."""
    if not request.can_read_body:
        return None
    return await read_json(request, model)


async def recurring_faults(request: web.Request) -> web.Response:
    require(request, "read")
    _service(request)  # 404 while the alert engine is off
    window = runtime_of(request).loaded.config.alerts.tickets.recurring_window
    return web.json_response({"faults": await _repo(request).recurring(window)})


async def list_silences(request: web.Request) -> web.Response:
    require(request, "read")
    now = datetime.now(UTC)
    return web.json_response({"silences": [s.to_json(now) for s in _service(request).silences.all()]})


async def create_silence(request: web.Request) -> web.Response:
    identity = require(request, "admin")
    spec = await read_json(request, SilenceSpec)
    if spec.ends_at is not None and spec.ends_at <= datetime.now(UTC):
        # Stored, it would silence nothing and clutter the list: a typo'd year, most likely.
        raise RequestError(
            f"ends_at {spec.ends_at.isoformat()} has passed: a silence must end in the future",
            field="ends_at",
            status=422,
        )
    silence = await _service(request).add_silence(spec, identity.name)
    return web.json_response(silence.to_json(datetime.now(UTC)), status=201)


async def delete_silence(request: web.Request) -> web.Response:
    require(request, "admin")
    silence_id = request.match_info["id"]
    service = _service(request)
    if silence_id.startswith("config-") and service.silences.get(silence_id) is not None:
        raise RequestError("this silence comes from the config file; remove it there", field="id", status=409)
    if await service.remove_silence(silence_id) is None:
        raise NotFoundError(f"silence {silence_id} does not exist", field="id")
    return web.json_response({"deleted": silence_id})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/v1/alerts", list_alerts)
    app.router.add_get("/api/v1/tickets", list_tickets)
    app.router.add_get("/api/v1/tickets/{id}", get_ticket)
    app.router.add_post("/api/v1/tickets/{id}/ack", ack_ticket)
    app.router.add_post("/api/v1/tickets/{id}/resolve", resolve_ticket)
    app.router.add_post("/api/v1/tickets/{id}/close", close_ticket)
    app.router.add_post("/api/v1/tickets/{id}/notes", note_ticket)
    app.router.add_post("/api/v1/tickets/{id}/assign", assign_ticket)
    app.router.add_get("/api/v1/faults/recurring", recurring_faults)
    app.router.add_get("/api/v1/silences", list_silences)
    app.router.add_post("/api/v1/silences", create_silence)
    app.router.add_delete("/api/v1/silences/{id}", delete_silence)

"""Repair-request routes under ``/api/v1``: open a request, read and write a ticket's work log.

Opening a request and logging work need a ``technician`` token (help desk staff
and technicians hold one) or an ``admin`` token; reading the work log needs a
read token. The token's name is what the history records. Requests live in the
alert engine's ticket store, so these routes answer 404 while it is off.
"""

from __future__ import annotations

import time

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from alerts.tickets import TicketRepo
from monitord.api.auth import require
from monitord.api.bodies import read_json
from monitord.api.keys import ALERTS_KEY, runtime_of, service_of
from monitord.errors import NotFoundError, RequestError
from monitord.inputs import Name, Text
from monitord.repairs.desk import RepairDesk
from monitord.repairs.opening import Opening
from monitord.repairs.worklog import Work, WorkLog

MAX_TICKET_ID = 2**31 - 1
MAX_MINUTES = 24 * 60


class OpenRequestBody(BaseModel):
    """A repair request as a person reports it; ``urgent`` left out takes the category's default."""

    model_config = ConfigDict(extra="forbid")

    category: Name = Field(min_length=1, max_length=64, description="One of repairs.categories.")
    site: Name = Field(min_length=1, max_length=128, description="A configured site (or POS store).")
    asset: Name = Field(default="", max_length=128, description="The asset tag, if the reporter knows it.")
    description: Text = Field(min_length=1, max_length=10_000, description="What is wrong.")
    reporter: Name = Field(min_length=1, max_length=128, description="Who reported it.")
    contact: Name = Field(
        min_length=1, max_length=256, description="How to reach the reporter (phone, e-mail; not a secret)."
    )
    urgent: StrictBool | None = Field(
        default=None,
        description="true: business stops (a store cannot take payments); null: the category's default.",
    )


class WorkBody(BaseModel):
    """Time spent and parts used; ``technician`` defaults to the token's name."""

    model_config = ConfigDict(extra="forbid")

    minutes: int = Field(ge=1, le=MAX_MINUTES, strict=True, description="Minutes spent, 1 to 1440.")
    note: Text = Field(default="", max_length=10_000, description="What was done.")
    parts: list[Name] = Field(default_factory=list, max_length=50, description="Parts used, one per item.")
    technician: Name | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="Who did the work (one of repairs.technicians).",
    )


def _repo(request: web.Request) -> TicketRepo:
    pipeline = service_of(request, ALERTS_KEY).pipeline
    if pipeline is None:
        raise NotFoundError("the alert engine has not started")
    return pipeline.tickets


def desk_of(request: web.Request) -> RepairDesk:
    """The repair desk over the running alert engine's tickets, routes and outbox."""
    service = service_of(request, ALERTS_KEY)
    if service.pipeline is None or service.deliverer is None:
        raise NotFoundError("the alert engine has not started")
    return RepairDesk(service.pipeline.tickets, runtime_of(request).loaded.config, service.deliverer.wake)


def ticket_id_of(request: web.Request) -> int:
    """The ``{id}`` of every ticket route (alert tickets' too)."""
    raw = request.match_info["id"]
    # Ticket ids are INTEGER columns: PostgreSQL refuses anything past 2**31 - 1 (a 500 before).
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) > MAX_TICKET_ID:
        raise RequestError(f"ticket id must be a number up to {MAX_TICKET_ID}, not {raw[:40]!r}", field="id")
    return int(raw)


async def open_request(request: web.Request) -> web.Response:
    identity = require(request, "technician")
    body = await read_json(request, OpenRequestBody)
    opening = Opening(
        category=body.category,
        site=body.site,
        description=body.description,
        reporter=body.reporter,
        contact=body.contact,
        asset=body.asset,
        urgent=body.urgent,
    )
    ticket = await desk_of(request).open(opening, identity.name, time.time())
    return web.json_response(ticket, status=201)


async def log_work(request: web.Request) -> web.Response:
    identity = require(request, "technician")
    ticket_id = ticket_id_of(request)
    body = await read_json(request, WorkBody)
    repairs = runtime_of(request).loaded.config.repairs
    if body.technician is not None and repairs.technician(body.technician) is None:
        names = ", ".join(t.name for t in repairs.technicians) or "none are configured"
        raise RequestError(
            f"{body.technician!r} is not one of repairs.technicians ({names})", field="technician", status=422
        )
    for index, part in enumerate(body.parts):
        if not part.strip():
            raise RequestError("a part must not be blank", field=f"parts[{index}]", status=422)
    work = Work(
        technician=body.technician or identity.name,
        minutes=body.minutes,
        note=body.note.strip(),
        parts=tuple(p.strip() for p in body.parts),
    )
    repo = _repo(request)
    entry = await WorkLog(repo.store).add(repo, ticket_id, work, identity.name, time.time())
    return web.json_response(entry, status=201)


async def read_work(request: web.Request) -> web.Response:
    require(request, "read")
    ticket_id = ticket_id_of(request)
    repo = _repo(request)
    async with repo.store.engine.connect() as conn:
        if await repo.status_of(conn, ticket_id) is None:
            raise NotFoundError(f"ticket {ticket_id} does not exist", field="id")
    entries = await WorkLog(repo.store).entries(ticket_id)
    parts = [part for entry in entries for part in entry["parts"]]
    return web.json_response(
        {
            "ticket_id": ticket_id,
            "entries": entries,
            "count": len(entries),
            "total_minutes": sum(e["minutes"] for e in entries),
            "parts": parts,
        }
    )


def setup(app: web.Application) -> None:
    app.router.add_post("/api/v1/tickets", open_request)
    app.router.add_get("/api/v1/tickets/{id}/worklog", read_work)
    app.router.add_post("/api/v1/tickets/{id}/worklog", log_work)

"""Tickets: the queue with filters, a ticket's page with its history and evidence, the
on-call actions, and the recurring-faults register.

Every read and action goes through the alert engine's ``TicketRepo``, the object
the JSON API's ticket routes use, so the invariants (a root cause is not blank,
a firing ticket closes only by force with a reason) hold here too. Actions need
the technician role; the history records the signed-in account's name.
"""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from alerts.tickets import TicketRepo
from monitord.accounts.account import Account
from monitord.api.alerts_routes import AssignBody, CloseBody, NoteBody, ResolveBody
from monitord.api.keys import ACCOUNTS_KEY, ALERTS_KEY
from monitord.api.repairs_routes import MAX_TICKET_ID
from monitord.console import access, lookup
from monitord.console.forms import form_fields, validated
from monitord.console.query import read_page_query
from monitord.console.render import render, see_other
from monitord.console.session import principal_of
from monitord.errors import NotFoundError
from monitord.inputs import Name
from monitord.repairs.desk import RepairDesk

QUEUE_LIMIT = 200


class QueueQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "acknowledged", "resolved", "closed", "active"] | None = "active"
    priority: Literal["urgent", "normal"] | None = None
    site: Name | None = Field(default=None, max_length=128)
    assignee: Name | None = Field(default=None, max_length=128)
    mine: Literal["1"] | None = None


def repo_of(request: web.Request) -> TicketRepo:
    pipeline = lookup.service(request, ALERTS_KEY).pipeline
    if pipeline is None:
        raise NotFoundError("the alert engine has not started")
    return pipeline.tickets


def desk_of(request: web.Request) -> RepairDesk:
    """The repair desk the JSON API's ticket actions use: a repair request's own rules
    (a resolution to close, its technician told) apply to the console's actions too."""
    service = lookup.service(request, ALERTS_KEY)
    if service.pipeline is None or service.deliverer is None:
        raise NotFoundError("the alert engine has not started")
    return RepairDesk(service.pipeline.tickets, lookup.runtime(request).loaded.config, service.deliverer.wake)


def ticket_id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) > MAX_TICKET_ID:
        raise NotFoundError(f"no ticket {raw[:40]!r}", field="id")
    return int(raw)


async def queue(request: web.Request) -> web.Response:
    query = read_page_query({"status": "active", **request.query}, QueueQuery)
    me = principal_of(request)
    assignee = me.name if query.mine else query.assignee
    repo = repo_of(request)
    statuses = ["open", "acknowledged"] if query.status == "active" else [query.status]
    found: list[dict[str, Any]] = []
    for status in statuses:
        found += await repo.search(status, query.priority, query.site, QUEUE_LIMIT, assignee=assignee)
    found.sort(key=lambda t: (t["priority"] != "urgent", -t["id"]))
    return render(
        request,
        "tickets.html",
        {
            "title": "Tickets",
            "section": "tickets",
            "query": query,
            "tickets": found[:QUEUE_LIMIT],
            "limited": len(found) > QUEUE_LIMIT,
            "people": await assignable(request),
        },
    )


async def assignable(request: web.Request) -> list[Account]:
    """Accounts a ticket can be given to: enabled technicians and admins (no contacts shown)."""
    accounts = lookup.optional(request, ACCOUNTS_KEY)
    if accounts is None:
        return []
    return [p for p in await accounts.list() if p.enabled and p.role in ("technician", "admin")]


async def ticket_page(request: web.Request) -> web.Response:
    number = ticket_id(request)
    found = await desk_of(request).views.get(number)  # with a repair request's fields
    if found is None:
        raise NotFoundError(f"ticket {number} does not exist", field="id")
    return render(
        request,
        "ticket.html",
        {
            "title": f"Ticket #{number}",
            "section": "tickets",
            "ticket": found,
            "can_act": principal_of(request).can(access.TICKETS),
            "assign_others": principal_of(request).can(access.ASSIGN_OTHERS),
            "people": await assignable(request),
        },
    )


def _forced(fields: dict[str, str]) -> dict[str, Any]:
    """The force checkbox and its reason as the API body spells them."""
    out: dict[str, Any] = {}
    if fields.get("force") == "true":
        out["force"] = True
        out["note"] = fields.get("note", "")
    return out


async def act(request: web.Request) -> web.StreamResponse:
    me = access.require_role(request, access.TICKETS)
    number = ticket_id(request)
    action = request.match_info["action"]
    fields = await form_fields(request)
    desk = desk_of(request)
    if action == "ack":
        await desk.act(number, "ack", me.name, fields.get("text"))
    elif action == "note":
        body = validated(NoteBody, {"text": fields.get("text", "")})
        await desk.act(number, "note", me.name, body.text)
    elif action == "assign":
        assign = validated(AssignBody, {"assignee": fields.get("assignee", "")})
        assignee = assign.assignee.strip().lower()
        if assignee != me.name and not me.can(access.ASSIGN_OTHERS):
            raise access.RoleRefused(me, access.ASSIGN_OTHERS)
        await desk.act(number, "assign", me.name, assignee=assignee)
    elif action == "resolve":
        given = {"text": fields.get("text"), "resolution": fields.get("resolution") or None}
        resolve = validated(ResolveBody, {**given, **_forced(fields)})
        await desk.act(
            number,
            "resolve",
            me.name,
            resolve.text,
            force=resolve.force,
            note=resolve.note,
            resolution=resolve.resolution,
        )
    elif action == "close":
        given = {"root_cause": fields.get("root_cause", ""), "resolution": fields.get("resolution") or None}
        close = validated(CloseBody, {**given, **_forced(fields)})
        await desk.act(
            number,
            "close",
            me.name,
            close.root_cause,
            force=close.force,
            note=close.note,
            resolution=close.resolution,
        )
    else:
        raise NotFoundError(f"no ticket action {action!r}", field="action")
    return see_other(f"/console/tickets/{number}#history")


async def faults(request: web.Request) -> web.Response:
    window = lookup.runtime(request).loaded.config.alerts.tickets.recurring_window
    found = await repo_of(request).recurring(window)
    return render(
        request,
        "faults.html",
        {"title": "Recurring faults", "section": "tickets", "faults": found, "window_days": window / 86400},
    )


def setup(app: web.Application) -> None:
    app.router.add_get("/tickets", queue)
    app.router.add_get("/tickets/{id}", ticket_page)
    app.router.add_post("/tickets/{id}/{action}", act)
    app.router.add_get("/faults", faults)

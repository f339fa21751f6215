"""What the routes and the assigned technician read about a repair request.

Plain text built here rather than from ``notify.templates`` (those describe
alerts: a rule, a target, firing and resolved); a request says who reported
what, where, and how to reach them. ``short`` is the SMS form (GSM-7, one
message), used where a route's format asks for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alerts.sms import fit_sms
from alerts.templates import Message


def _where(request: Mapping[Any, Any], site: str) -> str:
    return f"{site}, asset {request['asset']}" if request["asset"] else site


def _details(ticket: Mapping[Any, Any], request: Mapping[Any, Any]) -> list[str]:
    lines = [
        f"Category: {request['category']}",
        f"Priority: {ticket['priority']}",
        f"Site: {ticket['site']}",
    ]
    if request["asset"]:
        lines.append(f"Asset: {request['asset']}")
    lines += [
        f"Reported by: {request['reporter']} ({request['contact']})",
        "",
        request["description"],
    ]
    if ticket["recurring"]:
        earlier = ", ".join(f"#{t}" for t in ticket["earlier"])
        lines += [
            "",
            f"Recurring: fault #{ticket['repeat_count']} of this asset and category (earlier {earlier})",
        ]
    return lines


def opened(ticket: Mapping[Any, Any], request: Mapping[Any, Any]) -> Message:
    """The message every matching route gets when a request is opened."""
    urgent = ticket["priority"] == "urgent"
    flag = "URGENT " if urgent else ""
    title = (
        f"{flag}Repair request #{ticket['id']}: {request['category']} at {_where(request, ticket['site'])}"
    )
    short = (
        f"{flag}#{ticket['id']} {request['category']} {_where(request, ticket['site'])}: "
        f"{request['description']} - {request['reporter']} {request['contact']}"
    )
    return Message(
        title=title,
        body="\n".join(_details(ticket, request)),
        short=fit_sms(short),
        notify_type="failure" if urgent else "warning",
    )


def assigned(
    ticket: Mapping[Any, Any], request: Mapping[Any, Any] | None, technician: str, actor: str
) -> Message:
    """The message a technician gets when a ticket is assigned to them."""
    urgent = ticket["priority"] == "urgent"
    flag = "URGENT " if urgent else ""
    if request is None:
        title = f"{flag}Ticket #{ticket['id']} assigned to you: {ticket['title']}"
        body = [f"Assigned by {actor}.", f"Site: {ticket['site']}", f"Priority: {ticket['priority']}"]
        short = f"{flag}#{ticket['id']} assigned to you: {ticket['title']}"
    else:
        where = _where(request, ticket["site"])
        title = f"{flag}Repair request #{ticket['id']} assigned to you: {request['category']} at {where}"
        body = [f"Assigned to {technician} by {actor}.", "", *_details(ticket, request)]
        short = (
            f"{flag}#{ticket['id']} for you: {request['category']} {where}: {request['description']} "
            f"- {request['reporter']} {request['contact']}"
        )
    return Message(
        title=title,
        body="\n".join(body),
        short=fit_sms(short),
        notify_type="failure" if urgent else "info",
    )

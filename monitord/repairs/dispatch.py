"""Write a repair-request message to the durable outbox, for routes or for one technician.

The rows go into the same transaction as the ticket change they announce (the
ticket opened, the ticket assigned), exactly as the alert engine's outbox stage
does: a crash loses both or keeps both, and the deliverer sends each row once.
Urgent messages go at once; normal ones follow ``notify.normal_delivery``.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.business_hours import delivery_slot
from alerts.outbox import Outbox
from alerts.routing import routes_for
from alerts.templates import Message
from alerts.tickets import SYSTEM, TicketRepo
from monitord.config.notify import NotifyConfig, RouteConfig
from monitord.config.repairs import REQUEST_RULE, TechnicianConfig


def request_labels(site: str, priority: str, category: str) -> dict[str, str]:
    """The labels routes match a request on: priority and site as for alerts; severity follows
    the priority (critical for urgent: business stops); rule is ``repair-request``."""
    return {
        "priority": priority,
        "severity": "critical" if priority == "urgent" else "warning",
        "site": site,
        "rule": REQUEST_RULE,
        "category": category,
    }


async def to_routes(  # noqa: PLR0917
    conn: AsyncConnection,
    tickets: TicketRepo,
    notify: NotifyConfig,
    ticket_id: int,
    labels: dict[str, str],
    message: Message,
    now: float,
) -> list[str]:
    """Outbox rows for every route that takes ``labels``; returns the route names."""
    routes = routes_for(notify.routes, labels)
    for route in routes:
        await _write(conn, tickets, notify, route, ticket_id, labels["priority"] == "urgent", message, now)
    return [route.name for route in routes]


async def to_technician(  # noqa: PLR0917
    conn: AsyncConnection,
    tickets: TicketRepo,
    notify: NotifyConfig,
    technician: TechnicianConfig,
    ticket_id: int,
    urgent: bool,
    message: Message,
    now: float,
) -> None:
    """Outbox rows for each of the technician's contact URLs."""
    await _write(conn, tickets, notify, technician.contact_route(), ticket_id, urgent, message, now)


async def _write(  # noqa: PLR0917
    conn: AsyncConnection,
    tickets: TicketRepo,
    notify: NotifyConfig,
    route: RouteConfig,
    ticket_id: int,
    urgent: bool,
    message: Message,
    now: float,
) -> None:
    not_before, digest = delivery_slot(notify, urgent, now)
    message_id = uuid.uuid4().hex
    await Outbox.add(
        conn,
        [
            {
                "key": f"{message_id}-{index}",
                "route": route.name,
                "url_index": index,
                "title": message.title,
                "body": message.body,
                "short": message.short,
                "notify_type": message.notify_type,
                "created_at": now,
                "next_attempt_at": not_before,
                "digest": digest,
            }
            for index in range(len(route.urls))
        ],
    )
    await tickets.event(
        conn,
        ticket_id,
        "notified",
        SYSTEM,
        f"route {route.name}: {message.title} (message {message_id[:12]})",
        now,
    )

"""Tickets assigned to accounts: checking the assignee and telling them through the outbox.

An assignee is an enabled account with the technician or admin role (the
ticket's ``assignee`` column holds its name). The notice goes to each of the
assignee's own contact URLs as an ordinary outbox row (route
``account:<name>``), written in the same transaction as the assignment, so it
is delivered, retried and never duplicated like every other message. Someone
who assigns a ticket to themselves is not told about it.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.outbox import Outbox
from alerts.sms import fit_sms
from monitord.accounts.contacts import account_route, assignable
from monitord.errors import RequestError


async def checked_assignee(conn: AsyncConnection, name: str | None) -> tuple[str, int]:
    """(account name, its contact count); 422 when ``name`` cannot take tickets."""
    if name is None or not name.strip():
        raise RequestError("assignee must name an account", field="assignee", status=422)
    return await assignable(conn, name)


async def queue_notice(  # noqa: PLR0917  the notice is these facts
    conn: AsyncConnection,
    ticket: Any,
    assignee: str,
    contacts: int,
    actor: str,
    now: float,
) -> int:
    """Outbox rows telling ``assignee`` the ticket is theirs; how many were queued."""
    if actor == assignee or contacts == 0:
        return 0
    ticket_id = ticket["id"]
    title = f"Ticket #{ticket_id} assigned to you"
    body = (
        f"{actor} assigned ticket #{ticket_id} to you.\n"
        f"{ticket['title']}\n"
        f"priority {ticket['priority']}, site {ticket['site'] or '-'}, status {ticket['status']}"
    )
    short = fit_sms(f"#{ticket_id} assigned to you by {actor}: {ticket['title']}")
    nonce = secrets.token_hex(6)
    rows = [
        {
            "key": f"assign:{ticket_id}:{nonce}:{index}",
            "route": account_route(assignee),
            "url_index": index,
            "title": title,
            "body": body,
            "short": short,
            "notify_type": "warning" if ticket["priority"] == "urgent" else "info",
            "created_at": now,
            "next_attempt_at": now,
        }
        for index in range(contacts)
    ]
    await Outbox.add(conn, rows)
    return len(rows)

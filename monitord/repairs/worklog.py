"""The work log: time spent and parts used on a ticket, and the figures reports read.

Entries may be written on any ticket (a repair request or an alert ticket: time
on either is work), each with the technician who did the work, and go into the
ticket's history too. The read functions (``minutes_by_technician``,
``request_counts``) are what management reports use; periods are half-open
``[since, until)`` in epoch seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from alerts.clock import iso
from alerts.tables import tickets
from alerts.tickets import TicketRepo
from monitord.errors import NotFoundError
from monitord.repairs.tables import repair_requests, repair_worklog
from monitord.store.engine import StateStore


@dataclass(frozen=True, slots=True)
class Work:
    """One work-log entry as given."""

    technician: str
    minutes: int
    note: str = ""
    parts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RequestCount:
    category: str
    priority: str
    count: int


def entry_json(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "ticket_id": row["ticket_id"],
        "technician": row["technician"],
        "at": iso(row["at"]),
        "minutes": row["minutes"],
        "note": row["note"],
        "parts": list(row["parts"]),
        "logged_by": row["logged_by"],
    }


class WorkLog:
    def __init__(self, store: StateStore) -> None:
        self.store = store

    async def add(
        self, repo: TicketRepo, ticket_id: int, work: Work, actor: str, now: float
    ) -> dict[str, Any]:
        """Log ``work`` on the ticket and note it in the ticket's history; 404 for no such ticket."""
        async with self.store.engine.begin() as conn:
            if await repo.status_of(conn, ticket_id) is None:
                raise NotFoundError(f"ticket {ticket_id} does not exist", field="id")
            row = {
                "ticket_id": ticket_id,
                "technician": work.technician,
                "at": now,
                "minutes": work.minutes,
                "note": work.note,
                "parts": list(work.parts),
                "logged_by": actor,
            }
            entry_id = (
                await conn.execute(repair_worklog.insert().values(**row).returning(repair_worklog.c.id))
            ).scalar_one()
            text = f"{work.technician}: {work.minutes} min"
            if work.parts:
                text += f"; parts: {', '.join(work.parts)}"
            if work.note:
                text += f"; {work.note}"
            await repo.event(conn, ticket_id, "worklog", actor, text, now)
        return entry_json({**row, "id": int(entry_id)})

    async def entries(self, ticket_id: int) -> list[dict[str, Any]]:
        async with self.store.engine.connect() as conn:
            rows = (
                (
                    await conn.execute(
                        select(repair_worklog)
                        .where(repair_worklog.c.ticket_id == ticket_id)
                        .order_by(repair_worklog.c.id)
                    )
                )
                .mappings()
                .all()
            )
        return [entry_json(row) for row in rows]

    # -- what reports read ---------------------------------------------------------------

    async def minutes_by_technician(self, since: float, until: float) -> dict[str, int]:
        """Minutes logged per technician in ``[since, until)``, by when the entry was logged."""
        minutes = func.sum(repair_worklog.c.minutes)
        query = (
            select(repair_worklog.c.technician, minutes)
            .where(repair_worklog.c.at >= since, repair_worklog.c.at < until)
            .group_by(repair_worklog.c.technician)
            .order_by(repair_worklog.c.technician)
        )
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {str(name): int(total) for name, total in rows}

    async def tickets_by_technician(self, since: float, until: float) -> dict[str, int]:
        """Distinct tickets each technician logged work on in ``[since, until)``."""
        count = func.count(func.distinct(repair_worklog.c.ticket_id))
        query = (
            select(repair_worklog.c.technician, count)
            .where(repair_worklog.c.at >= since, repair_worklog.c.at < until)
            .group_by(repair_worklog.c.technician)
            .order_by(repair_worklog.c.technician)
        )
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {str(name): int(total) for name, total in rows}

    async def request_counts(self, since: float, until: float) -> list[RequestCount]:
        """Repair requests opened in ``[since, until)`` per category and priority."""
        count = func.count(tickets.c.id)
        query = (
            select(repair_requests.c.category, tickets.c.priority, count)
            .select_from(repair_requests.join(tickets, tickets.c.id == repair_requests.c.ticket_id))
            .where(tickets.c.opened_at >= since, tickets.c.opened_at < until)
            .group_by(repair_requests.c.category, tickets.c.priority)
            .order_by(repair_requests.c.category, tickets.c.priority)
        )
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [RequestCount(str(c), str(p), int(n)) for c, p, n in rows]

    async def requests_by_category(self, since: float, until: float) -> dict[str, int]:
        totals: dict[str, int] = {}
        for row in await self.request_counts(since, until):
            totals[row.category] = totals.get(row.category, 0) + row.count
        return totals

    async def requests_by_priority(self, since: float, until: float) -> dict[str, int]:
        totals: dict[str, int] = {}
        for row in await self.request_counts(since, until):
            totals[row.priority] = totals.get(row.priority, 0) + row.count
        return totals

"""Tickets as the API shows them: every ticket says its kind, a request carries its fields.

``kind`` is ``request`` for a ticket with a ``repair_requests`` row and
``alert`` otherwise; ``request`` holds the request's fields (or null), and a
single ticket also shows the minutes logged on it (``work_minutes``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from sqlalchemy import func, select

from alerts.tables import tickets
from alerts.tickets import TicketRepo, ticket_json
from monitord.repairs.tables import repair_requests, repair_worklog

Kind = Literal["request", "alert"]
REQUEST_FIELDS = ("category", "asset", "description", "reporter", "contact", "opened_by", "resolution")


def request_json(row: Mapping[Any, Any] | None) -> dict[str, Any] | None:
    if row is None or row.get("category") is None:
        return None
    return {name: row[name] for name in REQUEST_FIELDS}


def with_kind(body: dict[str, Any], request: Mapping[Any, Any] | None) -> dict[str, Any]:
    fields = request_json(request)
    body["kind"] = "alert" if fields is None else "request"
    body["request"] = fields
    return body


class TicketViews:
    def __init__(self, repo: TicketRepo) -> None:
        self.repo = repo

    async def get(self, ticket_id: int) -> dict[str, Any] | None:
        body = await self.repo.get(ticket_id)
        if body is None:
            return None
        async with self.repo.store.engine.connect() as conn:
            request = (
                (await conn.execute(select(repair_requests).where(repair_requests.c.ticket_id == ticket_id)))
                .mappings()
                .first()
            )
            minutes = (
                await conn.execute(
                    select(func.coalesce(func.sum(repair_worklog.c.minutes), 0)).where(
                        repair_worklog.c.ticket_id == ticket_id
                    )
                )
            ).scalar_one()
        body["work_minutes"] = int(minutes)
        return with_kind(body, request)

    async def search(  # noqa: PLR0917
        self,
        status: str | None = None,
        priority: str | None = None,
        site: str | None = None,
        kind: Kind | None = None,
        category: str | None = None,
        asset: str | None = None,
        limit: int = 100,
        *,
        assignee: str | None = None,
    ) -> list[dict[str, Any]]:
        """Tickets newest first; ``kind``, ``category`` and ``asset`` filter on the request's row,
        ``assignee`` on the account (or technician) the ticket is assigned to."""
        columns = [repair_requests.c[name] for name in REQUEST_FIELDS]
        query = (
            select(tickets, *columns)
            .select_from(tickets.outerjoin(repair_requests, repair_requests.c.ticket_id == tickets.c.id))
            .order_by(tickets.c.id.desc())
            .limit(limit)
        )
        if status:
            query = query.where(tickets.c.status == status)
        if priority:
            query = query.where(tickets.c.priority == priority)
        if site:
            query = query.where(tickets.c.site == site)
        if assignee:
            query = query.where(tickets.c.assignee == assignee)
        if kind == "request":
            query = query.where(repair_requests.c.ticket_id.is_not(None))
        elif kind == "alert":
            query = query.where(repair_requests.c.ticket_id.is_(None))
        if category:
            query = query.where(repair_requests.c.category == category)
        if asset:
            query = query.where(repair_requests.c.asset == asset)
        async with self.repo.store.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [with_kind(ticket_json(row), row) for row in rows]

"""The repair desk: open a request, and the ticket actions with a request's own rules.

Opening writes the ticket (the alert engine's ``tickets`` table, so the
lifecycle, the recurring-fault rule and the reports are shared), the request's
own row, its history and the routes' outbox rows in one transaction. Actions go
through ``TicketRepo.act`` with a check that adds what a request needs:

- resolving or closing a request needs a resolution (given then, or earlier);
- a request is assigned to a configured technician only, and whoever of
  ``repairs.technicians`` a ticket (request or alert) is assigned to is sent it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import RowMapping, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.tables import tickets
from alerts.tickets import SYSTEM, TicketRepo
from monitord.config.model import MonitordConfig
from monitord.errors import ConflictError, RequestError
from monitord.repairs import dispatch, messages
from monitord.repairs.opening import Opening, check_opening, resolution_text
from monitord.repairs.tables import repair_requests
from monitord.repairs.views import TicketViews


class RepairDesk:
    def __init__(self, repo: TicketRepo, config: MonitordConfig, wake: Callable[[], None]) -> None:
        self.repo = repo
        self.config = config
        self.views = TicketViews(repo)
        self._wake = wake

    async def open(self, opening: Opening, actor: str, now: float) -> dict[str, Any]:
        """Open a request; the routes that take it are told (urgent at once)."""
        checked = check_opening(opening, self.config)
        given = checked.opening
        window = self.repo.recurring_window
        async with self.repo.store.engine.begin() as conn:
            earlier: list[int] = []
            if given.asset:
                earlier = [
                    int(i)
                    for i in (
                        await conn.execute(
                            select(tickets.c.id)
                            .where(
                                tickets.c.fingerprint == checked.fingerprint,
                                tickets.c.opened_at >= now - window,
                                tickets.c.merged_into.is_(None),
                            )
                            .order_by(tickets.c.id)
                        )
                    ).scalars()
                ]
            where = f"{given.site} ({given.asset})" if given.asset else given.site
            summary = given.description.splitlines()[0]
            labels = dispatch.request_labels(given.site, checked.priority, given.category)
            ticket_row = {
                "fingerprint": checked.fingerprint,
                "title": f"{given.category} at {where}: {summary}"[:500],
                "rule": labels["rule"],
                "target": given.asset,
                "site": given.site,
                "severity": labels["severity"],
                "priority": checked.priority,
                "status": "open",
                "assignee": None,
                "recurring": bool(earlier),
                "repeat_count": len(earlier) + 1,
                "earlier": earlier,
                "root_cause": None,
                "merged_into": None,
                "opened_at": now,
                "updated_at": now,
            }
            ticket_id = int(
                (
                    await conn.execute(tickets.insert().values(**ticket_row).returning(tickets.c.id))
                ).scalar_one()
            )
            request_row = {
                "ticket_id": ticket_id,
                "category": given.category,
                "asset": given.asset,
                "description": given.description,
                "reporter": given.reporter,
                "contact": given.contact,
                "opened_by": actor,
                "resolution": None,
            }
            await conn.execute(repair_requests.insert().values(**request_row))
            await self.repo.event(
                conn,
                ticket_id,
                "opened",
                actor,
                f"repair request ({given.category}, {checked.priority}) reported by {given.reporter}: "
                f"{given.description}",
                now,
            )
            if earlier:
                await self.repo.event(
                    conn,
                    ticket_id,
                    "recurring",
                    SYSTEM,
                    f"request #{len(earlier) + 1} for {given.asset} ({given.category}) in the window; "
                    "earlier tickets " + ", ".join(f"#{t}" for t in earlier),
                    now,
                )
            message = messages.opened({**ticket_row, "id": ticket_id}, request_row)
            routes = await dispatch.to_routes(
                conn, self.repo, self.config.notify, ticket_id, labels, message, now
            )
        if routes:
            self._wake()
        found = await self.views.get(ticket_id)
        assert found is not None
        return found

    async def act(
        self,
        ticket_id: int,
        action: str,
        actor: str,
        text: str | None = None,
        assignee: str | None = None,
        *,
        force: bool = False,
        note: str | None = None,
        resolution: str | None = None,
    ) -> dict[str, Any]:
        """``TicketRepo.act`` with a request's rules; answers the ticket as ``get`` does."""
        cleaned = None if resolution is None else resolution_text(resolution)
        told: list[str] = []

        async def check(conn: AsyncConnection, row: RowMapping, now: float) -> None:
            request = await _request_row(conn, ticket_id)
            if cleaned is not None and request is None:
                raise RequestError(
                    f"ticket {ticket_id} is an alert ticket; a resolution goes with repair requests "
                    "(use root_cause or a note)",
                    field="resolution",
                    status=422,
                )
            if request is not None and action in ("resolve", "close"):
                await self._resolution(conn, ticket_id, request, action, cleaned, actor, now)
            if (
                action == "assign"
                and assignee is not None
                and await self._assign(conn, row, request, assignee, actor, now)
            ):
                told.append(assignee)

        technicians = frozenset(t.name for t in self.config.repairs.technicians)
        await self.repo.act(
            ticket_id,
            action,
            actor,
            text,
            assignee,
            force=force,
            note=note,
            check=check,
            technicians=technicians,
        )
        if told:
            self._wake()
        found = await self.views.get(ticket_id)
        assert found is not None
        return found

    async def _resolution(  # noqa: PLR0917
        self,
        conn: AsyncConnection,
        ticket_id: int,
        request: Mapping[Any, Any],
        action: str,
        given: str | None,
        actor: str,
        now: float,
    ) -> None:
        if given is None:
            if not request["resolution"]:
                outcome = "resolved" if action == "resolve" else "closed"
                raise ConflictError(
                    f"repair request {ticket_id} cannot be {outcome} without a resolution: "
                    "send resolution saying what was done",
                    field="resolution",
                )
            return
        await conn.execute(
            update(repair_requests).where(repair_requests.c.ticket_id == ticket_id).values(resolution=given)
        )
        await self.repo.event(conn, ticket_id, "resolution", actor, given, now)

    async def _assign(  # noqa: PLR0917
        self,
        conn: AsyncConnection,
        row: Mapping[Any, Any],
        request: Mapping[Any, Any] | None,
        assignee: str,
        actor: str,
        now: float,
    ) -> bool:
        """Send the ticket to a configured technician; False when the assignee is an account
        instead (``TicketRepo.act`` checked it and queued the notice to its own contacts)."""
        technician = self.config.repairs.technician(assignee)
        if technician is None:
            return False
        message = messages.assigned(row, request, assignee, actor)
        await dispatch.to_technician(
            conn,
            self.repo,
            self.config.notify,
            technician,
            int(row["id"]),
            row["priority"] == "urgent",
            message,
            now,
        )
        return True


async def _request_row(conn: AsyncConnection, ticket_id: int) -> RowMapping | None:
    return (
        (await conn.execute(select(repair_requests).where(repair_requests.c.ticket_id == ticket_id)))
        .mappings()
        .first()
    )

"""Stage: tickets, the department's fault records.

One ticket per firing alert (children of a down parent join the parent's
ticket: one incident per site). Lifecycle open -> acknowledged -> resolved ->
closed, with every step, note and notification in ``ticket_events``. A
fingerprint that fires again within ``recurring_window`` links to its earlier
tickets, counts the repeats and marks the ticket ``recurring``; such a ticket
cannot be closed without a root-cause note.

The invariants live here, so the API, the CLI (which goes through the API) and
the engine share them:

- a root cause is text after trimming; a blank one is refused (422, ``root_cause``);
- a ticket with an alert still firing cannot be resolved or closed (409), unless
  the caller says ``force`` and gives a non-blank ``note``, which the history
  records. "Firing" is read from the saved alert rows (``alert_state``), written
  in the same transaction as the ticket records, so it holds after a restart and
  matches what the engine will resume from; the quiet-period auto-close obeys
  the same rule;
- evidence seen again (the same text on the same ticket) is counted on its
  first history entry with the time it was last seen, not appended each round.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any

from sqlalchemy import RowMapping, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.assignment import checked_assignee, queue_notice
from alerts.clock import iso
from alerts.state import Alert
from alerts.tables import alert_state, ticket_alerts, ticket_events, tickets
from monitord.errors import ConflictError, NotFoundError, RequestError
from monitord.store.engine import StateStore

OPEN_STATES = ("open", "acknowledged")
SYSTEM = "monitord"

# A ticket kind's own rule for an action (a repair request needs a resolution, its assignee is
# told): called with the ticket row as it was, last in the action's transaction, after the
# lifecycle checks; it may write rows of its own, or raise a RequestError to undo the action.
ActionCheck = Callable[[AsyncConnection, RowMapping, float], Awaitable[None]]


class TicketRepo:
    def __init__(
        self, store: StateStore, recurring_window: float, wake: Callable[[], None] | None = None
    ) -> None:
        self.store = store
        self.recurring_window = recurring_window
        self.wake = wake  # prompt delivery of the outbox rows an assignment writes

    # -- called by the engine inside its transaction -------------------------------------

    async def open(self, conn: AsyncConnection, alert: Alert, priority: str, now: float) -> int:
        earlier_rows = (
            (
                await conn.execute(
                    select(ticket_alerts.c.ticket_id)
                    .where(
                        ticket_alerts.c.fingerprint == alert.fingerprint,
                        ticket_alerts.c.attached_at >= now - self.recurring_window,
                    )
                    .order_by(ticket_alerts.c.ticket_id)
                )
            )
            .scalars()
            .all()
        )
        earlier = sorted(set(earlier_rows))
        title = f"{alert.rule} on {alert.target}: {alert.summary}"[:500]
        result = await conn.execute(
            tickets.insert()
            .values(
                fingerprint=alert.fingerprint,
                title=title,
                rule=alert.rule,
                target=alert.target,
                site=alert.labels.get("site", ""),
                severity=alert.labels.get("severity", "warning"),
                priority=priority,
                status="open",
                assignee=None,
                recurring=bool(earlier),
                repeat_count=len(earlier) + 1,
                earlier=earlier,
                root_cause=None,
                merged_into=None,
                opened_at=now,
                updated_at=now,
            )
            .returning(tickets.c.id)
        )
        ticket_id = int(result.scalar_one())
        await self._attach_row(conn, ticket_id, alert, now)
        await self.event(conn, ticket_id, "opened", SYSTEM, f"{alert.rule} fired: {alert.summary}", now)
        if earlier:
            await self.event(
                conn,
                ticket_id,
                "recurring",
                SYSTEM,
                f"fault #{len(earlier) + 1} in the window; earlier tickets "
                + ", ".join(f"#{t}" for t in earlier),
                now,
            )
        if alert.evidence:
            await self.evidence(conn, ticket_id, alert.target, alert.evidence, now)
        return ticket_id

    async def attach(self, conn: AsyncConnection, ticket_id: int, alert: Alert, now: float, why: str) -> None:
        await self._attach_row(conn, ticket_id, alert, now)
        await self.event(
            conn,
            ticket_id,
            "attached",
            SYSTEM,
            f"{alert.rule} on {alert.target} ({why}): {alert.summary}",
            now,
        )

    async def _attach_row(self, conn: AsyncConnection, ticket_id: int, alert: Alert, now: float) -> None:
        exists = (
            await conn.execute(
                select(ticket_alerts.c.ticket_id).where(
                    ticket_alerts.c.ticket_id == ticket_id,
                    ticket_alerts.c.fingerprint == alert.fingerprint,
                )
            )
        ).first()
        if exists:
            await conn.execute(
                update(ticket_alerts)
                .where(
                    ticket_alerts.c.ticket_id == ticket_id,
                    ticket_alerts.c.fingerprint == alert.fingerprint,
                )
                .values(resolved_at=None)
            )
            return
        await conn.execute(
            ticket_alerts.insert().values(
                ticket_id=ticket_id,
                fingerprint=alert.fingerprint,
                rule=alert.rule,
                target=alert.target,
                attached_at=now,
                resolved_at=None,
            )
        )

    async def status_of(self, conn: AsyncConnection, ticket_id: int) -> str | None:
        value = (await conn.execute(select(tickets.c.status).where(tickets.c.id == ticket_id))).scalar()
        return None if value is None else str(value)

    async def alert_resolved(self, conn: AsyncConnection, ticket_id: int, alert: Alert, now: float) -> bool:
        """Record a recovery; auto-resolve the ticket when its last alert recovered."""
        await conn.execute(
            update(ticket_alerts)
            .where(
                ticket_alerts.c.ticket_id == ticket_id,
                ticket_alerts.c.fingerprint == alert.fingerprint,
            )
            .values(resolved_at=now)
        )
        await self.event(
            conn, ticket_id, "recovered", SYSTEM, f"{alert.rule} on {alert.target} recovered", now
        )
        remaining = (
            await conn.execute(
                select(func.count())
                .select_from(ticket_alerts)
                .where(
                    ticket_alerts.c.ticket_id == ticket_id,
                    ticket_alerts.c.resolved_at.is_(None),
                )
            )
        ).scalar_one()
        if remaining:
            return False
        changed = await conn.execute(
            update(tickets)
            .where(
                tickets.c.id == ticket_id,
                tickets.c.status.in_(OPEN_STATES),
            )
            .values(status="resolved", resolved_at=now, updated_at=now)
        )
        if changed.rowcount:
            await self.event(conn, ticket_id, "resolved", SYSTEM, "every alert recovered", now)
            return True
        return False

    async def merge(self, conn: AsyncConnection, child_id: int, parent_id: int, now: float) -> None:
        """Fold a child's ticket into its parent's (the parent turned out to be down)."""
        rows = (
            (await conn.execute(select(ticket_alerts).where(ticket_alerts.c.ticket_id == child_id)))
            .mappings()
            .all()
        )
        for row in rows:
            dup = (
                await conn.execute(
                    select(ticket_alerts.c.ticket_id).where(
                        ticket_alerts.c.ticket_id == parent_id,
                        ticket_alerts.c.fingerprint == row["fingerprint"],
                    )
                )
            ).first()
            if not dup:
                await conn.execute(ticket_alerts.insert().values({**row, "ticket_id": parent_id}))
        await conn.execute(
            update(tickets)
            .where(tickets.c.id == child_id)
            .values(
                status="closed",
                merged_into=parent_id,
                closed_at=now,
                updated_at=now,
                root_cause=f"merged into #{parent_id} (parent down)",
            )
        )
        await self.event(conn, child_id, "merged", SYSTEM, f"merged into ticket #{parent_id}", now)
        await self.event(
            conn, parent_id, "attached", SYSTEM, f"ticket #{child_id} merged here (dependent target)", now
        )

    async def event(  # noqa: PLR0917
        self,
        conn: AsyncConnection,
        ticket_id: int,
        kind: str,
        actor: str,
        text: str,
        now: float | None = None,
    ) -> None:
        await conn.execute(
            ticket_events.insert().values(
                ticket_id=ticket_id,
                at=time.time() if now is None else now,
                kind=kind,
                actor=actor,
                text=text[:20000],
            )
        )

    async def evidence(
        self, conn: AsyncConnection, ticket_id: int, target: str, lines: Sequence[str], now: float
    ) -> None:
        """Evidence lines of ``target`` for the history; seen again, they count on their first entry.

        A store that stays dark reports the same dark tills every evaluation round:
        one entry with "seen 19 times, last at ..." says that, 19 entries bury it.
        """
        text = (f"{target}:\n" + "\n".join(lines))[:20000]
        seen = (
            await conn.execute(
                select(ticket_events.c.id)
                .where(
                    ticket_events.c.ticket_id == ticket_id,
                    ticket_events.c.kind == "evidence",
                    ticket_events.c.text == text,
                )
                .order_by(ticket_events.c.id.desc())
                .limit(1)
            )
        ).scalar()
        if seen is None:
            await self.event(conn, ticket_id, "evidence", SYSTEM, text, now)
            return
        await conn.execute(
            update(ticket_events)
            .where(ticket_events.c.id == seen)
            .values(count=ticket_events.c.count + 1, last_at=now)
        )

    async def firing(self, conn: AsyncConnection, ticket_id: int) -> list[str]:
        """``rule on target`` for every saved alert of the ticket that still fires."""
        rows = (
            await conn.execute(
                select(alert_state.c.rule, alert_state.c.target)
                .where(
                    alert_state.c.ticket_id == ticket_id,
                    alert_state.c.status == "firing",
                )
                .order_by(alert_state.c.rule, alert_state.c.target)
            )
        ).all()
        return [f"{rule} on {target}" for rule, target in rows]

    async def auto_close(self, quiet: float, now: float) -> list[int]:
        """Close resolved tickets quiet for ``quiet`` seconds (recurring ones need a root cause).

        A ticket resolved by force while an alert still fires stays resolved until it stops.
        """
        still_firing = select(alert_state.c.ticket_id).where(
            alert_state.c.status == "firing", alert_state.c.ticket_id.is_not(None)
        )
        async with self.store.engine.begin() as conn:
            ids = (
                (
                    await conn.execute(
                        select(tickets.c.id).where(
                            tickets.c.status == "resolved",
                            tickets.c.resolved_at <= now - quiet,
                            ~and_(tickets.c.recurring.is_(True), tickets.c.root_cause.is_(None)),
                            tickets.c.id.not_in(still_firing),
                        )
                    )
                )
                .scalars()
                .all()
            )
            for ticket_id in ids:
                await conn.execute(
                    update(tickets)
                    .where(tickets.c.id == ticket_id)
                    .values(status="closed", closed_at=now, updated_at=now)
                )
                await self.event(conn, ticket_id, "closed", SYSTEM, "quiet period over", now)
        return list(ids)

    # -- on-call actions (API) -------------------------------------------------------------

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
        check: ActionCheck | None = None,
        technicians: Collection[str] = (),
    ) -> dict[str, Any]:
        """One on-call action; ``text`` is the note, or the root cause for ``close``.

        An assignee is an enabled technician or admin account, told on its own contacts,
        or one of ``technicians`` (``repairs.technicians``: the ticket kind's ``check``
        tells them).

        ``force`` (resolve and close only) overrides "an alert still fires" and
        needs ``note``, the reason, which the history records. ``check`` is the
        ticket kind's own rule (``ActionCheck``).
        """
        now = time.time()
        forced_note = _force_note(action, force, note)
        queued = 0
        if action == "close" and text is not None:
            text = root_cause(text)
        async with self.store.engine.begin() as conn:
            row = (await conn.execute(select(tickets).where(tickets.c.id == ticket_id))).mappings().first()
            if row is None:
                raise NotFoundError(f"ticket {ticket_id} does not exist", field="id")
            status = row["status"]
            values: dict[str, Any] = {"updated_at": now}
            firing: list[str] = []
            if action == "ack":
                if status != "open":
                    raise ConflictError(
                        f"ticket {ticket_id} is {status}; only an open ticket can be acknowledged"
                    )
                values.update(status="acknowledged", acknowledged_at=now)
                if row["assignee"] is None:
                    values["assignee"] = actor
            elif action == "resolve":
                if status not in OPEN_STATES:
                    raise ConflictError(f"ticket {ticket_id} is already {status}")
                firing = await self._check_firing(conn, ticket_id, "resolved", forced_note)
                values.update(status="resolved", resolved_at=now)
                if row["acknowledged_at"] is None:
                    values["acknowledged_at"] = now
            elif action == "close":
                if status == "closed":
                    raise ConflictError(f"ticket {ticket_id} is already closed")
                cause = text or row["root_cause"]
                if row["recurring"] and not cause:
                    raise ConflictError(
                        f"ticket {ticket_id} is a recurring fault: closing it needs a root-cause note",
                        field="root_cause",
                    )
                firing = await self._check_firing(conn, ticket_id, "closed", forced_note)
                values.update(status="closed", closed_at=now, root_cause=cause)
                if row["resolved_at"] is None:
                    values["resolved_at"] = now
            elif action == "assign":
                if assignee is not None and assignee in technicians:
                    contacts = 0  # a configured technician: the repair desk's check tells them
                else:
                    try:
                        assignee, contacts = await checked_assignee(conn, assignee)
                    except RequestError as exc:
                        if not technicians:
                            raise
                        raise RequestError(
                            f"{exc}; nor is it one of repairs.technicians ({', '.join(sorted(technicians))})",
                            field="assignee",
                            status=422,
                        ) from None
                values["assignee"] = assignee
            elif action == "note":
                pass
            else:
                raise RequestError(f"unknown action {action!r}")
            await conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(**values))
            detail = {
                "ack": "acknowledged",
                "resolve": "resolved by hand",
                "close": "closed",
                "assign": f"assigned to {assignee}",
                "note": "",
            }[action]
            message = f"{detail}: {text}" if text and detail else (text or detail)
            await self.event(conn, ticket_id, "note" if action == "note" else action, actor, message, now)
            if action == "assign" and assignee is not None:
                queued = await queue_notice(conn, {**row, **values}, assignee, contacts, actor, now)
            if firing:
                await self.event(
                    conn,
                    ticket_id,
                    "forced",
                    actor,
                    f"{detail} while {', '.join(firing)} still fired: {forced_note}",
                    now,
                )
            elif forced_note is not None:
                await self.event(conn, ticket_id, "note", actor, forced_note, now)
            if check is not None:
                await check(conn, row, now)
        if queued and self.wake is not None:
            self.wake()
        found = await self.get(ticket_id)
        assert found is not None
        return found

    async def _check_firing(
        self, conn: AsyncConnection, ticket_id: int, outcome: str, forced_note: str | None
    ) -> list[str]:
        """The firing alerts a forced action overrides; 409 when they fire and it is not forced."""
        firing = await self.firing(conn, ticket_id)
        if firing and forced_note is None:
            raise ConflictError(
                f"ticket {ticket_id} cannot be {outcome} while an alert on it still fires "
                f"({', '.join(firing)}); wait for the recovery, or send force: true with a note "
                "saying why",
                field="force",
            )
        return firing

    # -- queries ---------------------------------------------------------------------------

    async def search(
        self,
        status: str | None = None,
        priority: str | None = None,
        site: str | None = None,
        limit: int = 100,
        *,
        assignee: str | None = None,
        target: str | None = None,
    ) -> list[dict[str, Any]]:
        query = select(tickets).order_by(tickets.c.id.desc()).limit(limit)
        if assignee:
            query = query.where(tickets.c.assignee == assignee)
        if target:
            query = query.where(tickets.c.target == target)
        if status:
            query = query.where(tickets.c.status == status)
        if priority:
            query = query.where(tickets.c.priority == priority)
        if site:
            query = query.where(tickets.c.site == site)
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [ticket_json(row) for row in rows]

    async def get(self, ticket_id: int) -> dict[str, Any] | None:
        async with self.store.engine.connect() as conn:
            row = (await conn.execute(select(tickets).where(tickets.c.id == ticket_id))).mappings().first()
            if row is None:
                return None
            events = (
                (
                    await conn.execute(
                        select(ticket_events)
                        .where(ticket_events.c.ticket_id == ticket_id)
                        .order_by(ticket_events.c.id)
                    )
                )
                .mappings()
                .all()
            )
            alerts = (
                (
                    await conn.execute(
                        select(ticket_alerts)
                        .where(ticket_alerts.c.ticket_id == ticket_id)
                        .order_by(ticket_alerts.c.attached_at)
                    )
                )
                .mappings()
                .all()
            )
            earlier_ids = list(row["earlier"])
            earlier = (
                (
                    await conn.execute(
                        select(tickets).where(tickets.c.id.in_(earlier_ids)).order_by(tickets.c.id)
                    )
                )
                .mappings()
                .all()
                if earlier_ids
                else []
            )
        body = ticket_json(row)
        body["history"] = [
            {
                "at": iso(e["at"]),
                "kind": e["kind"],
                "actor": e["actor"],
                "text": e["text"],
                "count": e["count"],
                "last_at": iso(e["last_at"]),
            }
            for e in events
        ]
        body["alerts"] = [
            {
                "fingerprint": a["fingerprint"],
                "rule": a["rule"],
                "target": a["target"],
                "attached_at": iso(a["attached_at"]),
                "resolved_at": iso(a["resolved_at"]),
            }
            for a in alerts
        ]
        body["earlier_faults"] = [ticket_json(e) for e in earlier]
        return body

    async def recurring(self, window: float, limit: int = 100) -> list[dict[str, Any]]:
        """Fingerprints with more than one ticket in the window, most frequent first."""
        since = time.time() - window
        count = func.count(tickets.c.id).label("count")
        query = (
            select(
                tickets.c.fingerprint,
                tickets.c.rule,
                tickets.c.target,
                tickets.c.site,
                count,
                func.max(tickets.c.id).label("last_ticket"),
                func.max(tickets.c.opened_at).label("last_opened"),
            )
            .where(tickets.c.opened_at >= since, tickets.c.merged_into.is_(None))
            .group_by(tickets.c.fingerprint, tickets.c.rule, tickets.c.target, tickets.c.site)
            .having(count > 1)
            .order_by(count.desc(), tickets.c.fingerprint)
            .limit(limit)
        )
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
            out = []
            for row in rows:
                causes = (
                    await conn.execute(
                        select(tickets.c.id, tickets.c.root_cause)
                        .where(
                            tickets.c.fingerprint == row["fingerprint"],
                            tickets.c.root_cause.is_not(None),
                        )
                        .order_by(tickets.c.id)
                    )
                ).all()
                out.append(
                    {
                        "fingerprint": row["fingerprint"],
                        "rule": row["rule"],
                        "target": row["target"],
                        "site": row["site"],
                        "count": int(row["count"]),
                        "last_ticket": row["last_ticket"],
                        "last_opened_at": iso(row["last_opened"]),
                        "root_causes": [{"ticket": t, "root_cause": c} for t, c in causes],
                    }
                )
        return out


def root_cause(text: str) -> str:
    """A root cause as stored: trimmed, and never blank."""
    cleaned = text.strip()
    if not cleaned:
        raise RequestError("root_cause must not be blank", field="root_cause", status=422)
    return cleaned


def _force_note(action: str, force: bool, note: str | None) -> str | None:
    """The trimmed reason for a forced action; a force without one, or a stray note, is 422."""
    if not force:
        if note is not None:
            raise RequestError(
                "note goes with force: true (the reason for forcing)", field="note", status=422
            )
        return None
    if action not in ("resolve", "close"):
        raise RequestError(f"force applies to resolve and close, not {action}", field="force", status=422)
    cleaned = (note or "").strip()
    if not cleaned:
        raise RequestError(
            "force: true needs a note saying why (it goes into the ticket history)", field="note", status=422
        )
    return cleaned


def ticket_json(row: Any) -> dict[str, Any]:
    opened = row["opened_at"]
    acked = row["acknowledged_at"]
    resolved = row["resolved_at"]
    return {
        "id": row["id"],
        "title": row["title"],
        "status": row["status"],
        "priority": row["priority"],
        "severity": row["severity"],
        "rule": row["rule"],
        "target": row["target"],
        "site": row["site"],
        "fingerprint": row["fingerprint"],
        "assignee": row["assignee"],
        "recurring": bool(row["recurring"]),
        "repeat_count": row["repeat_count"],
        "earlier": list(row["earlier"]),
        "root_cause": row["root_cause"],
        "merged_into": row["merged_into"],
        "opened_at": iso(opened),
        "acknowledged_at": iso(acked),
        "resolved_at": iso(resolved),
        "closed_at": iso(row["closed_at"]),
        "time_to_acknowledge_s": None if acked is None else round(acked - opened, 3),
        "time_to_repair_s": None if resolved is None else round(resolved - opened, 3),
    }

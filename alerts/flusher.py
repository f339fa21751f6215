"""Stage: outbox. Render each due group as one message and write it to the outbox in
the same transaction that records what the receivers were told (``Alert.notified``),
so a crash loses both or keeps both: a restart neither loses nor repeats a message.

An alert muted since it was queued is left out (the mute stage decides); one that
is now behind a down parent joins the parent's incident here. If the transaction
fails, ``notified``, ticket ids and the groups are put back as they were, so the
same messages are written on a later flush.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Mapping

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.alert_repo import AlertRepo
from alerts.business_hours import delivery_slot
from alerts.evaluator import Evaluator
from alerts.grouping import Group, GroupBook
from alerts.mute import Mute
from alerts.notices import notice, take_owed
from alerts.outbox import Outbox
from alerts.state import Alert
from alerts.templates import Notice, render
from alerts.tickets import OPEN_STATES, SYSTEM, TicketRepo
from monitord.config.notify import NotifyConfig, RouteConfig
from monitord.store.engine import StateStore


class Flusher:
    def __init__(
        self,
        evaluator: Evaluator,
        mute: Mute,
        groups: GroupBook,
        notify: NotifyConfig,
        store: StateStore,
        *,
        tickets: TicketRepo,
        alert_repo: AlertRepo,
        zones: Mapping[str, str],
        wake: Callable[[], None],
    ) -> None:
        self._evaluator = evaluator
        self._mute = mute
        self._groups = groups
        self._notify = notify
        self._store = store
        self._tickets = tickets
        self._alert_repo = alert_repo
        self._zones = zones
        self._wake = wake

    async def flush(self, now: float) -> int:
        """Turn every due group into one message in the outbox; returns messages written."""
        due = self._groups.due(now)
        if not due:
            return 0
        alerts = self._evaluator.alerts
        backup = {
            fp: (dict(alerts[fp].notified), alerts[fp].ticket_id)
            for group in due
            for fp in group.members
            if fp in alerts
        }
        saved = [(group, dict(group.members), group.last_flush) for group in due]
        try:
            async with self._store.engine.begin() as conn:
                written = await self._flush_groups(conn, due, now)
        except BaseException:
            # Nothing was written: put back what receivers had heard, so it is sent later.
            for fp, (notified, ticket_id) in backup.items():
                if fp in alerts:
                    alerts[fp].notified, alerts[fp].ticket_id = notified, ticket_id
            for group, members, last_flush in saved:
                group.members.update(members)
                group.last_flush = last_flush
            raise
        if written:
            self._wake()
        return written

    async def _flush_groups(self, conn: AsyncConnection, due: list[Group], now: float) -> int:
        alerts = self._evaluator.alerts
        verdicts = self._mute.judge([alerts[fp] for g in due for fp in g.members if fp in alerts], now)
        attached = Counter(
            a.ticket_id for a in alerts.values() if a.ticket_id is not None and a.status == "firing"
        )
        changed: dict[str, Alert] = {}
        written = 0
        for group in due:
            route = self._notify.route(group.route)
            members = dict(group.members)
            self._groups.flushed(group, now)
            if route is None:
                continue
            notices: list[Notice] = []
            for fp, kind in members.items():
                alert = alerts.get(fp)
                if alert is None:
                    continue
                verdict = verdicts[fp]
                if verdict.behind is not None and await self._join_incident(
                    conn, alert, verdict.behind.ticket_id, now
                ):
                    changed[fp] = alert
                if verdict.muted:
                    continue
                status = take_owed(alert, route, kind, now)
                if status is None:
                    continue
                changed[fp] = alert
                if status == "":
                    continue
                extra = attached.get(alert.ticket_id, 1) - 1 if alert.ticket_id is not None else 0
                notices.append(notice(alert, status, max(extra, 0), now))
            if notices:
                await self._write(conn, route, group.key, notices, now)
                written += 1
        await self._alert_repo.save(list(changed.values()), conn)
        return written

    async def _join_incident(
        self, conn: AsyncConnection, alert: Alert, incident: int | None, now: float
    ) -> bool:
        """A firing alert now behind a down parent moves to the parent's ticket."""
        if alert.status != "firing" or incident is None or alert.ticket_id in (None, incident):
            return False
        assert alert.ticket_id is not None
        if await self._tickets.status_of(conn, alert.ticket_id) in OPEN_STATES:
            await self._tickets.merge(conn, alert.ticket_id, incident, now)
        alert.ticket_id = incident
        return True

    async def _write(
        self, conn: AsyncConnection, route: RouteConfig, key: str, notices: list[Notice], now: float
    ) -> None:
        notify = self._notify
        message = render(notify.templates, key, notices, self._zones)
        urgent = any(n.priority == "urgent" for n in notices)
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
        for ticket_id in sorted({n.ticket_id for n in notices if n.ticket_id is not None}):
            statuses = ", ".join(sorted({n.status for n in notices if n.ticket_id == ticket_id}))
            await self._tickets.event(
                conn,
                ticket_id,
                "notified",
                SYSTEM,
                f"route {route.name}: {statuses} (message {message_id[:12]})",
                now,
            )

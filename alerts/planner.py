"""Stage: group. Queue, per route and group key, what each route's receivers are owed.

Changes: every alert whose receivers are behind (``alerts.notices.desired``).
Reminders, on the evaluation tick: firing alerts on open tickets are repeated
after ``repeat_interval`` and escalated after ``escalate_after``. Muted alerts
are not queued (the mute stage decides); what changed meanwhile is owed still,
so it goes out once the silence ends or the parent is back.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from alerts.evaluator import Evaluator
from alerts.grouping import GroupBook
from alerts.mute import Mute, Verdict
from alerts.notices import desired
from alerts.routing import group_key
from alerts.state import Alert
from alerts.tables import tickets as tickets_table
from monitord.config.notify import NotifyConfig, RouteConfig
from monitord.store.engine import StateStore


class Planner:
    def __init__(
        self, evaluator: Evaluator, mute: Mute, groups: GroupBook, notify: NotifyConfig, store: StateStore
    ) -> None:
        self._evaluator = evaluator
        self._mute = mute
        self._groups = groups
        self._notify = notify
        self._store = store

    async def plan(self, now: float, *, changed: bool, tick: bool) -> None:
        """Queue owed changes (if anything ``changed`` or on a ``tick``) and, on a tick, reminders."""
        if not self._notify.routes or not (changed or tick):
            return
        candidates = [
            a for a in self._evaluator.alerts.values() if a.notified or a.status == "firing" or a.flapping
        ]
        verdicts = self._mute.judge(candidates, now)  # one judgement for changes and reminders
        for alert in candidates:
            for route in verdicts[alert.fingerprint].routes:
                if desired(alert, route) is not None:
                    self._groups.add(route, group_key(route, alert.labels), alert.fingerprint, "", now)
        if tick:
            await self._reminders(candidates, verdicts, now)

    async def _reminders(self, alerts: list[Alert], verdicts: Mapping[str, Verdict], now: float) -> None:
        candidates: list[tuple[Alert, RouteConfig, str]] = []
        for alert in alerts:
            if alert.status != "firing" or alert.ticket_id is None:
                continue
            for route in verdicts[alert.fingerprint].routes:
                if alert.notified.get(route.name) != "firing":
                    continue
                last = float(alert.notified.get(f"at:{route.name}", now))
                if now - last >= route.repeat_interval:
                    candidates.append((alert, route, "repeat"))
                if (
                    route.escalate_after is not None
                    and alert.fired_at is not None
                    and now - alert.fired_at >= route.escalate_after
                    and not alert.notified.get(f"esc:{route.name}")
                ):
                    candidates.append((alert, route, "escalation"))
        if not candidates:
            return
        ids = sorted({a.ticket_id for a, _, _ in candidates if a.ticket_id is not None})
        async with self._store.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(tickets_table.c.id, tickets_table.c.status).where(tickets_table.c.id.in_(ids))
                )
            ).all()
        status = {int(i): str(s) for i, s in rows}
        for alert, route, kind in candidates:
            if status.get(alert.ticket_id or -1) != "open":
                continue  # acknowledged (or closed): nobody needs reminding
            if kind == "repeat":
                self._groups.add(route, group_key(route, alert.labels), alert.fingerprint, "repeat", now)
            else:
                target = self._notify.route(route.escalate_to or "")
                if target is not None:
                    self._groups.add(
                        target,
                        group_key(target, alert.labels),
                        alert.fingerprint,
                        f"escalation:{route.name}",
                        now,
                    )

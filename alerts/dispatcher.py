"""Stages after evaluation: tickets, dependencies, silences, routes, groups, outbox.

``record`` turns transitions into ticket records (one transaction with the
alert rows). ``plan`` compares, per alert and route, what the receivers last
heard (``Alert.notified``) with the alert's state now and queues the difference
in a group; it skips alerts that are silenced or behind a down parent, so
whatever changed meanwhile goes out once the silence ends or the parent is
back: a resolved message is never lost. ``flush`` renders each due group as one
message and writes it to the outbox in the same transaction that updates
``notified``, so a restart neither loses nor repeats a message.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.alert_store import AlertStore
from alerts.business_hours import next_delivery
from alerts.clock import as_datetime
from alerts.dependencies import Dependencies
from alerts.evaluator import Evaluator, Transition, priority_of
from alerts.grouping import Group, GroupBook
from alerts.lifecycle import ENDINGS
from alerts.outbox import Outbox
from alerts.routing import group_key, routes_for
from alerts.silences import SilenceBook
from alerts.state import Alert
from alerts.tables import tickets as tickets_table
from alerts.templates import Notice, render, site_zones
from alerts.tickets import OPEN_STATES, SYSTEM, TicketRepo
from monitord.config.alerts import AlertsConfig
from monitord.config.notify import NotifyConfig, RouteConfig
from monitord.config.targets import SiteConfig
from monitord.store.engine import StateStore

log = logging.getLogger("monitord.alerts")


def desired(alert: Alert, route: RouteConfig) -> str | None:
    """What ``route``'s receivers should hear about ``alert`` that they have not yet."""
    heard = alert.notified.get(route.name)
    if alert.flapping:
        return None if heard == "flapping" else "flapping"
    if alert.status == "firing":
        return None if heard == "firing" else "firing"
    if heard in ("firing", "flapping"):
        return "resolved"
    return None


class Dispatcher:
    def __init__(self, evaluator: Evaluator, alerts: AlertsConfig, notify: NotifyConfig,
                 store: StateStore, *, silences: SilenceBook, wake: Callable[[], None],
                 sites: Mapping[str, SiteConfig] | None = None) -> None:
        self.evaluator = evaluator
        self.store = store
        self.silences = silences
        self.alert_store = AlertStore(store)
        self.outbox = Outbox(store)
        self.groups = GroupBook()
        self._wake = wake
        self.zones: dict[str, str] = {}
        self.configure(alerts, notify, sites)

    def configure(self, alerts: AlertsConfig, notify: NotifyConfig,
                  sites: Mapping[str, SiteConfig] | None = None) -> None:
        self.alerts_config = alerts
        self.notify = notify
        if sites is not None:
            self.zones = site_zones(sites)
        self.tickets = TicketRepo(self.store, alerts.tickets.recurring_window)

    def _deps(self, now: float) -> Dependencies:
        return Dependencies(self.evaluator, self.alerts_config.dependency_grace, now)

    # -- tickets ---------------------------------------------------------------------------

    async def record(self, transitions: list[Transition], dirty: set[str], now: float,
                     evidence: dict[str, list[str]] | None = None) -> None:
        evaluator = self.evaluator

        def depth(t: Transition) -> int:
            """Fired alerts of ancestors first, so children find their incident open."""
            if t.event != "fired":
                return 1 << 20
            return evaluator.depth(t.alert.target)

        ordered = sorted(transitions, key=depth)
        # Ticket ids set below are only real once the transaction commits; a rollback
        # (SQLite reuses ids) must not leave an alert pointing at someone else's ticket.
        touched = {id(a): a for a in evaluator.alerts.values()}
        touched.update((id(t.alert), t.alert) for t in transitions)
        ticket_ids = [(a, a.ticket_id) for a in touched.values()]
        try:
            await self._record(ordered, dirty, now, evidence)
        except BaseException:
            for alert, ticket_id in ticket_ids:
                alert.ticket_id = ticket_id
            raise

    async def _record(self, ordered: list[Transition], dirty: set[str], now: float,
                      evidence: dict[str, list[str]] | None) -> None:
        evaluator = self.evaluator
        parents = evaluator.parents
        deps = self._deps(now)
        async with self.store.engine.begin() as conn:
            for transition in ordered:
                alert = transition.alert
                dirty.add(alert.fingerprint)
                if transition.event == "fired":
                    await self._fired(conn, alert, deps, now)
                    rule = evaluator.rule(alert.rule)
                    if alert.target in parents and rule is not None and rule.rule.marks_down:
                        deps = self._deps(now)
                        await self._merge_children(conn, alert, deps, now)
                elif transition.event == "resolved" and alert.ticket_id is not None:
                    if transition.ended is not None:
                        await self.tickets.event(conn, alert.ticket_id, "ended", SYSTEM,
                                                 f"{alert.rule} on {alert.target} ended: "
                                                 f"{transition.ended}", now)
                    await self.tickets.alert_resolved(conn, alert.ticket_id, alert, now)
                elif transition.event in ("flapping", "stable") and alert.ticket_id is not None:
                    text = "started flapping" if transition.event == "flapping" else "stopped flapping"
                    await self.tickets.event(conn, alert.ticket_id, transition.event, SYSTEM,
                                             f"{alert.rule} on {alert.target} {text}", now)
            for fp, lines in (evidence or {}).items():
                holder = evaluator.alerts.get(fp)
                if holder is not None and holder.ticket_id is not None and lines:
                    await self.tickets.evidence(conn, holder.ticket_id, holder.target, lines, now)
            live = [evaluator.alerts[fp] for fp in dirty if fp in evaluator.alerts]
            await self.alert_store.save(live, conn)

    async def _fired(self, conn: AsyncConnection, alert: Alert, deps: Dependencies, now: float) -> None:
        incident = deps.down_ancestor(alert.target)
        if incident is not None and incident.ticket_id is not None:
            if alert.ticket_id != incident.ticket_id:
                await self.tickets.attach(conn, incident.ticket_id, alert, now,
                                          f"behind {incident.target}, which is down")
                alert.ticket_id = incident.ticket_id
            return
        if alert.ticket_id is not None:
            status = await self.tickets.status_of(conn, alert.ticket_id)
            if status in OPEN_STATES:
                await self.tickets.event(conn, alert.ticket_id, "fired", SYSTEM,
                                         f"{alert.rule} fired again: {alert.summary}", now)
                return
        rule = self.evaluator.rule(alert.rule)
        target = self.evaluator.target(alert.target, alert.labels.get("site", ""))
        priority = priority_of(rule, target) if rule else alert.labels.get("priority", "normal")
        alert.ticket_id = await self.tickets.open(conn, alert, priority, now)

    async def _merge_children(self, conn: AsyncConnection, parent: Alert, deps: Dependencies,
                              now: float) -> None:
        """Children that fired before their parent did join the parent's ticket now."""
        if parent.ticket_id is None:
            return
        for alert in self.evaluator.alerts.values():
            if alert.status != "firing" or alert.ticket_id in (None, parent.ticket_id):
                continue
            incident = deps.down_ancestor(alert.target)
            if incident is None or incident.ticket_id != parent.ticket_id:
                continue
            assert alert.ticket_id is not None
            if await self.tickets.status_of(conn, alert.ticket_id) in OPEN_STATES:
                await self.tickets.merge(conn, alert.ticket_id, parent.ticket_id, now)
            alert.ticket_id = parent.ticket_id

    # -- notifications ---------------------------------------------------------------------

    def plan(self, now: float) -> None:
        """Queue, per route and group, every alert whose receivers are behind."""
        if not self.notify.routes:
            return
        deps = self._deps(now)
        moment = datetime.fromtimestamp(now, UTC)
        for alert in self.evaluator.alerts.values():
            if not alert.notified and alert.status != "firing" and not alert.flapping:
                continue
            if self.silences.muted(alert.labels, moment) or deps.down_ancestor(alert.target):
                continue
            for route in routes_for(self.notify.routes, alert.labels):
                if desired(alert, route) is not None:
                    self.groups.add(route, group_key(route, alert.labels), alert.fingerprint, "", now)

    async def plan_reminders(self, now: float) -> None:
        """Repeat unacknowledged firing alerts; escalate those nobody acknowledged in time."""
        candidates: list[tuple[Alert, RouteConfig, str]] = []
        for alert in self.evaluator.alerts.values():
            if alert.status != "firing" or alert.ticket_id is None:
                continue
            for route in routes_for(self.notify.routes, alert.labels):
                if alert.notified.get(route.name) != "firing":
                    continue
                last = float(alert.notified.get(f"at:{route.name}", now))
                if now - last >= route.repeat_interval:
                    candidates.append((alert, route, "repeat"))
                if (route.escalate_after is not None and alert.fired_at is not None
                        and now - alert.fired_at >= route.escalate_after
                        and not alert.notified.get(f"esc:{route.name}")):
                    candidates.append((alert, route, "escalation"))
        if not candidates:
            return
        ids = sorted({a.ticket_id for a, _, _ in candidates if a.ticket_id is not None})
        async with self.store.engine.connect() as conn:
            rows = (await conn.execute(select(tickets_table.c.id, tickets_table.c.status)
                                       .where(tickets_table.c.id.in_(ids)))).all()
        status = {int(i): str(s) for i, s in rows}
        moment = datetime.fromtimestamp(now, UTC)
        for alert, route, kind in candidates:
            if status.get(alert.ticket_id or -1) != "open" or self.silences.muted(alert.labels, moment):
                continue
            if kind == "repeat":
                self.groups.add(route, group_key(route, alert.labels), alert.fingerprint, "repeat", now)
            else:
                target = self.notify.route(route.escalate_to or "")
                if target is not None:
                    self.groups.add(target, group_key(target, alert.labels), alert.fingerprint,
                                    f"escalation:{route.name}", now)

    def next_flush(self) -> float | None:
        return self.groups.next_flush()

    async def flush(self, now: float) -> int:
        """Turn every due group into one message in the outbox; returns messages written."""
        due = self.groups.due(now)
        if not due:
            return 0
        alerts = self.evaluator.alerts
        backup = {fp: (dict(alerts[fp].notified), alerts[fp].ticket_id)
                  for group in due for fp in group.members if fp in alerts}
        saved = [(group, dict(group.members), group.last_flush) for group in due]
        try:
            async with self.store.engine.begin() as conn:
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
        deps = self._deps(now)
        moment = datetime.fromtimestamp(now, UTC)
        attached = Counter(a.ticket_id for a in self.evaluator.alerts.values()
                           if a.ticket_id is not None and a.status == "firing")
        changed: dict[str, Alert] = {}
        written = 0
        for group in due:
            route = self.notify.route(group.route)
            members = dict(group.members)
            self.groups.flushed(group, now)
            if route is None:
                continue
            notices: list[Notice] = []
            for fp, kind in members.items():
                alert = self.evaluator.alerts.get(fp)
                if alert is None or self.silences.muted(alert.labels, moment):
                    continue
                incident = deps.down_ancestor(alert.target)
                if incident is not None:
                    if (alert.status == "firing" and incident.ticket_id is not None
                            and alert.ticket_id not in (None, incident.ticket_id)):
                        assert alert.ticket_id is not None
                        if await self.tickets.status_of(conn, alert.ticket_id) in OPEN_STATES:
                            await self.tickets.merge(conn, alert.ticket_id, incident.ticket_id, now)
                        alert.ticket_id = incident.ticket_id
                        changed[fp] = alert
                    continue
                status = self._notice_status(alert, route, kind, now)
                if status is None:
                    continue
                changed[fp] = alert
                if status == "":
                    continue
                extra = attached.get(alert.ticket_id, 1) - 1 if alert.ticket_id is not None else 0
                notices.append(self._notice(alert, status, max(extra, 0), now))
            if notices:
                await self._write(conn, route, group.key, notices, now)
                written += 1
        await self.alert_store.save(list(changed.values()), conn)
        return written

    def _notice_status(self, alert: Alert, route: RouteConfig, kind: str, now: float) -> str | None:
        """The notice to send ("" = record silently, None = nothing), updating ``notified``."""
        if kind == "repeat":
            if alert.status != "firing" or alert.notified.get(route.name) != "firing":
                return None
            alert.notified[f"at:{route.name}"] = now
            return "repeat"
        if kind.startswith("escalation:"):
            source = kind.partition(":")[2]
            if alert.status != "firing" or alert.notified.get(f"esc:{source}"):
                return None
            alert.notified[f"esc:{source}"] = now
            return "escalation"
        want = desired(alert, route)
        if want is None:
            return None
        alert.notified[route.name] = want
        alert.notified[f"at:{route.name}"] = now
        if want == "resolved":
            for key in [k for k in alert.notified if k.startswith("esc:")]:
                del alert.notified[key]
            if not route.send_resolved:
                return ""
        return want

    def _notice(self, alert: Alert, status: str, attached: int, now: float) -> Notice:
        since = alert.resolved_at if status == "resolved" and alert.resolved_at else alert.fired_at
        summary = alert.summary
        if status == "resolved" and alert.reason in ENDINGS:
            summary = f"{summary} (ended: {alert.reason})"
        return Notice(
            fingerprint=alert.fingerprint, status=status, rule=alert.rule, target=alert.target,
            site=alert.labels.get("site", ""), severity=alert.labels.get("severity", ""),
            priority=alert.labels.get("priority", "normal"), summary=summary,
            ticket_id=alert.ticket_id, since=as_datetime(since or now), attached=attached,
            labels=alert.labels,
        )

    async def _write(self, conn: AsyncConnection, route: RouteConfig, key: str, notices: list[Notice],
                     now: float) -> None:
        message = render(self.notify.templates, key, notices, self.zones)
        urgent = any(n.priority == "urgent" for n in notices)
        not_before = now
        digest = not urgent and self.notify.normal_delivery == "digest"
        if not urgent and self.notify.normal_delivery == "business_hours":
            not_before = next_delivery(self.notify.business_hours.window(), now)
        elif digest:
            interval = self.notify.digest_interval
            slot = (now // interval + 1) * interval
            not_before = next_delivery(self.notify.business_hours.window(), slot)
        message_id = uuid.uuid4().hex
        await Outbox.add(conn, [
            {"key": f"{message_id}-{index}", "route": route.name, "url_index": index,
             "title": message.title, "body": message.body, "short": message.short,
             "notify_type": message.notify_type, "created_at": now, "next_attempt_at": not_before,
             "digest": digest}
            for index in range(len(route.urls))
        ])
        for ticket_id in sorted({n.ticket_id for n in notices if n.ticket_id is not None}):
            statuses = ", ".join(sorted({n.status for n in notices if n.ticket_id == ticket_id}))
            await self.tickets.event(conn, ticket_id, "notified", SYSTEM,
                                     f"route {route.name}: {statuses} (message {message_id[:12]})", now)

"""Stage: record. Turn one round's transitions into ticket history, in one transaction
with the alert rows.

A fired alert behind a down parent joins the parent's incident instead of
opening its own ticket; a parent that fires after its children pulls their
tickets into its own. If the transaction fails nothing of it happened: ticket
ids handed out inside it are put back, and the caller returns the transitions
to the evaluator (``Evaluator.put_back``) for the next round.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from alerts.alert_repo import AlertRepo
from alerts.dependencies import Dependencies
from alerts.evaluator import Evaluator, Transition, priority_of
from alerts.state import Alert
from alerts.tickets import OPEN_STATES, SYSTEM, TicketRepo
from monitord.store.engine import StateStore


class Recorder:
    def __init__(
        self,
        evaluator: Evaluator,
        store: StateStore,
        tickets: TicketRepo,
        alert_repo: AlertRepo,
        grace: float,
    ) -> None:
        self._evaluator = evaluator
        self._store = store
        self._tickets = tickets
        self._alert_repo = alert_repo
        self._grace = grace

    async def record(
        self,
        transitions: list[Transition],
        dirty: set[str],
        now: float,
        evidence: dict[str, list[str]] | None = None,
    ) -> None:
        """Write ``transitions``, the ``dirty`` alerts and new ``evidence``; all or nothing."""
        evaluator = self._evaluator

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
            await self._write(ordered, dirty, now, evidence)
        except BaseException:
            for alert, ticket_id in ticket_ids:
                alert.ticket_id = ticket_id
            raise

    def _deps(self, now: float) -> Dependencies:
        return Dependencies(self._evaluator, self._grace, now)

    async def _write(
        self, ordered: list[Transition], dirty: set[str], now: float, evidence: dict[str, list[str]] | None
    ) -> None:
        evaluator = self._evaluator
        tickets = self._tickets
        parents = evaluator.parents
        deps = self._deps(now)
        async with self._store.engine.begin() as conn:
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
                        await tickets.event(
                            conn,
                            alert.ticket_id,
                            "ended",
                            SYSTEM,
                            f"{alert.rule} on {alert.target} ended: {transition.ended}",
                            now,
                        )
                    await tickets.alert_resolved(conn, alert.ticket_id, alert, now)
                elif transition.event in ("flapping", "stable") and alert.ticket_id is not None:
                    text = "started flapping" if transition.event == "flapping" else "stopped flapping"
                    await tickets.event(
                        conn,
                        alert.ticket_id,
                        transition.event,
                        SYSTEM,
                        f"{alert.rule} on {alert.target} {text}",
                        now,
                    )
            for fp, lines in (evidence or {}).items():
                holder = evaluator.alerts.get(fp)
                if holder is not None and holder.ticket_id is not None and lines:
                    await tickets.evidence(conn, holder.ticket_id, holder.target, lines, now)
            live = [evaluator.alerts[fp] for fp in dirty if fp in evaluator.alerts]
            await self._alert_repo.save(live, conn)

    async def _fired(self, conn: AsyncConnection, alert: Alert, deps: Dependencies, now: float) -> None:
        incident = deps.down_ancestor(alert.target)
        if incident is not None and incident.ticket_id is not None:
            if alert.ticket_id != incident.ticket_id:
                await self._tickets.attach(
                    conn, incident.ticket_id, alert, now, f"behind {incident.target}, which is down"
                )
                alert.ticket_id = incident.ticket_id
            return
        if alert.ticket_id is not None:
            status = await self._tickets.status_of(conn, alert.ticket_id)
            if status in OPEN_STATES:
                await self._tickets.event(
                    conn, alert.ticket_id, "fired", SYSTEM, f"{alert.rule} fired again: {alert.summary}", now
                )
                return
        rule = self._evaluator.rule(alert.rule)
        target = self._evaluator.target(alert.target, alert.labels.get("site", ""))
        priority = priority_of(rule, target) if rule else alert.labels.get("priority", "normal")
        alert.ticket_id = await self._tickets.open(conn, alert, priority, now)

    async def _merge_children(
        self, conn: AsyncConnection, parent: Alert, deps: Dependencies, now: float
    ) -> None:
        """Children that fired before their parent did join the parent's ticket now."""
        if parent.ticket_id is None:
            return
        for alert in self._evaluator.alerts.values():
            if alert.status != "firing" or alert.ticket_id in (None, parent.ticket_id):
                continue
            incident = deps.down_ancestor(alert.target)
            if incident is None or incident.ticket_id != parent.ticket_id:
                continue
            assert alert.ticket_id is not None
            if await self._tickets.status_of(conn, alert.ticket_id) in OPEN_STATES:
                await self._tickets.merge(conn, alert.ticket_id, parent.ticket_id, now)
            alert.ticket_id = parent.ticket_id

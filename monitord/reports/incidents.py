"""Incidents by priority: MTTA and MTTR (median and p90) and compliance with response targets.

Counted: tickets opened in the period, except those merged into another (a
child of a down parent is part of its parent's incident). Repair requests are
tickets too and count the same way.

- **time to acknowledge** = ``acknowledged_at - opened_at``; a ticket resolved
  before anyone acknowledged it was answered by the fix: ``resolved_at`` then;
- **time to repair** = ``resolved_at - opened_at`` (``closed_at`` if it was
  closed without being resolved first);
- **median**: the middle value (the mean of the two middle ones for an even
  count); **p90**: nearest rank, the value at rank ceil(0.9 x n) of the sorted times;
- **compliance** = tickets answered within the target / tickets judged. A
  ticket is judged once it was answered, or once its target passed unanswered
  (at ``as_of``, the end of the period or now); one still within its target is
  not judged yet.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from alerts.tables import tickets
from monitord.config.reports import ResponseTarget
from monitord.store.engine import StateStore

PRIORITIES = ("urgent", "normal")


@dataclass(frozen=True, slots=True)
class TicketTimes:
    id: int
    fingerprint: str
    rule: str
    target: str
    site: str
    priority: str
    title: str
    recurring: bool
    root_cause: str | None
    opened: float
    acknowledged: float | None
    resolved: float | None

    @property
    def answered(self) -> float | None:
        return self.acknowledged if self.acknowledged is not None else self.resolved


@dataclass(frozen=True, slots=True)
class Compliance:
    met: int
    judged: int

    @property
    def percent(self) -> float | None:
        return None if self.judged == 0 else round(100.0 * self.met / self.judged, 3)


@dataclass(frozen=True, slots=True)
class PriorityFigures:
    priority: str
    tickets: int
    mtta_median: float | None
    mtta_p90: float | None
    mttr_median: float | None
    mttr_p90: float | None
    acknowledge: Compliance
    repair: Compliance


@dataclass(frozen=True, slots=True)
class RecurringFault:
    rule: str
    target: str
    site: str
    tickets: int
    last_ticket: int
    root_causes: list[str]


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


async def load_tickets(store: StateStore, start: float, end: float) -> list[TicketTimes]:
    c = tickets.c
    query = (
        select(
            c.id,
            c.fingerprint,
            c.rule,
            c.target,
            c.site,
            c.priority,
            c.title,
            c.recurring,
            c.root_cause,
            c.opened_at,
            c.acknowledged_at,
            c.resolved_at,
            c.closed_at,
        )
        .where(c.opened_at >= start, c.opened_at < end, c.merged_into.is_(None))
        .order_by(c.id)
    )
    async with store.engine.connect() as conn:
        rows: list[Any] = list((await conn.execute(query)).all())
    return [
        TicketTimes(
            id=r.id,
            fingerprint=r.fingerprint,
            rule=r.rule,
            target=r.target,
            site=r.site,
            priority=r.priority,
            title=r.title,
            recurring=bool(r.recurring),
            root_cause=r.root_cause,
            opened=r.opened_at,
            acknowledged=r.acknowledged_at,
            resolved=r.resolved_at if r.resolved_at is not None else r.closed_at,
        )
        for r in rows
    ]


def _compliance(times: list[tuple[float, float | None]], limit: float, as_of: float) -> Compliance:
    """``times``: (opened, answered or None) pairs."""
    met = judged = 0
    for opened, answered in times:
        if answered is not None:
            judged += 1
            met += answered - opened <= limit
        elif as_of - opened > limit:
            judged += 1
    return Compliance(met, judged)


def priority_figures(
    found: list[TicketTimes], targets: dict[str, ResponseTarget], as_of: float
) -> list[PriorityFigures]:
    by_priority: dict[str, list[TicketTimes]] = defaultdict(list)
    for ticket in found:
        by_priority[ticket.priority].append(ticket)
    out = []
    for priority in [*PRIORITIES, *sorted(set(by_priority) - set(PRIORITIES))]:
        group = by_priority.get(priority, [])
        mtta = [t.answered - t.opened for t in group if t.answered is not None]
        mttr = [t.resolved - t.opened for t in group if t.resolved is not None]
        target = targets.get(priority)
        if target is None:
            ack = repair = Compliance(0, 0)
        else:
            ack = _compliance([(t.opened, t.answered) for t in group], target.acknowledge, as_of)
            repair = _compliance([(t.opened, t.resolved) for t in group], target.repair, as_of)
        out.append(
            PriorityFigures(
                priority=priority,
                tickets=len(group),
                mtta_median=median(mtta),
                mtta_p90=p90(mtta),
                mttr_median=median(mttr),
                mttr_p90=p90(mttr),
                acknowledge=ack,
                repair=repair,
            )
        )
    return out


def recurring_faults(found: list[TicketTimes], limit: int) -> list[RecurringFault]:
    """Faults seen more than once in the period, or marked recurring, most tickets first."""
    by_fault: dict[str, list[TicketTimes]] = defaultdict(list)
    for ticket in found:
        by_fault[ticket.fingerprint].append(ticket)
    faults = []
    for group in by_fault.values():
        if len(group) < 2 and not any(t.recurring for t in group):
            continue
        causes = list(dict.fromkeys(t.root_cause for t in group if t.root_cause))
        last = max(group, key=lambda t: t.id)
        faults.append(RecurringFault(last.rule, last.target, last.site, len(group), last.id, causes))
    faults.sort(key=lambda f: (-f.tickets, f.site, f.target, f.rule))
    return faults[:limit]

"""Build a report: read the rollup, the outage log and the tickets for a period, assemble sections.

Every read is one aggregate query (the rollup's sums per target and kind, the
outages overlapping the period, the period's tickets), so a month over 2,000
targets reads a few thousand rows (benchmarks/reports.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from monitord.config.loader import LoadedConfig
from monitord.config.reports import REPORT_KINDS, ResponseTarget
from monitord.errors import NotFoundError
from monitord.pos.evaluator import STORE_KIND
from monitord.reports import availability, backups, incidents, sections
from monitord.reports.model import Report, Section
from monitord.reports.opening import store_hours
from monitord.reports.periods import Period, midnight
from monitord.reports.rollup_repo import Outage, RollupRepo
from monitord.reports.sources import register_source, workload_source
from monitord.store.engine import StateStore

KIND_SECTIONS: dict[str, tuple[str, ...]] = {
    "management": ("availability", "stores", "incidents", "recurring", "backups", "workload", "register"),
    "availability": ("availability", "stores"),
    "incidents": ("incidents", "recurring", "workload"),
    "backups": ("backups",),
}
TITLES = {
    "management": "IT operations report",
    "availability": "Availability report",
    "incidents": "Incident report",
    "backups": "Backup compliance report",
}
assert set(KIND_SECTIONS) == set(REPORT_KINDS)


def check_kind(kind: str) -> str:
    if kind not in KIND_SECTIONS:
        raise NotFoundError(f"no report kind {kind!r} (one of {', '.join(KIND_SECTIONS)})", field="kind")
    return kind


async def build_report(
    kind: str, period: Period, now: float, loaded: LoadedConfig, store: StateStore
) -> Report:
    wanted = KIND_SECTIONS[check_kind(kind)]
    config = loaded.config.reports
    repo = RollupRepo(store)
    as_of = period.until(now)
    built: list[Section] = []
    if "availability" in wanted or "stores" in wanted:
        kinds = availability.down_kinds(loaded)
        outages = await repo.outages(period.start, as_of, {*kinds, STORE_KIND})
        if "availability" in wanted:
            totals = await repo.totals(period.start, as_of, kinds)
            targets = availability.target_figures(loaded, totals, outages, period.start, as_of)
            daily = _daily(period, as_of, outages, targets)
            built.append(
                sections.availability_section(
                    targets, availability.site_figures(targets), daily, config.worst_targets
                )
            )
        if "stores" in wanted:
            stores = availability.store_figures(store_hours(loaded), outages, period.start, as_of)
            built.append(sections.stores_section(stores))
    if "incidents" in wanted or "recurring" in wanted:
        found = await incidents.load_tickets(store, period.start, period.end)
        if "incidents" in wanted:
            goals: dict[str, tuple[float, float]] = {
                p: (t.acknowledge, t.repair) for p, t in config.targets.items()
            }
            response: dict[str, ResponseTarget] = dict(config.targets.items())
            figures = incidents.priority_figures(found, response, as_of)
            built.append(sections.incidents_section(figures, goals))
        if "recurring" in wanted:
            built.append(sections.recurring_section(incidents.recurring_faults(found, config.top_faults)))
    if "backups" in wanted:
        clean = await repo.clean_hours(period.start, as_of, backups.BACKUP_KIND)
        figures_b = backups.backup_figures(backups.backup_targets(loaded), clean, period, as_of)
        built.append(sections.backups_section(figures_b))
    if "workload" in wanted:
        source = workload_source(store)
        summary_w = None if source is None else await source.workload(period.start, as_of)
        built.append(sections.workload_section(summary_w))
    if "register" in wanted:
        register = register_source(store)
        summary = None if register is None else await register.register(now, config.warranty_days)
        built.append(sections.register_section(summary, config.warranty_days))
    return Report(
        kind=kind,
        title=f"{TITLES[kind]}: {period.label}",
        period=period,
        generated_at=now,
        as_of=as_of,
        sections=built,
    )


def _daily(
    period: Period, as_of: float, outages: list[Outage], targets: list[availability.TargetFigure]
) -> list[tuple[str, float | None]]:
    """Share of time up per local day: 1 - seconds down of all targets / (targets x the day's
    length up to ``as_of``; 23 or 25 h on DST days). Down time comes from the outage log, cut
    at local midnights, for the kind each target's figure uses: the same seconds the rollup
    holds (they are the same intervals), without a second pass over a month of hourly rows."""
    zone = period.tz
    chosen = {(t.target, t.kind) for t in targets if t.kind is not None}
    days = [(date, max(period.start, midnight(date, zone))) for date in period.local_dates()]
    bounds = [
        (date.isoformat(), begin, min(as_of, midnight(date + dt.timedelta(days=1), zone)))
        for date, begin in days
    ]
    down: dict[str, float] = defaultdict(float)
    for outage in outages:
        if (outage.target, outage.kind) not in chosen:
            continue
        for day, begin, end in bounds:
            overlap = min(end, outage.ended) - max(begin, outage.started)
            if overlap > 0:
                down[day] += overlap
    out: list[tuple[str, float | None]] = []
    for day, begin, end in bounds:
        if end <= begin or not targets:
            out.append((day[5:], None))
            continue
        share = 1.0 - down.get(day, 0.0) / (len(targets) * (end - begin))
        out.append((day[5:], round(100.0 * max(0.0, share), 3)))
    return out

"""Figures turned into report sections: the wording, columns and charts a manager reads."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from monitord.reports.availability import SiteFigure, StoreFigure, TargetFigure
from monitord.reports.backups import BackupFigure
from monitord.reports.incidents import PriorityFigures, RecurringFault
from monitord.reports.model import Chart, Column, Figure, Section, Table
from monitord.reports.providers import RegisterSummary, WorkloadSummary


def minutes(seconds: float) -> float:
    return round(seconds / 60.0, 2)


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600.0, 2)


def _pct(value: float | None) -> str:
    return "no data" if value is None else f"{value:.3f} %"


def availability_section(
    targets: list[TargetFigure],
    sites: list[SiteFigure],
    daily: list[tuple[str, float | None]],
    worst: int,
) -> Section:
    measured = [t for t in targets if t.availability is not None]
    overall = sum(t.share or 0.0 for t in measured) / len(measured) if measured else None
    target_columns = (
        Column("target", "Target"),
        Column("site", "Site"),
        Column("kind", "Probe"),
        Column("availability_pct", "Up", "%"),
        Column("outage_minutes", "Outage", "min"),
        Column("outages", "Outages", "count"),
        Column("longest_outage_minutes", "Longest", "min"),
    )

    def row(t: TargetFigure) -> tuple[str | int | float | None, ...]:
        return (
            t.target,
            t.site,
            t.kind,
            t.availability,
            minutes(t.down_s),
            t.outages,
            minutes(t.longest_s),
        )

    critical = sorted((t for t in targets if t.critical), key=lambda t: (t.site, t.target))
    ranked = sorted(measured, key=lambda t: (t.availability or 0.0, -t.down_s, t.target))
    worst_rows = [t for t in ranked if t.down_s > 0][:worst]
    return Section(
        name="availability",
        title="Availability",
        figures=[
            Figure("Targets", str(len(targets))),
            Figure("Average share of time up", _pct(None if overall is None else round(overall, 3))),
            Figure("Outage minutes, all targets", f"{minutes(sum(t.down_s for t in targets)):g}"),
        ],
        charts=[
            Chart("Share of time up per day (all targets)", [d for d, _ in daily], [v for _, v in daily]),
            Chart("Share of time up per site", [s.site for s in sites], [s.availability for s in sites]),
        ],
        tables=[
            Table(
                "sites",
                "Per site",
                (
                    Column("site", "Site"),
                    Column("targets", "Targets", "count"),
                    Column("availability_pct", "Up", "%"),
                    Column("outage_minutes", "Outage", "min"),
                    Column("longest_outage_minutes", "Longest", "min"),
                ),
                [(s.site, s.targets, s.availability, minutes(s.down_s), minutes(s.longest_s)) for s in sites],
                note="" if sites else "No target is probed by a kind that marks it down.",
            ),
            Table(
                "critical_targets",
                "Critical targets (criticality: urgent)",
                target_columns,
                [row(t) for t in critical],
                note="" if critical else "No target has criticality urgent.",
            ),
            Table(
                "worst_targets",
                f"Least available targets (up to {worst})",
                target_columns,
                [row(t) for t in worst_rows],
                note="" if worst_rows else "No target was down in the period.",
            ),
        ],
        note="Down is what the alert rules that mark a target down read (the run failed or says up 0); "
        "a failed run counts until the next run, at most a few probe intervals.",
    )


def stores_section(stores: list[StoreFigure]) -> Section:
    return Section(
        name="stores",
        title="POS stores (inside opening hours)",
        charts=[_stores_chart(stores)] if stores else [],
        tables=[
            Table(
                "stores",
                "Stores",
                (
                    Column("store", "Store"),
                    Column("site", "Site"),
                    Column("open_hours", "Open", "h"),
                    Column("availability_pct", "Up while open", "%"),
                    Column("outage_minutes", "Outage while open", "min"),
                    Column("outages", "Outages", "count"),
                    Column("longest_outage_minutes", "Longest", "min"),
                ),
                [
                    (
                        s.store,
                        s.site,
                        hours(s.open_s),
                        s.availability,
                        minutes(s.down_s),
                        s.outages,
                        minutes(s.longest_s),
                    )
                    for s in stores
                ],
                note="" if stores else "No POS stores are configured (pos.stores).",
            )
        ],
        note="Only time inside each store's opening hours counts, in the store's time zone.",
    )


def _stores_chart(stores: list[StoreFigure], most: int = 30) -> Chart:
    """Every store, or the ``most`` least available ones when there are more (a readable chart)."""
    if len(stores) <= most:
        chosen, title = stores, "Share of opening hours up"
    else:
        ranked = sorted(
            stores, key=lambda s: (s.availability if s.availability is not None else 101.0, s.store)
        )
        chosen = sorted(ranked[:most], key=lambda s: s.store)
        title = f"Share of opening hours up: the {most} least available of {len(stores)} stores"
    return Chart(title, [s.store for s in chosen], [s.availability for s in chosen])


def incidents_section(figures: list[PriorityFigures], targets: dict[str, tuple[float, float]]) -> Section:
    goals = [
        Figure(f"Target, {priority}", f"ack within {_span(ack)}, repair within {_span(repair)}")
        for priority, (ack, repair) in targets.items()
    ]
    return Section(
        name="incidents",
        title="Incidents by priority",
        figures=[Figure("Tickets opened", str(sum(f.tickets for f in figures))), *goals],
        tables=[
            Table(
                "incidents",
                "Response and repair times (hours) and compliance with the targets",
                (
                    Column("priority", "Priority"),
                    Column("tickets", "Tickets", "count"),
                    Column("mtta_median_h", "MTTA median", "h"),
                    Column("mtta_p90_h", "MTTA p90", "h"),
                    Column("mttr_median_h", "MTTR median", "h"),
                    Column("mttr_p90_h", "MTTR p90", "h"),
                    Column("acknowledged_in_time_pct", "Ack in time", "%"),
                    Column("repaired_in_time_pct", "Repaired in time", "%"),
                ),
                [
                    (
                        f.priority,
                        f.tickets,
                        hours(f.mtta_median),
                        hours(f.mtta_p90),
                        hours(f.mttr_median),
                        hours(f.mttr_p90),
                        f.acknowledge.percent,
                        f.repair.percent,
                    )
                    for f in figures
                ],
            )
        ],
        note="MTTA: opened to acknowledged (or resolved, if fixed first); MTTR: opened to resolved. "
        "p90: nearest rank. Compliance counts tickets answered, or overdue, by the end of the period.",
    )


def _span(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:g} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:g} h"
    return f"{seconds / 86400:g} days"


def recurring_section(faults: list[RecurringFault]) -> Section:
    return Section(
        name="recurring",
        title="Top recurring faults",
        tables=[
            Table(
                "recurring_faults",
                "Faults seen more than once",
                (
                    Column("site", "Site"),
                    Column("target", "Target"),
                    Column("rule", "Fault"),
                    Column("tickets", "Tickets", "count"),
                    Column("last_ticket", "Last ticket"),
                    Column("root_causes", "Root causes"),
                ),
                [
                    (
                        f.site,
                        f.target,
                        f.rule,
                        f.tickets,
                        f"#{f.last_ticket}",
                        "; ".join(f.root_causes) or "not yet found",
                    )
                    for f in faults
                ],
                note="" if faults else "No fault recurred in the period.",
            )
        ],
    )


def backups_section(figures: list[BackupFigure]) -> Section:
    due = sum(f.due for f in figures)
    verified = sum(f.verified for f in figures)
    return Section(
        name="backups",
        title="Backup compliance",
        figures=[
            Figure("Days with a verified backup", f"{verified} of {due}"),
            Figure("Compliance", _pct(None if due == 0 else round(100.0 * verified / due, 3))),
        ],
        tables=[
            Table(
                "backups",
                "Per backed-up server",
                (
                    Column("target", "Server"),
                    Column("site", "Site"),
                    Column("days_due", "Days due", "count"),
                    Column("days_verified", "Verified", "count"),
                    Column("compliance_pct", "Compliance", "%"),
                    Column("missed_days", "Days missed"),
                ),
                [(f.target, f.site, f.due, f.verified, f.percent, _dates(f.missed)) for f in figures],
                note="" if figures else "No target has a backup probe.",
            )
        ],
        note="A day counts when a backup check that day found the newest backup present, fresh, "
        "big enough, not shrunk and (where configured) verified.",
    )


def _dates(missed: list[str], shown: int = 6) -> str:
    """The first missed dates (the count says how many more): a PDF row stays one or two lines."""
    more = len(missed) - shown
    return " ".join(missed[:shown]) + (f" and {more} more" if more > 0 else "")


def workload_section(summary: WorkloadSummary | None) -> Section:
    missing = "The repair desk (work logs) is not installed in this daemon."
    technicians = summary.technicians if summary else []
    requests = summary.requests if summary else []
    return Section(
        name="workload",
        title="Technician workload",
        figures=[]
        if summary is None
        else [
            Figure("Time logged", f"{hours(sum(r.minutes for r in technicians) * 60.0)} h"),
            Figure("Repair requests opened", str(sum(r.requests for r in requests))),
        ],
        tables=[
            Table(
                "workload",
                "Per technician",
                (
                    Column("technician", "Technician"),
                    Column("tickets", "Tickets worked on", "count"),
                    Column("hours_logged", "Time logged", "h"),
                ),
                [(r.technician, r.tickets, hours(r.minutes * 60.0)) for r in technicians],
                note=missing
                if summary is None
                else ("" if technicians else "No time was logged in the period."),
            ),
            Table(
                "repair_requests",
                "Repair requests by category",
                (
                    Column("category", "Category"),
                    Column("priority", "Priority"),
                    Column("requests", "Requests", "count"),
                ),
                [(r.category, r.priority, r.requests) for r in requests],
                note=missing if summary is None else ("" if requests else "No repair request was opened."),
            ),
        ],
    )


def register_section(summary: RegisterSummary | None, within_days: int) -> Section:
    missing = "The equipment register is not installed in this daemon."
    return Section(
        name="register",
        title="Equipment register",
        tables=[
            Table(
                "assets_by_status",
                "Assets by status",
                (Column("status", "Status"), Column("assets", "Assets", "count")),
                [(a.status, a.assets) for a in summary.by_status] if summary else [],
                note=missing
                if summary is None
                else ("" if any(a.assets for a in summary.by_status) else "The register is empty."),
            ),
            Table(
                "warranties_ending",
                f"Warranties ending within {within_days} days",
                (
                    Column("asset_tag", "Asset"),
                    Column("kind", "Kind"),
                    Column("site", "Site"),
                    Column("model", "Model"),
                    Column("warranty_end", "Warranty end"),
                ),
                [(w.asset_tag, w.kind, w.site, w.model, w.warranty_end) for w in summary.warranties]
                if summary
                else [],
                note=missing if summary is None else ("" if summary.warranties else "None."),
            ),
        ],
    )


def day_label(hour: int, zone: ZoneInfo) -> str:
    return dt.datetime.fromtimestamp(hour, zone).date().isoformat()

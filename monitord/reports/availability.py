"""Availability per target, per site and per POS store, from the rollup and the outage log.

Which probe kinds say "the target is down": those of the ``down`` rules with
``marks_down: true`` in force (``host-down`` for icmp, ``tcp-service-down``,
``http-down``, ``tls-service-down``, ``dns-down``; see alerts/defaults.py), so
availability agrees with what the alert engine calls a target down. A target
probed by several such kinds takes the kind with the most seconds down (the
outages of one device usually show in all of its kinds at once).

- **share of time up** = 1 - seconds down / measured period length, where the
  measured length runs from the period start to its end (or to now inside it);
- **outage minutes** = seconds down / 60 (rollup);
- **longest outage** = the longest outage interval cut to the period (outage log).

A site's figure is the mean of its targets' shares (target-time up), its
outage minutes their sum. A POS store counts only inside its opening hours: the
store outages (``pos_store`` results) intersected with the opening windows,
over the open time in the period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from monitord.config.loader import LoadedConfig
from monitord.pos.evaluator import STORE_KIND
from monitord.reports.opening import StoreHours, opening_windows, overlap
from monitord.reports.rollup_repo import JobTotals, Outage


@dataclass(frozen=True, slots=True)
class TargetFigure:
    target: str
    site: str
    kind: str | None  # the kind the figure is from; None without data
    critical: bool
    measured_s: float
    down_s: float
    runs: int
    failed: int
    outages: int
    longest_s: float

    @property
    def share(self) -> float | None:
        """Percent of the measured time up, unrounded (sites average these)."""
        if self.kind is None or self.measured_s <= 0:
            return None
        return 100.0 * (1.0 - self.down_s / self.measured_s)

    @property
    def availability(self) -> float | None:
        share = self.share
        return None if share is None else round(share, 3)


@dataclass(frozen=True, slots=True)
class SiteFigure:
    site: str
    targets: int
    availability: float | None
    down_s: float
    longest_s: float


@dataclass(frozen=True, slots=True)
class StoreFigure:
    store: str
    site: str
    open_s: float
    down_s: float
    outages: int
    longest_s: float

    @property
    def availability(self) -> float | None:
        return None if self.open_s <= 0 else round(100.0 * (1.0 - self.down_s / self.open_s), 3)


def down_kinds(loaded: LoadedConfig) -> set[str]:
    """Probe kinds whose failure marks a target down in the alert rules in force."""
    alerts = loaded.config.alerts
    return {
        rule.kind
        for rule in alerts.effective_rules()
        if rule.condition == "down" and rule.marks_down and rule.kind is not None and rule.kind != STORE_KIND
    }


def _clipped(outages: list[Outage], start: float, end: float) -> list[tuple[float, float]]:
    return [
        (max(o.started, start), min(o.ended, end)) for o in outages if o.ended > start and o.started < end
    ]


def target_figures(
    loaded: LoadedConfig,
    totals: list[JobTotals],
    outages: list[Outage],
    start: float,
    until: float,
) -> list[TargetFigure]:
    """One figure per configured target probed by a down kind, worst kind first."""
    kinds = down_kinds(loaded)
    by_job: dict[tuple[str, str], JobTotals] = {(t.target, t.kind): t for t in totals}
    outages_of: dict[tuple[str, str], list[Outage]] = defaultdict(list)
    for outage in outages:
        outages_of[(outage.target, outage.kind)].append(outage)
    measured = max(0.0, until - start)
    figures = []
    for resolved in loaded.targets:
        target = resolved.target
        probed = [k for k in resolved.probes if k in kinds]
        if not probed:
            continue
        candidates = [by_job[(target.name, k)] for k in probed if (target.name, k) in by_job]
        critical = target.criticality == "urgent"
        if not candidates:
            figures.append(
                TargetFigure(target.name, target.site, None, critical, measured, 0.0, 0, 0, 0, 0.0)
            )
            continue
        worst = max(candidates, key=lambda t: (t.down_s, t.failed, t.kind))
        pieces = _clipped(outages_of.get((target.name, worst.kind), []), start, until)
        figures.append(
            TargetFigure(
                target=target.name,
                site=target.site,
                kind=worst.kind,
                critical=critical,
                measured_s=measured,
                down_s=worst.down_s,
                runs=worst.runs,
                failed=worst.failed,
                outages=len(pieces),
                longest_s=max((b - a for a, b in pieces), default=0.0),
            )
        )
    return figures


def site_figures(targets: list[TargetFigure]) -> list[SiteFigure]:
    by_site: dict[str, list[TargetFigure]] = defaultdict(list)
    for figure in targets:
        by_site[figure.site].append(figure)
    out = []
    for site in sorted(by_site):
        members = by_site[site]
        shares = [f.share for f in members if f.share is not None]
        out.append(
            SiteFigure(
                site=site,
                targets=len(members),
                availability=round(sum(shares) / len(shares), 3) if shares else None,
                down_s=sum(f.down_s for f in members),
                longest_s=max((f.longest_s for f in members), default=0.0),
            )
        )
    return out


def store_figures(
    stores: list[StoreHours], outages: list[Outage], start: float, until: float
) -> list[StoreFigure]:
    """Each store's availability inside its opening hours."""
    outages_of: dict[str, list[Outage]] = defaultdict(list)
    for outage in outages:
        if outage.kind == STORE_KIND:
            outages_of[outage.target].append(outage)
    out = []
    for store in stores:
        windows = opening_windows(store.hours, start, until)
        pieces = overlap(_clipped(outages_of.get(store.name, []), start, until), windows)
        out.append(
            StoreFigure(
                store=store.name,
                site=store.site,
                open_s=sum(b - a for a, b in windows),
                down_s=sum(b - a for a, b in pieces),
                outages=len(pieces),
                longest_s=max((b - a for a, b in pieces), default=0.0),
            )
        )
    return out

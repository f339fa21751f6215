"""The overview's figures: every target's state, grouped by site, with alerts and silences.

Computed once per request from what the JSON API reads (the configuration in
force, the scheduler's newest results, the alert engine's alerts and silence
book), in one pass over the targets, so 10,000 targets cost milliseconds. The
page shows a summary per site and one page of targets, problems first, which
keeps its HTML small whatever the number of targets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from alerts.service import AlertService
from alerts.silences import SilenceBook
from alerts.state import Alert
from monitord.api.core_routes import last_by_target, target_state
from monitord.config.resolve import ResolvedTarget
from monitord.results import ProbeResult

# Shown in this order: what needs a person first.
STATES = ("down", "flapping", "silenced", "pending", "unmonitored", "up")
RANK = {state: i for i, state in enumerate(STATES)}


@dataclass(frozen=True, slots=True)
class TargetRow:
    name: str
    site: str
    address: str
    state: str  # one of STATES
    probe_state: str  # up | down | pending | unmonitored, before silences and flapping
    firing: int
    reason: str | None


@dataclass(slots=True)
class SiteRow:
    name: str
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def problems(self) -> int:
        return self.total - self.counts["up"]


@dataclass(frozen=True, slots=True)
class Board:
    rows: list[TargetRow]  # every target, problems first
    sites: list[SiteRow]  # problems first
    totals: Counter[str]
    firing: list[Alert]


def _target_labels(resolved: ResolvedTarget) -> dict[str, str]:
    target = resolved.target
    labels = {"target": target.name, "site": target.site}
    if target.zone:
        labels["zone"] = target.zone
    if target.parent:
        labels["parent"] = target.parent
    if target.tags:
        labels["tags"] = ",".join(target.tags)
    return labels


def _reason(last: Mapping[str, ProbeResult]) -> str | None:
    for result in last.values():
        if not result.ok and result.reason:
            return result.reason
    return None


def build_board(
    targets: Sequence[ResolvedTarget],
    latest: Mapping[tuple[str, str], ProbeResult],
    alerts: AlertService | None,
    moment: datetime,
) -> Board:
    grouped = last_by_target(latest)
    by_target: dict[str, list[Alert]] = {}
    firing: list[Alert] = []
    if alerts is not None:
        for alert in alerts.evaluator.alerts.values():
            if alert.status == "firing" or alert.flapping:
                by_target.setdefault(alert.target, []).append(alert)
            if alert.status == "firing":
                firing.append(alert)
    silences = alerts.silences if alerts is not None else None
    any_silence = silences is not None and any(s.active(moment) for s in silences.all())
    rows: list[TargetRow] = []
    sites: dict[str, SiteRow] = {}
    totals: Counter[str] = Counter()
    for resolved in targets:
        target = resolved.target
        last = grouped.get(target.name, {})
        base = target_state(resolved, last)
        own = by_target.get(target.name, ())
        state = base
        if any(a.flapping for a in own):
            state = "flapping"
        elif any_silence and silences is not None and _silenced(silences, resolved, own, moment):
            state = "silenced"
        rows.append(
            TargetRow(
                name=target.name,
                site=target.site,
                address=target.address,
                state=state,
                probe_state=base,
                firing=sum(1 for a in own if a.status == "firing"),
                reason=_reason(last) if base == "down" else None,
            )
        )
        site = sites.get(target.site)
        if site is None:
            site = sites[target.site] = SiteRow(target.site)
        site.counts[state] += 1
        totals[state] += 1
    rows.sort(key=lambda r: (RANK[r.state], r.site, r.name))
    ordered_sites = sorted(sites.values(), key=lambda s: (-s.counts["down"], -s.problems, s.name))
    firing.sort(
        key=lambda a: (a.labels.get("priority") != "urgent", a.labels.get("site", ""), a.target, a.rule)
    )
    return Board(rows, ordered_sites, totals, firing)


def _silenced(
    silences: SilenceBook, resolved: ResolvedTarget, own: Iterable[Alert], moment: datetime
) -> bool:
    if silences.muted(_target_labels(resolved), moment):
        return True
    return any(silences.muted(a.labels, moment) for a in own)


def select_rows(
    rows: Sequence[TargetRow], *, site: str | None, state: str | None, text: str | None
) -> list[TargetRow]:
    needle = text.lower() if text else None
    return [
        r
        for r in rows
        if (site is None or r.site == site)
        and (state is None or r.state == state)
        and (needle is None or needle in r.name.lower() or needle in r.address.lower())
    ]

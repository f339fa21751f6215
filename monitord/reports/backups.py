"""Backup compliance: days with a verified backup out of days due, from backup probe results.

A day (a calendar date of the period, in the target's site time zone) counts as
verified when at least one ``backup`` run that day was *clean*: it reached the
server and found the newest backup present, fresh, big enough, not shrunk and,
where a checksum or verify command is configured, verified (an ``ok`` result
with nothing found, ``reason`` empty; see probes/backup.py). Every date of the
period up to ``as_of`` is due for every target with a backup probe. The rollup
keeps clean runs per UTC hour, so a day is made of the hours that start in it
(exact in zones with whole-hour offsets).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from monitord.config.loader import LoadedConfig
from monitord.reports.periods import Period

BACKUP_KIND = "backup"


@dataclass(frozen=True, slots=True)
class BackupFigure:
    target: str
    site: str
    due: int
    verified: int
    missed: list[str]  # ISO dates without a verified backup

    @property
    def percent(self) -> float | None:
        return None if self.due == 0 else round(100.0 * self.verified / self.due, 3)


def backup_targets(loaded: LoadedConfig) -> list[tuple[str, str, str]]:
    """(target, site, site time zone) of every target with a backup probe."""
    sites = loaded.config.sites
    out = []
    for resolved in loaded.targets:
        if BACKUP_KIND in resolved.probes:
            site = sites.get(resolved.target.site)
            out.append((resolved.target.name, resolved.target.site, site.timezone if site else "UTC"))
    return out


def backup_figures(
    targets: list[tuple[str, str, str]], clean_hours: list[tuple[str, int]], period: Period, as_of: float
) -> list[BackupFigure]:
    hours_of: dict[str, list[int]] = defaultdict(list)
    for target, hour in clean_hours:
        hours_of[target].append(hour)
    out = []
    for target, site, timezone in targets:
        zone = ZoneInfo(timezone)
        due_dates = _due_dates(period, as_of, zone)
        good = {dt.datetime.fromtimestamp(hour, zone).date() for hour in hours_of.get(target, [])}
        missed = [d.isoformat() for d in due_dates if d not in good]
        out.append(BackupFigure(target, site, len(due_dates), len(due_dates) - len(missed), missed))
    return out


def _due_dates(period: Period, as_of: float, zone: ZoneInfo) -> list[dt.date]:
    """Dates whose local midnight lies in [period start, as_of) in ``zone``."""
    first = dt.datetime.fromtimestamp(period.start, zone).date()
    dates = []
    day = first
    while True:
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()
        if midnight >= as_of:
            break
        if midnight >= period.start:
            dates.append(day)
        day += dt.timedelta(days=1)
    return dates

"""When each POS store was open during a period: its opening hours as UTC intervals.

The hours are the POS configuration's (``pos.stores.<name>.hours``, else
``pos.hours``, else around the clock), in the store's site time zone, minus
holidays. Each local day's ranges are turned into UTC through ``zoneinfo``, so
on the day the clocks change a store open 00:00-24:00 is open 23 or 25 hours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from monitord.config.loader import LoadedConfig
from monitord.pos.hours import ALWAYS_OPEN, OpeningHours, parse_hours

Interval = tuple[float, float]


@dataclass(frozen=True, slots=True)
class StoreHours:
    name: str
    site: str
    hours: OpeningHours


def store_hours(loaded: LoadedConfig) -> list[StoreHours]:
    """Every configured store with its opening hours (as the POS register reads them)."""
    config = loaded.config
    pos = config.pos
    if not pos.enabled:
        return []
    default_week = parse_hours(pos.hours) if pos.hours is not None else ALWAYS_OPEN
    out = []
    for name, spec in pos.stores.items():
        site_name = spec.site or name
        site = config.sites.get(site_name)
        week = parse_hours(spec.hours) if spec.hours is not None else default_week
        holidays = frozenset([*pos.holidays, *spec.holidays])
        out.append(
            StoreHours(name, site_name, OpeningHours(week, site.timezone if site else "UTC", holidays))
        )
    return out


def _wall(day: dt.date, minute: int, hours: OpeningHours) -> float:
    day = day + dt.timedelta(days=minute // 1440)
    minute %= 1440
    return dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=hours.zone).timestamp()


def opening_windows(hours: OpeningHours, start: float, end: float) -> list[Interval]:
    """The open intervals within [start, end), merged and in order."""
    first = dt.datetime.fromtimestamp(start, hours.zone).date() - dt.timedelta(days=1)
    last = dt.datetime.fromtimestamp(end, hours.zone).date() + dt.timedelta(days=1)
    spans: list[Interval] = []
    day = first
    while day <= last:
        if day not in hours.holidays:
            for begin_minute, end_minute in hours.week[day.weekday()]:
                begin = max(start, _wall(day, begin_minute, hours))
                finish = min(end, _wall(day, end_minute, hours))
                if finish <= begin:
                    continue
                if spans and begin <= spans[-1][1]:
                    spans[-1] = (spans[-1][0], max(finish, spans[-1][1]))
                else:
                    spans.append((begin, finish))
        day += dt.timedelta(days=1)
    return spans


def overlap(pieces: list[Interval], windows: list[Interval]) -> list[Interval]:
    """The parts of ``pieces`` inside ``windows`` (both sorted lists of intervals)."""
    out: list[Interval] = []
    for begin, finish in sorted(pieces):
        for open_at, close_at in windows:
            if close_at <= begin:
                continue
            if open_at >= finish:
                break
            out.append((max(begin, open_at), min(finish, close_at)))
    return out

"""Opening hours per weekday, in the store's time zone, minus holidays.

Written the way a store manager says it::

    hours:
      mon-fri: "08:00-20:00"
      sat: ["09:00-13:00", "14:00-18:00"]
      sun: closed

Unlisted days are closed; no ``hours`` at all means open around the clock. The
evaluator asks ``OpeningHours.status_at(ts)`` once and caches the answer until
the next opening or closing, so 2,000 stores cost nothing per second.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

HoursSpec = dict[str, str | list[str]]
DayRanges = tuple[tuple[int, int], ...]  # (start minute, end minute) within the day
WeeklyHours = tuple[DayRanges, ...]  # seven entries, Monday first

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS_OPEN: WeeklyHours = tuple(((0, 1440),) for _ in DAYS)
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_LOOK_DAYS = 8  # how far either side of now a status looks for the previous/next change


def _days_of(key: str) -> list[int]:
    name = key.strip().lower()
    if name in ("daily", "every day", "mon-sun"):
        return list(range(7))
    first, sep, last = name.partition("-")
    if first not in DAYS or (sep and last not in DAYS):
        raise ValueError(f"{key}: not a day or day range (use mon..sun, e.g. mon-fri, or daily)")
    start = DAYS.index(first)
    end = DAYS.index(last) if sep else start
    if end < start:
        raise ValueError(f"{key}: a day range runs forward (mon-fri, not fri-mon)")
    return list(range(start, end + 1))


def _minutes(hour: str, minute: str, key: str, text: str) -> int:
    h, m = int(hour), int(minute)
    if m > 59 or h > 24 or (h == 24 and m):
        raise ValueError(f"{key}: {text!r} is not a time of day (00:00-24:00)")
    return h * 60 + m


def _ranges(key: str, value: str | list[str]) -> list[tuple[int, int]]:
    items = [value] if isinstance(value, str) else list(value)
    out: list[tuple[int, int]] = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"{key}: each entry is a string like '08:00-20:00'")
        if item.strip().lower() == "closed":
            continue
        match = _RANGE.match(item)
        if match is None:
            raise ValueError(f"{key}: {item!r} is not HH:MM-HH:MM or 'closed'")
        start = _minutes(match.group(1), match.group(2), key, item)
        end = _minutes(match.group(3), match.group(4), key, item)
        if end <= start:
            raise ValueError(
                f"{key}: {item!r} ends before it starts (split hours past midnight "
                "across two days: '22:00-24:00' and '00:00-02:00')"
            )
        out.append((start, end))
    return out


def parse_hours(spec: HoursSpec) -> WeeklyHours:
    """The week as seven lists of minute ranges; ValueError names the offending key."""
    week: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    assigned: dict[int, str] = {}
    for key, value in spec.items():
        for day in _days_of(key):
            if day in assigned:
                raise ValueError(f"{key}: {DAYS[day]} is already given by {assigned[day]}")
            assigned[day] = key
            week[day].extend(_ranges(key, value))
    merged: list[DayRanges] = []
    for ranges in week:
        ranges.sort()
        joined: list[tuple[int, int]] = []
        for start, end in ranges:
            if joined and start <= joined[-1][1]:
                joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
            else:
                joined.append((start, end))
        merged.append(tuple(joined))
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class HoursStatus:
    """Open or closed at a moment, since when, and until when (epoch seconds)."""

    open: bool
    since: float
    until: float

    def covers(self, ts: float) -> bool:
        return self.since <= ts < self.until


class OpeningHours:
    """A store's week in its own time zone, with its holidays closed all day."""

    def __init__(self, week: WeeklyHours, timezone: str, holidays: frozenset[dt.date] = frozenset()) -> None:
        self.week = week
        self.timezone = timezone
        self.zone = ZoneInfo(timezone)
        self.holidays = holidays

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OpeningHours) and (self.week, self.timezone, self.holidays) == (
            other.week,
            other.timezone,
            other.holidays,
        )

    def __hash__(self) -> int:
        return hash((self.week, self.timezone, self.holidays))

    def _edge(self, day: dt.date, minute: int) -> float:
        day = day + dt.timedelta(days=minute // 1440)
        minute %= 1440
        local = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=self.zone)
        return local.timestamp()

    def _intervals(self, around: dt.date) -> list[tuple[float, float]]:
        spans: list[tuple[float, float]] = []
        for offset in range(-_LOOK_DAYS, _LOOK_DAYS + 1):
            day = around + dt.timedelta(days=offset)
            if day in self.holidays:
                continue
            for start, end in self.week[day.weekday()]:
                begin, finish = self._edge(day, start), self._edge(day, end)
                if spans and begin <= spans[-1][1]:
                    spans[-1] = (spans[-1][0], max(finish, spans[-1][1]))
                else:
                    spans.append((begin, finish))
        return spans

    def status_at(self, ts: float) -> HoursStatus:
        """Whether the store is open at ``ts``; ``since``/``until`` bound the answer."""
        today = dt.datetime.fromtimestamp(ts, self.zone).date()
        spans = self._intervals(today)
        window_start = self._edge(today - dt.timedelta(days=_LOOK_DAYS), 0)
        window_end = self._edge(today + dt.timedelta(days=_LOOK_DAYS + 1), 0)
        previous_end = window_start
        for begin, finish in spans:
            if ts < begin:
                return HoursStatus(False, previous_end, begin)
            if ts < finish:
                # A span reaching the window's edge may continue; recheck there.
                return HoursStatus(True, begin, finish)
            previous_end = finish
        return HoursStatus(False, previous_end, window_end)

    def is_open(self, ts: float) -> bool:
        return self.status_at(ts).open

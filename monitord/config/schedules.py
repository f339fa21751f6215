"""Report schedules written the way a manager says them: "monthly on day 1 at 07:00".

Three forms, each in the schedule's own time zone::

    daily at 07:00
    weekly on monday at 07:00
    monthly on day 1 at 07:00      (day 1 to 28: every month has them)

``Schedule.next_after(ts)`` is the first firing strictly after ``ts`` (UTC
seconds). Local times are turned into UTC by ``zoneinfo``, so "07:00" stays
07:00 on the wall clock across a DST change; a time that does not exist on the
day the clocks go forward fires at the same UTC instant as the hour before it
(``fold=0``), one that exists twice fires at its first occurrence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FORM = re.compile(
    r"^\s*(?:(?P<daily>daily)|weekly on (?P<weekday>[a-z]+)|monthly on day (?P<day>\d{1,2}))"
    r" at (?P<hour>\d{1,2}):(?P<minute>\d{2})\s*$",
    re.IGNORECASE,
)
Every = Literal["daily", "weekly", "monthly"]


@dataclass(frozen=True, slots=True)
class Schedule:
    every: Every
    hour: int
    minute: int
    weekday: int = 0  # Monday 0 (weekly)
    day: int = 1  # day of the month (monthly)

    def _candidate(self, local: dt.date, zone: ZoneInfo) -> float:
        wall = dt.datetime(local.year, local.month, local.day, self.hour, self.minute, tzinfo=zone)
        return wall.timestamp()

    def next_after(self, ts: float, zone: ZoneInfo) -> float:
        """The first firing strictly after ``ts``."""
        today = dt.datetime.fromtimestamp(ts, zone).date()
        if self.every == "monthly":
            year, month = today.year, today.month
            for _ in range(3):
                at = self._candidate(dt.date(year, month, self.day), zone)
                if at > ts:
                    return at
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            raise AssertionError("unreachable: a later month always has the day")
        for offset in range(9):
            day = today + dt.timedelta(days=offset)
            if self.every == "weekly" and day.weekday() != self.weekday:
                continue
            at = self._candidate(day, zone)
            if at > ts:
                return at
        raise AssertionError("unreachable: a later week always has the weekday")


def parse_schedule(text: str) -> Schedule:
    """ValueError with the accepted forms for anything else."""
    match = _FORM.match(text)
    if match is None:
        raise ValueError(
            f"{text!r}: use 'daily at HH:MM', 'weekly on <weekday> at HH:MM' or 'monthly on day N at HH:MM'"
        )
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r}: {hour:02d}:{minute:02d} is not a time of day")
    if match["daily"]:
        return Schedule("daily", hour, minute)
    if match["weekday"]:
        name = match["weekday"].lower()
        if name not in WEEKDAY_NAMES:
            raise ValueError(f"{text!r}: {name!r} is not a weekday (monday ... sunday)")
        return Schedule("weekly", hour, minute, weekday=WEEKDAY_NAMES.index(name))
    day = int(match["day"])
    if not 1 <= day <= 28:
        raise ValueError(f"{text!r}: the day of the month is 1 to 28 (every month has it)")
    return Schedule("monthly", hour, minute, day=day)

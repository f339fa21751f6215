"""When a normal-priority message may go out under ``normal_delivery: business_hours``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.silences import WEEKDAYS, WeeklyWindow


def next_delivery(window: WeeklyWindow, now: float) -> float:
    """``now`` inside business hours, else the start of the next business-hours window."""
    moment = datetime.fromtimestamp(now, UTC)
    if window.contains(moment):
        return now
    zone = ZoneInfo(window.timezone)
    local = moment.astimezone(zone)
    for days in range(8):
        day = (local + timedelta(days=days)).date()
        if WEEKDAYS[day.weekday()] not in window.days:
            continue
        start = datetime.combine(day, window.start, tzinfo=zone)
        if start > local:
            return start.timestamp()
    return now

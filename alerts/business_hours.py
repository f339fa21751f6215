"""When a normal-priority message may go out under ``normal_delivery: business_hours``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.silences import WEEKDAYS, WeeklyWindow
from monitord.config.notify import NotifyConfig


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


def delivery_slot(notify: NotifyConfig, urgent: bool, now: float) -> tuple[float, bool]:
    """(not before, digest) for a message written now: urgent ones go at once; normal ones
    as ``normal_delivery`` says (alert groups and repair requests alike)."""
    if urgent or notify.normal_delivery == "immediate":
        return now, False
    if notify.normal_delivery == "business_hours":
        return next_delivery(notify.business_hours.window(), now), False
    slot = (now // notify.digest_interval + 1) * notify.digest_interval
    return next_delivery(notify.business_hours.window(), slot), True

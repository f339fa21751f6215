"""Report periods: last week, last month, a custom range, in a configured time zone.

Boundaries are local midnights turned into UTC by ``zoneinfo``, so a month that
contains a DST change is 743 or 745 hours long, not 744. Weeks start on Monday.
A custom ``from``/``to`` is a date (local midnight; ``to`` is exclusive, so
``from=2026-11-01&to=2026-12-01`` is November) or an ISO 8601 time with an
offset. A period's end may lie in the future ("this-month"): figures are then
computed up to ``as_of`` (the moment the report is made).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from monitord.errors import RequestError

MAX_DAYS = 400
MIN_YEAR_TS = 0.0
MAX_YEAR_TS = 253_370_764_800.0  # 9998-12-31: a period's local dates stay representable


@dataclass(frozen=True, slots=True)
class Period:
    start: float  # UTC epoch seconds, inclusive
    end: float  # exclusive
    label: str
    zone: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def until(self, now: float) -> float:
        """The end of what can be measured: the period's end, or ``now`` inside it."""
        return max(self.start, min(self.end, now))

    def local_dates(self) -> list[dt.date]:
        """Every calendar date (in the period's zone) the period touches."""
        first = dt.datetime.fromtimestamp(self.start, self.tz).date()
        last = dt.datetime.fromtimestamp(self.end - 1e-6, self.tz).date()
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def midnight(day: dt.date, zone: ZoneInfo) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


def _checked_date(text: str, zone: ZoneInfo, field: str) -> float:
    try:
        moment = midnight(dt.date.fromisoformat(text), zone)
    except (ValueError, OverflowError, OSError):
        raise RequestError(
            f"{field}: {text[:40]!r} is not a date (YYYY-MM-DD) or an ISO 8601 time", field=field, status=422
        ) from None
    if not MIN_YEAR_TS <= moment <= MAX_YEAR_TS:
        raise RequestError(f"{field}: reports cover the years 1970 to 9998", field=field, status=422)
    return moment


def named_period(name: str, now: float, zone: ZoneInfo) -> Period:
    """``yesterday``, ``last-week``, ``last-month``, ``this-week`` or ``this-month`` as seen at ``now``."""
    today = dt.datetime.fromtimestamp(now, zone).date()
    if name == "yesterday":
        first, after = today - dt.timedelta(days=1), today
        label = first.isoformat()
    elif name in ("last-week", "this-week"):
        monday = today - dt.timedelta(days=today.weekday())
        first = monday - dt.timedelta(days=7) if name == "last-week" else monday
        after = first + dt.timedelta(days=7)
        year, week, _ = first.isocalendar()
        label = f"week {year}-W{week:02d}"
    elif name in ("last-month", "this-month"):
        this_month = today.replace(day=1)
        first = (this_month - dt.timedelta(days=1)).replace(day=1) if name == "last-month" else this_month
        after = (first + dt.timedelta(days=32)).replace(day=1)
        label = first.strftime("%B %Y")
    else:
        raise RequestError(
            f"unknown period {name!r} (yesterday, last-week, last-month, this-week, this-month)",
            field="period",
            status=422,
        )
    return Period(midnight(first, zone), midnight(after, zone), label, zone.key)


def _moment(text: str, zone: ZoneInfo, field: str) -> tuple[float, bool]:
    """(UTC seconds, was a bare date) of ``text``."""
    if len(text) == 10:
        return _checked_date(text, zone, field), True
    try:
        parsed = dt.datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        moment = parsed.timestamp()
    except (ValueError, OverflowError, OSError):  # OverflowError: year 1 minus an offset
        raise RequestError(
            f"{field}: {text[:40]!r} is not a date (YYYY-MM-DD) or an ISO 8601 time", field=field, status=422
        ) from None
    if not MIN_YEAR_TS <= moment <= MAX_YEAR_TS:
        raise RequestError(f"{field}: reports cover the years 1970 to 9998", field=field, status=422)
    return moment, False


def custom_period(start: str, end: str, zone: ZoneInfo) -> Period:
    begin, begin_is_date = _moment(start, zone, "from")
    finish, end_is_date = _moment(end, zone, "to")
    if finish <= begin:
        raise RequestError("to must be after from", field="to", status=422)
    if finish - begin > MAX_DAYS * 86400:
        raise RequestError(f"a report covers at most {MAX_DAYS} days", field="to", status=422)
    if begin_is_date and end_is_date:
        last = dt.date.fromisoformat(end) - dt.timedelta(days=1)
        label = start if last.isoformat() == start else f"{start} to {last.isoformat()}"
    else:
        label = f"{start} to {end}"
    return Period(begin, finish, label, zone.key)


def resolve_period(
    period: str | None, start: str | None, end: str | None, now: float, zone: ZoneInfo
) -> Period:
    """The period a request names: ``from`` and ``to`` together, or a ``period`` name."""
    if start is not None or end is not None:
        if period is not None and period != "custom":
            raise RequestError("give either period or from and to, not both", field="period", status=422)
        if start is None or end is None:
            raise RequestError("from and to go together", field="from" if start is None else "to", status=422)
        return custom_period(start, end, zone)
    if period is None or period == "custom":
        if period == "custom":
            raise RequestError("period custom needs from and to", field="from", status=422)
        return named_period("last-month", now, zone)
    return named_period(period, now, zone)

"""Periods and schedules in a time zone, across DST changes (zoneinfo)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from monitord.config.schedules import parse_schedule
from monitord.errors import RequestError
from monitord.reports.periods import custom_period, named_period, resolve_period

BERLIN = ZoneInfo("Europe/Berlin")


def at(text: str, zone: dt.tzinfo = dt.UTC) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()


def test_last_month_across_the_autumn_change_is_745_hours() -> None:
    period = named_period("last-month", at("2026-11-03 09:00"), BERLIN)
    assert (period.start, period.end) == (at("2026-09-30 22:00"), at("2026-10-31 23:00"))
    assert period.end - period.start == 745 * 3600


def test_last_month_across_the_spring_change_is_743_hours() -> None:
    period = named_period("last-month", at("2026-04-15 09:00"), BERLIN)
    assert period.end - period.start == 743 * 3600
    assert period.label == "March 2026"


def test_last_week_is_monday_to_monday_local() -> None:
    # Wednesday 28 October 2026: last week is 19-26 October, whose Sunday had 25 hours.
    period = named_period("last-week", at("2026-10-28 12:00"), BERLIN)
    assert period.start == at("2026-10-19 00:00", BERLIN)
    assert period.end == at("2026-10-26 00:00", BERLIN)
    assert period.end - period.start == (7 * 24 + 1) * 3600
    assert period.label == "week 2026-W43"


def test_custom_dates_are_local_midnights_and_to_is_exclusive() -> None:
    period = custom_period("2026-10-01", "2026-10-02", BERLIN)
    assert period.end - period.start == 86400
    assert period.label == "2026-10-01"
    timed = custom_period("2026-10-01T06:00:00+00:00", "2026-10-01T07:00:00+00:00", BERLIN)
    assert timed.end - timed.start == 3600


@pytest.mark.parametrize(
    ("period", "start", "end", "field"),
    [
        (None, "2026-10-01", None, "to"),
        (None, None, "2026-10-01", "from"),
        ("last-week", "2026-10-01", "2026-10-02", "period"),
        ("custom", None, None, "from"),
        (None, "yesterday", "2026-10-02", "from"),
        (None, "2026-10-05", "2026-10-01", "to"),
        (None, "2020-01-01", "2026-01-01", "to"),
        ("fortnight", None, None, "period"),
        (None, "0001-01-01", "2026-01-01", "from"),  # year 1 minus Berlin's offset overflows
        (None, "2026-01-01", "9999-12-31T23:59:59", "to"),
        (None, "2026-02-30", "2026-03-01", "from"),
    ],
)
def test_bad_periods_name_the_field(
    period: str | None, start: str | None, end: str | None, field: str
) -> None:
    with pytest.raises(RequestError) as caught:
        resolve_period(period, start, end, at("2026-11-01 00:00"), BERLIN)
    assert caught.value.field == field
    assert caught.value.status == 422


def test_monthly_schedule_fires_at_local_time_on_both_sides_of_dst() -> None:
    schedule = parse_schedule("monthly on day 1 at 07:00")
    first = schedule.next_after(at("2026-10-15 00:00"), BERLIN)
    assert first == at("2026-11-01 07:00", BERLIN) == at("2026-11-01 06:00")  # CET
    assert schedule.next_after(first, BERLIN) == at("2026-12-01 06:00")
    summer = schedule.next_after(at("2026-09-15 00:00"), BERLIN)
    assert summer == at("2026-10-01 05:00")  # CEST


def test_weekly_and_daily_schedules() -> None:
    weekly = parse_schedule("weekly on Monday at 07:00")
    # Wednesday 28 October -> Monday 2 November 07:00 CET
    assert weekly.next_after(at("2026-10-28 12:00"), BERLIN) == at("2026-11-02 06:00")
    # exactly at the moment: the next one, a week later
    assert weekly.next_after(at("2026-11-02 06:00"), BERLIN) == at("2026-11-09 06:00")
    daily = parse_schedule("daily at 23:30")
    assert daily.next_after(at("2026-10-25 00:00"), BERLIN) == at("2026-10-25 22:30")  # CET already


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("monthly on day 31 at 07:00", "1 to 28"),
        ("weekly on funday at 07:00", "not a weekday"),
        ("daily at 25:00", "not a time of day"),
        ("every monday", "use 'daily at HH:MM'"),
    ],
)
def test_bad_schedules_say_why(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_schedule(text)

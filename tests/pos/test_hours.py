"""Opening hours: parsing with exact errors, and open/closed edges in the store's time zone."""

from __future__ import annotations

import datetime as dt

import pytest

from monitord.pos.hours import ALWAYS_OPEN, OpeningHours, parse_hours
from tests.pos.harness import local

WEEK = parse_hours({"mon-fri": "08:00-20:00", "sat": ["09:00-13:00", "14:00-18:00"], "sun": "closed"})
BERLIN_HOURS = OpeningHours(WEEK, "Europe/Berlin", frozenset({dt.date(2026, 12, 25)}))


def test_parse_week() -> None:
    assert WEEK[0] == ((480, 1200),)
    assert WEEK[5] == ((540, 780), (840, 1080))
    assert WEEK[6] == ()
    assert parse_hours({"daily": "00:00-24:00"}) == ALWAYS_OPEN
    assert parse_hours({"mon": ["08:00-12:00", "11:00-14:00"]})[0] == ((480, 840),)
    assert parse_hours({"mon": "08:00-12:00"})[1] == ()  # unlisted days are closed


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"funday": "08:00-20:00"}, "funday: not a day or day range (use mon..sun, e.g. mon-fri, or daily)"),
        ({"fri-mon": "08:00-20:00"}, "fri-mon: a day range runs forward (mon-fri, not fri-mon)"),
        ({"mon": "8-20"}, "mon: '8-20' is not HH:MM-HH:MM or 'closed'"),
        ({"mon": "08:00-25:00"}, "mon: '08:00-25:00' is not a time of day (00:00-24:00)"),
        ({"mon": "08:61-20:00"}, "mon: '08:61-20:00' is not a time of day (00:00-24:00)"),
        ({"mon-fri": "08:00-20:00", "fri": "closed"}, "fri: fri is already given by mon-fri"),
        (
            {"mon": "20:00-08:00"},
            "mon: '20:00-08:00' ends before it starts (split hours past midnight "
            "across two days: '22:00-24:00' and '00:00-02:00')",
        ),
    ],
)
def test_parse_errors(spec: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_hours(spec)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_closing_time_edge() -> None:
    before = BERLIN_HOURS.status_at(local("2026-11-30T19:59:59").timestamp())
    at = BERLIN_HOURS.status_at(local("2026-11-30T20:00:00").timestamp())
    assert before.open and before.until == local("2026-11-30T20:00:00").timestamp()
    assert before.since == local("2026-11-30T08:00:00").timestamp()
    assert not at.open and at.until == local("2026-12-01T08:00:00").timestamp()


def test_lunch_break_and_sunday() -> None:
    assert not BERLIN_HOURS.is_open(local("2026-12-05T13:30:00").timestamp())
    assert BERLIN_HOURS.is_open(local("2026-12-05T14:00:00").timestamp())
    sunday = BERLIN_HOURS.status_at(local("2026-12-06T12:00:00").timestamp())
    assert not sunday.open
    assert sunday.since == local("2026-12-05T18:00:00").timestamp()
    assert sunday.until == local("2026-12-07T08:00:00").timestamp()


def test_holiday_closes_the_whole_day() -> None:
    christmas = BERLIN_HOURS.status_at(local("2026-12-25T12:00:00").timestamp())
    assert not christmas.open
    assert christmas.since == local("2026-12-24T20:00:00").timestamp()
    assert christmas.until == local("2026-12-26T09:00:00").timestamp()  # Saturday hours


def test_time_zone_and_dst() -> None:
    # 07:30 UTC in winter is 08:30 in Berlin (open) but 07:30 in London (closed).
    ts = dt.datetime(2026, 11, 30, 7, 30, tzinfo=dt.UTC).timestamp()
    assert BERLIN_HOURS.is_open(ts)
    assert not OpeningHours(WEEK, "Europe/London").is_open(ts)
    # On the spring-forward Monday after DST, opening is still 08:00 local (06:00 UTC).
    summer = OpeningHours(WEEK, "Europe/Berlin").status_at(
        dt.datetime(2026, 3, 30, 6, 0, tzinfo=dt.UTC).timestamp()
    )
    assert summer.open and summer.since == dt.datetime(2026, 3, 30, 6, 0, tzinfo=dt.UTC).timestamp()


def test_always_open_never_closes() -> None:
    hours = OpeningHours(ALWAYS_OPEN, "UTC")
    ts = local("2026-11-30T03:00:00").timestamp()
    status = hours.status_at(ts)
    assert status.open and status.until - ts > 6 * 86400

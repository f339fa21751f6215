"""The weekly warranty digest: its schedule (time zones, DST) on plain values, and end to end
through the durable outbox to a real ``json://`` receiver, once per week even across a restart."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitord.assets.digest import WEEKDAYS, compose, last_slot, next_slot
from monitord.config.assets import DigestConfig
from tests.alerts.harness import api, config_doc, engine, running
from tests.servers.receiver import Receiver

BERLIN = ZoneInfo("Europe/Berlin")


def _at(text: str, zone: ZoneInfo = BERLIN) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()


def test_the_slot_is_the_last_configured_weekday_and_time_in_its_zone() -> None:
    config = DigestConfig(day="monday", time="08:00", timezone="Europe/Berlin")
    # Wednesday 2026-12-02: the last slot is Monday 2026-11-30 08:00 Berlin (07:00 UTC).
    assert last_slot(_at("2026-12-02T12:00:00"), config).isoformat() == "2026-11-30T08:00:00+01:00"
    # Monday 07:59 is still last week's slot; 08:00 sharp is this week's.
    assert last_slot(_at("2026-11-30T07:59:00"), config).date() == dt.date(2026, 11, 23)
    assert last_slot(_at("2026-11-30T08:00:00"), config).date() == dt.date(2026, 11, 30)
    assert next_slot(_at("2026-11-30T08:00:00"), config) == _at("2026-12-07T08:00:00")


def test_a_dst_change_keeps_the_local_hour() -> None:
    config = DigestConfig(day="monday", time="08:00", timezone="Europe/Berlin")
    # The clocks go forward on Sunday 2027-03-28: the next Monday 08:00 is 06:00 UTC, not 07:00.
    after = next_slot(_at("2027-03-22T09:00:00"), config)
    assert dt.datetime.fromtimestamp(after, dt.UTC).isoformat() == "2027-03-29T06:00:00+00:00"
    assert dt.datetime.fromtimestamp(after, BERLIN).hour == 8


def test_compose_lists_soonest_first_with_days_left() -> None:
    items = [
        {
            "tag": "UPS-0001",
            "vendor": "APC",
            "model": "SMT1500",
            "kind": "ups",
            "site": "head-office",
            "room": "server room",
            "warranty_end": "2026-12-11",
        },
        {
            "tag": "TILL-0001",
            "vendor": None,
            "model": None,
            "kind": "pos-till",
            "site": "store-1",
            "room": None,
            "warranty_end": "2027-01-20",
        },
    ]
    title, body = compose(items, dt.date(2026, 11, 30), 60)
    assert title == "Warranties ending within 60 days: 2 assets"
    assert body.splitlines() == [
        "UPS-0001 (APC SMT1500, head-office, server room): ends 2026-12-11, in 11 days",
        "TILL-0001 (pos-till, store-1): ends 2027-01-20, in 51 days",
    ]


@pytest.mark.parametrize("bad", ["8:00", "24:00", "08:60", "noon"])
def test_a_bad_time_is_refused_naming_it(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a time of day as HH:MM"):
        DigestConfig(time=bad)


async def test_the_digest_reaches_the_route_once_per_week(tmp_path: Path, receiver: Receiver) -> None:
    now = dt.datetime.now(dt.UTC)
    doc = config_doc(tmp_path, [], receiver.url(), rules=[])
    doc["sites"] = {"head-office": {}}
    # This week's slot is a minute ago: a daemon starting now sends it (it was not sent yet).
    slot = now - dt.timedelta(minutes=1)
    doc["assets"] = {
        "digest": {"route": "oncall", "day": WEEKDAYS[slot.weekday()], "time": slot.strftime("%H:%M")},
        "discovery": {"enabled": False},
    }
    today = slot.date()
    soon = (today + dt.timedelta(days=10)).isoformat()
    later = (today + dt.timedelta(days=90)).isoformat()
    async with running(doc) as daemon:
        for tag, end in (("UPS-0001", soon), ("SW-0001", later)):
            status, body = await api(
                daemon,
                "POST",
                "/api/v1/assets",
                json={"tag": tag, "kind": "ups", "site": "head-office", "warranty_end": end, "vendor": "APC"},
            )
            assert status == 201, body
        await daemon_assets(daemon).send_digest()
        engine(daemon).deliverer.wake()  # type: ignore[union-attr]
        messages = await receiver.wait_for(1, 60)
        assert [m.title for m in messages] == ["Warranties ending within 60 days: 1 asset"]
        assert messages[0].body == f"UPS-0001 (APC, head-office): ends {soon}, in 10 days"
        assert await daemon_assets(daemon).send_digest() == 0  # this week's is out already
    async with running(doc) as daemon:  # a restart in the same week sends nothing new
        assert await daemon_assets(daemon).send_digest() == 0
        engine(daemon).deliverer.wake()  # type: ignore[union-attr]
        assert len(await receiver.wait_for(2, 2)) == 1


def daemon_assets(daemon):  # type: ignore[no-untyped-def]
    from monitord.assets.service import AssetService

    found = next(s for s in daemon.services if s.name == "assets")
    assert isinstance(found, AssetService)
    return found

"""End to end: an unacknowledged urgent ticket is repeated and escalated (short SMS form);
acknowledging it stops both."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from alerts.business_hours import next_delivery
from alerts.silences import WeeklyWindow
from tests.alerts.harness import (
    Listener,
    api,
    config_doc,
    rounds,
    running,
    settle,
    shifted,
    tcp_target,
    wait_until,
)
from tests.servers.receiver import Receiver


async def test_repeat_and_escalation_until_acknowledged(
    tmp_path: Path, receiver: Receiver, listeners: Callable[[], Listener]
) -> None:
    service = listeners()
    doc = config_doc(
        tmp_path,
        [tcp_target("core-router", service.port, site="head-office", criticality="urgent")],
        receiver.url("urgent"),
        route={
            "match": {"priorities": ["urgent"]},
            "group_wait": 0,
            "repeat_interval": "2m",
            "escalate_after": "1m",
            "escalate_to": "sms",
        },
        notify={
            "routes": [
                {
                    "name": "oncall",
                    "urls": [receiver.url("urgent")],
                    "match": {"priorities": ["urgent"]},
                    "group_wait": 0,
                    "group_interval": "0.5s",
                    "repeat_interval": "2m",
                    "escalate_after": "1m",
                    "escalate_to": "sms",
                },
                {
                    "name": "sms",
                    "urls": [receiver.url("sms")],
                    "escalation_only": True,
                    "format": "short",
                    "group_wait": 0,
                },
            ]
        },
    )
    async with running(doc) as daemon:
        await receiver.wait_for(1, 60)
        await settle(daemon)
        assert [m.path for m in receiver.messages] == ["/urgent"]  # not yet repeated or escalated
        shifted(daemon).advance(120)  # past escalate_after (1 min) and repeat_interval (2 min)

        def escalated_and_repeated() -> bool:
            paths = [(m.path, m.title) for m in receiver.messages]
            return any(path == "/sms" for path, _ in paths) and any(
                path == "/urgent" and "STILL FIRING" in title for path, title in paths
            )

        await wait_until(escalated_and_repeated, 60, "an escalation and a repeat")
        await settle(daemon)
        by_path = [(m.path, m.title, m.body) for m in receiver.messages]
        assert by_path[0][0] == "/urgent" and "[URGENT] FIRING" in by_path[0][1]
        sms = [m for m in receiver.messages if m.path == "/sms"]
        assert len(sms) == 1 and sms[0].title == "" and sms[0].body.startswith("URGENT ESCALATED head-office")
        repeats = [m for m in receiver.messages if m.path == "/urgent" and "STILL FIRING" in m.title]
        assert len(repeats) == 1

        _, body = await api(daemon, "GET", "/api/v1/tickets")
        ticket_id = body["tickets"][0]["id"]
        status, _ = await api(daemon, "POST", f"/api/v1/tickets/{ticket_id}/ack")
        assert status == 200
        count = len(receiver.messages)
        shifted(daemon).advance(130)  # another repeat interval
        await rounds(daemon, 3)  # the reminder round of the new time has run
        await settle(daemon)
        assert len(receiver.messages) == count  # acknowledged: no more repeats or escalations
        assert len([m for m in receiver.messages if m.path == "/sms"]) == 1


def test_business_hours_hold_normal_messages_until_the_next_opening() -> None:
    window = WeeklyWindow(
        days=["mon", "tue", "wed", "thu", "fri"], start="08:00", end="18:00", timezone="Europe/Berlin"
    )
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC).timestamp()
    monday_open = datetime(2026, 11, 30, 7, 0, tzinfo=UTC).timestamp()  # 08:00 in Berlin
    assert next_delivery(window, saturday) == monday_open
    tuesday_noon = datetime(2026, 12, 1, 11, 0, tzinfo=UTC).timestamp()
    assert next_delivery(window, tuesday_noon) == tuesday_noon

"""A scheduled report arrives at a real json:// receiver with its PDF attached, through the
durable outbox, when an injected clock passes its moment; the PDF is kept until delivered."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from alerts.tables import outbox
from monitord.clock import ManualClock
from monitord.reports.delivery import outbox_dir
from monitord.store.probe_state import ProbeStateRepo
from tests.daemon_harness import base_config
from tests.eventually import eventually
from tests.reports.daemon import reports_of, running
from tests.servers.receiver import Receiver

BERLIN = ZoneInfo("Europe/Berlin")


def document(tmp_path: Path, receiver: Receiver, state_url: str) -> dict[str, Any]:
    doc = base_config(
        tmp_path / "state",
        sites={"hq": {"timezone": "Europe/Berlin"}},
        reports={
            "timezone": "Europe/Berlin",
            "schedules": [
                {
                    "name": "monthly-management",
                    "kind": "management",
                    "period": "last-month",
                    "schedule": "monthly on day 1 at 07:00",
                    "timezone": "Europe/Berlin",
                    "recipients": [receiver.url("boss"), receiver.url("archive")],
                }
            ],
        },
        # The alert engine runs too: its deliverer must leave the report's rows alone.
        notify={"routes": [{"name": "chat", "urls": [receiver.url("alerts")]}], "retry_initial": "1s"},
    )
    doc["storage"] = {"state_url": state_url}
    return doc


async def test_a_scheduled_report_arrives_with_its_pdf(
    tmp_path: Path, receiver: Receiver, state_url: str
) -> None:
    clock = ManualClock(dt.datetime(2026, 11, 1, 6, 59, 0, tzinfo=BERLIN))
    async with running(document(tmp_path, receiver, state_url), clock) as daemon:
        service = reports_of(daemon)
        assert service.scheduler is not None
        assert service.scheduler.next_due() == dt.datetime(2026, 11, 1, 7, 0, tzinfo=BERLIN).timestamp()
        clock.set(dt.datetime(2026, 11, 1, 7, 0, 1, tzinfo=BERLIN))
        received = await receiver.wait_for(2, timeout=90)
        assert sorted(m.path for m in received) == ["/archive", "/boss"]
        for message in received:
            assert message.title == "IT operations report: October 2026"
            assert "attached as a PDF" in message.body
            assert message.key is not None and message.key.startswith("report:monthly-management:")
            (attachment,) = message.payload["attachments"]
            assert attachment["filename"] == "monthly-management-management-report-2026-10-01.pdf"
            assert attachment["mimetype"] == "application/pdf"
            assert base64.b64decode(attachment["base64"]).startswith(b"%PDF-")
        store = daemon.state_store

        async def rows() -> list[Any]:
            async with store.engine.connect() as conn:
                return list((await conn.execute(select(outbox).order_by(outbox.c.id))).mappings().all())

        sent = await rows()
        assert [(r["route"], r["url_index"]) for r in sent] == [
            ("report:monthly-management", 0),
            ("report:monthly-management", 1),
        ]
        assert all(r["gave_up_at"] is None for r in sent)

        async def all_delivered() -> bool:
            return all(r["delivered_at"] is not None for r in await rows())

        await eventually(all_delivered, "both rows marked delivered")
        # Delivered everywhere: the PDF kept for the outbox is gone.
        folder = outbox_dir(tmp_path / "state")
        await eventually(lambda: not list(folder.glob("*.pdf")), "the delivered PDF removed", timeout=30)
        saved = await ProbeStateRepo(store).get("reports", "", "schedule:monthly-management")
        assert saved == {"last": dt.datetime(2026, 11, 1, 7, 0, tzinfo=BERLIN).timestamp()}
        assert service.scheduler.next_due() == dt.datetime(2026, 12, 1, 7, 0, tzinfo=BERLIN).timestamp()

    # A restart later that month neither repeats nor loses the report: the next one is December's.
    clock.set(dt.datetime(2026, 11, 20, 12, 0, tzinfo=BERLIN))
    async with running(document(tmp_path, receiver, state_url), clock) as again:
        scheduler = reports_of(again).scheduler
        assert scheduler is not None
        assert scheduler.next_due() == dt.datetime(2026, 12, 1, 7, 0, tzinfo=BERLIN).timestamp()
    assert len(receiver.messages) == 2

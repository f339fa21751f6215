"""The schedule loop's rules with an injected clock: a failed report waits 5 minutes before the
next try (not every second) and keeps its period; queueing the same report twice sends it once."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from alerts.tables import outbox
from monitord.clock import ManualClock
from monitord.config.reports import ReportsConfig
from monitord.reports.delivery import ReportOutbox
from monitord.reports.model import Report
from monitord.reports.periods import Period
from monitord.reports.scheduler import RETRY_AFTER, ReportScheduler
from monitord.store.engine import StateStore

BERLIN = ZoneInfo("Europe/Berlin")
FIRST = dt.datetime(2026, 11, 1, 7, 0, tzinfo=BERLIN).timestamp()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[StateStore]:
    opened = await StateStore.open(None, tmp_path)
    try:
        yield opened
    finally:
        await opened.close()


def config() -> ReportsConfig:
    return ReportsConfig.model_validate(
        {
            "schedules": [
                {
                    "name": "monthly",
                    "schedule": "monthly on day 1 at 07:00",
                    "timezone": "Europe/Berlin",
                    "recipients": ["json://127.0.0.1:9/boss"],
                }
            ]
        }
    )


async def test_a_failed_report_is_tried_again_after_the_hold_for_the_same_period(
    store: StateStore, tmp_path: Path
) -> None:
    clock = ManualClock(FIRST - 60)
    asked: list[Period] = []
    failing = True

    async def build(kind: str, period: Period, now: float) -> Report:
        asked.append(period)
        if failing:
            raise RuntimeError("the state store is away")
        return Report(kind, "Monthly", period, now, period.end, [])

    scheduler = ReportScheduler(ReportOutbox(store, tmp_path), build, clock, lambda: None)
    await scheduler.configure(config())
    assert scheduler.next_due() == FIRST
    clock.set(FIRST + 1)
    assert await scheduler.run_due(config()) == 0
    assert scheduler.next_due() == FIRST + 1 + RETRY_AFTER  # held, not retried every second
    clock.advance(60)
    assert await scheduler.run_due(config()) == 0
    assert len(asked) == 1
    failing = False
    clock.set(FIRST + 1 + RETRY_AFTER)
    assert await scheduler.run_due(config()) == 1
    assert [p.label for p in asked] == ["October 2026", "October 2026"]
    assert scheduler.next_due() == dt.datetime(2026, 12, 1, 7, 0, tzinfo=BERLIN).timestamp()


async def test_queueing_the_same_report_twice_queues_it_once(store: StateStore, tmp_path: Path) -> None:
    files = ReportOutbox(store, tmp_path)
    period = Period(0.0, 86400.0, "1970-01-01", "UTC")
    report = Report("management", "Daily", period, 86400.0, 86400.0, [])
    assert await files.queue("daily", 2, report, stem="daily-x", pdf=b"%PDF-1.7", now=1.0)
    assert not await files.queue("daily", 2, report, stem="daily-x", pdf=b"%PDF-1.7", now=2.0)
    async with store.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(outbox))).scalar_one() == 2
    assert (tmp_path / "reports" / "outbox" / "daily-x.pdf").read_bytes() == b"%PDF-1.7"
    assert await files.clean() == []  # both rows still pending: the PDF stays

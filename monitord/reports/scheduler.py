"""When scheduled reports are due, and making them: build, render the PDF (in a thread), queue.

Each schedule remembers the moment it last fired (``probe_state``, kind
``reports``), so a restart neither repeats a report nor skips one: a firing
missed while the daemon was down goes out at start (once, for the latest missed
moment). A schedule seen for the first time fires at its next moment. The
period is computed from the firing moment in the schedule's time zone: a
"monthly on day 1 at 07:00" report with period ``last-month`` covers the month
that just ended, whenever it is actually sent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from monitord.clock import Clock
from monitord.config.reports import ReportsConfig, ScheduledReport
from monitord.reports.delivery import ReportOutbox
from monitord.reports.model import Report
from monitord.reports.output import file_stem, render
from monitord.reports.periods import Period, named_period
from monitord.store.probe_state import ProbeStateRepo

log = logging.getLogger("monitord.reports")

STATE_KIND = "reports"
RETRY_AFTER = 300.0
BuildReport = Callable[[str, Period, float], Awaitable[Report]]


def _state_key(name: str) -> tuple[str, str, str]:
    return (STATE_KIND, "", f"schedule:{name}")


class ReportScheduler:
    def __init__(
        self, files: ReportOutbox, build: BuildReport, clock: Clock, wake: Callable[[], None]
    ) -> None:
        self.files = files
        self.build = build
        self.clock = clock
        self.wake = wake
        self.state = ProbeStateRepo(files.store)
        self._next: dict[str, float] = {}
        self._hold: dict[str, float] = {}  # a failed report is tried again from here on
        self.fired = 0  # reports queued since start (tests wait on it)

    async def configure(self, config: ReportsConfig) -> None:
        """Compute each schedule's next moment (from when it last fired, if it ever did)."""
        now = self.clock.now()
        upcoming: dict[str, float] = {}
        for schedule in config.schedules:
            saved = await self.state.get(*_state_key(schedule.name))
            last = saved.get("last") if isinstance(saved, dict) else None
            start = float(last) if isinstance(last, int | float) else now
            upcoming[schedule.name] = schedule.parsed().next_after(start, ZoneInfo(schedule.timezone))
        self._next = upcoming

    def next_due(self) -> float | None:
        """The next moment a report is due (or a failed one is tried again)."""
        return min((max(at, self._hold.get(name, 0.0)) for name, at in self._next.items()), default=None)

    async def run_due(self, config: ReportsConfig) -> int:
        """Fire every schedule whose moment has come; returns how many were queued."""
        now = self.clock.now()
        queued = 0
        for schedule in config.schedules:
            due = self._next.get(schedule.name)
            if due is None or due > now or self._hold.get(schedule.name, 0.0) > now:
                continue
            zone = ZoneInfo(schedule.timezone)
            parsed = schedule.parsed()
            latest = due
            while (following := parsed.next_after(latest, zone)) <= now:
                latest = following  # several missed moments: send the newest once
            try:
                queued += await self._fire(schedule, latest, now)
            except Exception:
                log.exception(
                    "reports: could not make scheduled report %s; trying again in 5 min", schedule.name
                )
                self._hold[schedule.name] = now + RETRY_AFTER
                continue
            self._hold.pop(schedule.name, None)
            await self.state.put(*_state_key(schedule.name), {"last": latest})
            self._next[schedule.name] = parsed.next_after(latest, zone)
        return queued

    async def _fire(self, schedule: ScheduledReport, moment: float, now: float) -> int:
        period = named_period(schedule.period, moment, ZoneInfo(schedule.timezone))
        report = await self.build(schedule.kind, period, now)
        rendered = await render(report, "pdf")
        stem = f"{schedule.name}-{file_stem(report)}"
        queued = await self.files.queue(
            schedule.name, len(schedule.recipients), report, stem=stem, pdf=rendered.body, now=now
        )
        if not queued:
            log.info("reports: %s for %s was already queued", schedule.name, period.label)
            return 0
        log.info(
            "reports: %s (%s, %s) queued for %d recipients",
            schedule.name,
            schedule.kind,
            period.label,
            len(schedule.recipients),
        )
        self.fired += 1
        self.wake()
        return 1

"""The reports subsystem inside the daemon: the rollup fed from the result bus, scheduled reports.

Three tasks, started in ``start`` and ended in ``stop``: the rollup loop (its
own bounded subscription ``reports``; counts each batch in memory and writes one
batch per ``reports.flush_every``), the schedule loop (makes due reports and
queues them in the outbox), and the report deliverer (sends them with the PDF
attached). ``stop`` drains the subscription and writes the last counts, so
SIGTERM loses nothing that reached the bus. On-demand reports (API, CLI) are
built by ``make``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from prometheus_client import Counter, Histogram

from monitord.bus import Subscription
from monitord.clock import Clock
from monitord.config.loader import LoadedConfig
from monitord.reports.builder import build_report
from monitord.reports.delivery import ReportDeliverer, ReportOutbox
from monitord.reports.jobs import rollup_setup
from monitord.reports.model import Report
from monitord.reports.output import Format, Rendered, render
from monitord.reports.periods import Period
from monitord.reports.rollup import Rollup
from monitord.reports.rollup_repo import RollupRepo
from monitord.reports.scheduler import ReportScheduler
from monitord.runtime import Runtime

log = logging.getLogger("monitord.reports")

BATCH = 20_000
SCHEDULE_POLL = 1.0  # real seconds between looks at the (possibly injected) clock
PRUNE_EVERY = 3600.0
STOP_BUDGET = 5.0


class ReportService:
    name = "reports"

    def __init__(self, runtime: Runtime, clock: Clock | None = None) -> None:
        self.runtime = runtime
        self.clock: Clock = clock or runtime.clock
        setup = rollup_setup(runtime.loaded)
        self.rollup = Rollup(setup.verdicts, setup.caps, setup.default_cap)
        self.repo = RollupRepo(runtime.state)
        self.files = ReportOutbox(runtime.state, runtime.loaded.config.daemon.state_dir)
        self.deliverer: ReportDeliverer | None = None
        self.scheduler: ReportScheduler | None = None
        self.flushes = 0  # completed flushes (tests wait on them)
        self._subscription: Subscription | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._flush_lock = asyncio.Lock()
        registry = runtime.registry
        self._flush_failures = Counter(
            "monitord_report_rollup_flush_failures", "Rollup writes that failed (retried)", registry=registry
        )
        self._flush_time = Histogram(
            "monitord_report_rollup_flush_seconds", "Time to write one rollup batch", registry=registry
        )
        self._made = Counter("monitord_reports_made", "Reports built", ["format"], registry=registry)

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        loaded = self.runtime.loaded
        reopened = await self.repo.close_open()
        if reopened:
            log.info(
                "reports: %d outages left open by the last run end where they were last measured", reopened
            )
        self._subscription = self.runtime.bus.subscribe("reports", loaded.config.reports.buffer_size)
        self.deliverer = ReportDeliverer(
            self.files,
            loaded.config.reports,
            loaded.config.notify,
            self.runtime.registry,
            self.clock,
            leading=self.runtime.coordination.leadership.leading,
        )
        self.scheduler = ReportScheduler(self.files, self._build, self.clock, self.deliverer.wake)
        await self.scheduler.configure(loaded.config.reports)
        self._tasks = [
            asyncio.create_task(self._rollup_loop(), name="reports:rollup"),
            asyncio.create_task(self._schedule_loop(), name="reports:schedule"),
            asyncio.create_task(self.deliverer.run(), name="reports:deliver"),
        ]
        self.runtime.health.set("reports", True, self._detail())

    async def reload(self, loaded: LoadedConfig) -> None:
        setup = rollup_setup(loaded)
        self.rollup.configure(setup.verdicts, setup.caps, setup.default_cap)
        self.rollup.forget(set(setup.caps))
        if self.deliverer is not None:
            self.deliverer.config = loaded.config.notify
            self.deliverer.reports = loaded.config.reports
        if self.scheduler is not None:
            await self.scheduler.configure(loaded.config.reports)
        self.runtime.health.set("reports", True, self._detail())

    async def stop(self) -> None:
        if self._subscription is not None:
            self.runtime.bus.unsubscribe(self._subscription)  # closes it: the loop drains and ends
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_BUDGET
        tasks, self._tasks = self._tasks, []
        try:
            if tasks:
                await asyncio.wait([tasks[0]], timeout=max(0.0, deadline - loop.time()))
            if self.deliverer is not None and loop.time() < deadline:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout_at(deadline):
                        await self.deliverer.deliver_due()
        finally:
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks)
            with contextlib.suppress(Exception):
                await self.flush()  # whatever the cancelled loop still held
            if self.deliverer is not None:
                self.deliverer.close()
            self.runtime.health.remove("reports")

    # -- rollup -----------------------------------------------------------------------------

    async def _rollup_loop(self) -> None:
        subscription = self._subscription
        assert subscription is not None
        loop = asyncio.get_running_loop()
        every = self.runtime.loaded.config.reports.flush_every
        next_flush = loop.time() + every
        next_prune = loop.time()
        while True:
            wait = max(0.0, next_flush - loop.time())
            batch = await subscription.get_batch(BATCH, timeout=wait)
            if batch:
                try:
                    self.rollup.add(batch)
                except Exception:  # a bug: say so once per batch, keep counting the next one
                    log.exception("reports: could not count a batch of %d results", len(batch))
            done = subscription.closed and not len(subscription)
            if loop.time() >= next_flush or done:
                await self.flush()
                every = self.runtime.loaded.config.reports.flush_every
                next_flush = loop.time() + every
            if loop.time() >= next_prune:
                next_prune = loop.time() + PRUNE_EVERY
                await self._prune()
            if done:
                return

    async def flush(self) -> None:
        """Write what the rollup counted since the last flush (kept for the next one on failure)."""
        async with self._flush_lock:
            drained = self.rollup.drain(self.clock.now())
            if not drained.cells and not drained.outages:
                self.flushes += 1
                return
            try:
                with self._flush_time.time():
                    await self.repo.write(drained)
            except asyncio.CancelledError:
                self.rollup.put_back(drained)
                raise
            except Exception as exc:
                self.rollup.put_back(drained)
                self._flush_failures.inc()
                log.error("reports: could not write the rollup (kept for the next flush): %s", exc)
                self.runtime.health.set("reports", False, f"rollup not written: {exc}")
                return
            self.flushes += 1
            self.runtime.health.set("reports", True, self._detail())

    async def _prune(self) -> None:
        keep = self.runtime.loaded.config.reports.keep_days * 86400.0
        try:
            await self.repo.prune(self.clock.now() - keep)
        except Exception as exc:
            log.warning("reports: could not prune old rollup rows: %s", exc)

    # -- schedules --------------------------------------------------------------------------

    async def _schedule_loop(self) -> None:
        scheduler = self.scheduler
        assert scheduler is not None
        while True:
            await asyncio.sleep(SCHEDULE_POLL)
            due = scheduler.next_due()
            if due is None or due > self.clock.now():
                continue
            if not self.runtime.coordination.leadership.leading():
                continue  # in a cluster the leader builds scheduled reports (queueing is idempotent)
            try:
                await self.flush()  # the report counts everything measured up to now
                await scheduler.run_due(self.runtime.loaded.config.reports)
            except asyncio.CancelledError:
                raise
            except Exception:  # e.g. the state store is away: the moment stays due, retried
                log.exception("reports: scheduled reports failed; trying again")
                await asyncio.sleep(30.0)

    # -- on demand --------------------------------------------------------------------------

    async def _build(self, kind: str, period: Period, now: float) -> Report:
        return await build_report(kind, period, now, self.runtime.loaded, self.runtime.state)

    async def make(self, kind: str, period: Period, fmt: Format, table: str | None = None) -> Rendered:
        """Build and render a report now (the API's and CLI's path)."""
        await self.flush()
        report = await self._build(kind, period, self.clock.now())
        rendered = await render(report, fmt, table)
        self._made.labels(format=fmt).inc()
        return rendered

    def _detail(self) -> str:
        schedules = len(self.runtime.loaded.config.reports.schedules)
        return f"rollup of {len(self.rollup)} jobs, {schedules} scheduled reports"


def report_service(runtime: Runtime) -> ReportService | None:
    """The SERVICE_FACTORIES entry: on unless ``reports.rollup`` is false."""
    return ReportService(runtime) if runtime.loaded.config.reports.rollup else None

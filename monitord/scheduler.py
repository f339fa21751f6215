"""Runs every (target, probe) pair on its own fixed-rate schedule.

Each job fires at ``k * interval + phase`` on the wall-clock grid, mapped once
onto the monotonic clock and then advanced by whole intervals (no drift over
hours). The phase comes from a hash of the pair's name, so start-up and reload
spread jobs evenly instead of firing them all at once, and a restart keeps each
probe at the same second of the minute. A job never overlaps itself (an overrun
skips the slot and is counted), each run is wrapped in the scheduler's deadline
(expiry -> a failed result), and each probe kind has its own concurrency cap.

Results and run counts are handed on per batch, not per run: a finished run appends
to a pending list that one ``call_soon`` flushes at the end of the loop iteration, so
the bus, its consumers' wake-ups and the outcome counters are paid once per batch
(at 1,000 tcp runs/s, runs finish in bursts of tens per iteration; issue 20).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram

from monitord.config.resolve import ResolvedTarget
from monitord.results import ProbeResult
from probes.base import ProbeKind, ProbeSettings, ProbeTarget

log = logging.getLogger("monitord.scheduler")

JobKey = tuple[str, str]  # (target name, probe kind)
LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def phase_fraction(target: str, kind: str) -> float:
    """A stable position in [0, 1) for the pair, independent of process and order."""
    digest = hashlib.blake2b(f"{target}\0{kind}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass(eq=False, slots=True)
class Job:
    """One (target, probe kind) pair and its timer."""

    target: ProbeTarget
    kind: ProbeKind[ProbeSettings]
    settings: ProbeSettings
    base: float = 0.0
    slot: int = 0
    handle: asyncio.TimerHandle | None = None
    running: bool = False
    last_ok: bool | None = None
    last: ProbeResult | None = None

    @property
    def key(self) -> JobKey:
        return (self.target.name, self.kind.name)

    def due(self) -> float:
        return self.base + self.slot * self.settings.interval


ResultListener = Callable[[list[ProbeResult]], None]


class Scheduler:
    """Owns every job's timer and every probe run."""

    def __init__(
        self,
        kinds: Mapping[str, ProbeKind[ProbeSettings]],
        publish: ResultListener,
        registry: CollectorRegistry,
        max_concurrency: Mapping[str, int] | None = None,
        owns: Callable[[str], bool] | None = None,
    ) -> None:
        self._kinds = kinds
        # The ownership seam: in a cluster only targets this node owns get jobs (None: all).
        self._owns = owns
        self._publish = publish
        self._limits = dict(max_concurrency or {})
        self._semaphores: dict[str, asyncio.Semaphore] = {}
        self._jobs: dict[JobKey, Job] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._group: asyncio.TaskGroup | None = None
        # The most recent start lags, for benchmarks and debugging beside the histogram.
        self.recent_lags: deque[float] = deque(maxlen=200_000)
        self._per_kind: dict[str, tuple[Histogram, Histogram]] = {}
        self._run_counters: dict[tuple[str, str], Counter] = {}
        # Per-batch hand-off (see the module docstring): results and outcome counts
        # waiting for ``_flush`` at the end of this loop iteration.
        self._pending: list[ProbeResult] = []
        self._pending_outcomes: dict[tuple[str, str], int] = {}
        self._flush_armed = False
        self._stopping = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._lag = Histogram(
            "monitord_scheduler_lag_seconds",
            "Probe start time minus planned time",
            ["kind"],
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self._runs = Counter(
            "monitord_probe_runs",
            "Probe runs by kind and outcome",
            ["kind", "outcome"],
            registry=registry,
        )
        self._duration = Histogram(
            "monitord_probe_duration_seconds",
            "Wall time of one probe run",
            ["kind"],
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self._skipped = Counter(
            "monitord_probe_skipped",
            "Slots skipped because the previous run was still going",
            ["kind"],
            registry=registry,
        )

    # -- configuration ----------------------------------------------------------------

    def apply(self, targets: Iterable[ResolvedTarget]) -> tuple[int, int, int]:
        """Make the job set match ``targets`` (those this node owns); unchanged jobs keep their timers.

        Returns (added, changed, removed) counts.
        """
        wanted: dict[JobKey, tuple[ProbeTarget, ProbeSettings]] = {}
        owns = self._owns
        for resolved in targets:
            if owns is not None and not owns(resolved.target.name):
                continue
            for kind, settings in resolved.probes.items():
                if kind in self._kinds:
                    wanted[(resolved.target.name, kind)] = (resolved.target, settings)
        added = changed = removed = 0
        for key in list(self._jobs):
            if key not in wanted:
                gone = self._jobs.pop(key)
                if gone.handle is not None:
                    gone.handle.cancel()
                gone.kind.forget(gone.target.name)
                removed += 1
        for key, (target, settings) in wanted.items():
            job = self._jobs.get(key)
            if job is not None and job.target == target and job.settings == settings:
                continue
            if job is not None:
                if job.handle is not None:
                    job.handle.cancel()
                changed += 1
            else:
                added += 1
            new_job = Job(target=target, kind=self._kinds[key[1]], settings=settings)
            if job is not None:
                new_job.last_ok, new_job.last = job.last_ok, job.last
            self._jobs[key] = new_job
            if not self._stopping.is_set():
                self._arm_first(new_job)
        return added, changed, removed

    def _semaphore(self, kind: str) -> asyncio.Semaphore:
        semaphore = self._semaphores.get(kind)
        if semaphore is None:
            limit = self._limits.get(kind) or self._kinds[kind].default_concurrency
            semaphore = self._semaphores[kind] = asyncio.Semaphore(limit)
        return semaphore

    def _arm_first(self, job: Job) -> None:
        interval = job.settings.interval
        wall_now = time.time()
        mono_now = self._loop.time()
        phase = phase_fraction(job.target.name, job.kind.name) * interval
        slot_start = (wall_now - phase) // interval * interval + phase
        next_wall = slot_start + interval if slot_start < wall_now else slot_start
        job.base = mono_now + (next_wall - wall_now)
        job.slot = 0
        job.handle = self._loop.call_at(job.base, self._fire, job)

    # -- running ----------------------------------------------------------------------

    def _fire(self, job: Job) -> None:
        planned = job.due()
        now = self._loop.time()
        job.slot += 1
        # Catch up after a long stall (suspend, overload) without a burst of runs.
        while job.due() <= now:
            job.slot += 1
        job.handle = self._loop.call_at(job.due(), self._fire, job)
        if job.running:
            self._skipped.labels(kind=job.kind.name).inc()
            return
        if self._group is None:
            return
        job.running = True
        task = self._group.create_task(self._run(job, planned))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _kind_metrics(self, kind: str) -> tuple[Histogram, Histogram]:
        """The labelled lag and duration histograms of a kind (label lookup off the hot path)."""
        metrics = self._per_kind.get(kind)
        if metrics is None:
            metrics = self._per_kind[kind] = (self._lag.labels(kind=kind), self._duration.labels(kind=kind))
        return metrics

    async def _run(self, job: Job, planned: float) -> None:
        kind_name = job.kind.name
        lag_metric, duration_metric = self._kind_metrics(kind_name)
        try:
            async with self._semaphore(kind_name):
                if self._jobs.get(job.key) is not job:
                    # A reload replaced or removed the job while this run waited for a slot:
                    # its settings are no longer the configuration's, so it never starts.
                    return
                started = self._loop.time()
                lag = max(0.0, started - planned)
                lag_metric.observe(lag)
                self.recent_lags.append(lag)
                results = await self.run_once(job.kind, job.target, job.settings)
                duration_metric.observe(self._loop.time() - started)
        finally:
            job.running = False
        self._record(job, results)

    async def run_once(
        self, kind: ProbeKind[ProbeSettings], target: ProbeTarget, settings: ProbeSettings
    ) -> list[ProbeResult]:
        """One run under the deadline; a timeout or a probe bug becomes a failed result."""
        outcome = "ok"
        try:
            async with asyncio.timeout(settings.timeout):
                produced = await kind.probe(target, settings)
        except TimeoutError:
            outcome = "timeout"
            produced = kind.timeout_result(target, settings)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            outcome = "error"
            log.exception("probe %s on %s raised (a bug in the probe)", kind.name, target.name)
            produced = ProbeResult.failure(
                measurement=kind.measurement,
                target=target.name,
                kind=kind.name,
                reason=f"probe error: {type(exc).__name__}: {exc}",
                tags=target.base_tags(),
            )
        results = produced if isinstance(produced, list) else [produced]
        if outcome == "ok" and results and not results[0].ok:
            outcome = "failed"
        outcomes = self._pending_outcomes
        key = (kind.name, outcome)
        outcomes[key] = outcomes.get(key, 0) + 1
        self._arm_flush()
        return results

    def _arm_flush(self) -> None:
        if not self._flush_armed:
            self._flush_armed = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        """Count the batch's outcomes and publish its results in one call."""
        self._flush_armed = False
        outcomes, self._pending_outcomes = self._pending_outcomes, {}
        for (kind, outcome), count in outcomes.items():
            counter = self._run_counters.get((kind, outcome))
            if counter is None:
                counter = self._run_counters[(kind, outcome)] = self._runs.labels(kind=kind, outcome=outcome)
            counter.inc(count)
        pending, self._pending = self._pending, []
        if pending:
            self._publish(pending)

    def _record(self, job: Job, results: list[ProbeResult]) -> None:
        if not results:
            return
        first = results[0]
        if job.last_ok is not None and first.ok != job.last_ok:
            if first.ok:
                log.info("%s %s: up again", job.target.name, job.kind.name)
            else:
                log.warning("%s %s: down (%s)", job.target.name, job.kind.name, first.reason)
        elif job.last_ok is None and not first.ok:
            log.warning("%s %s: down (%s)", job.target.name, job.kind.name, first.reason)
        job.last_ok = first.ok
        job.last = first
        self._pending.extend(results)
        self._arm_flush()

    async def run(self) -> None:
        """Run until ``stop``; probe runs in flight belong to this task group."""
        async with asyncio.TaskGroup() as group:
            self._group = group
            for job in self._jobs.values():
                if job.handle is None:
                    self._arm_first(job)
            await self._stopping.wait()
            for job in self._jobs.values():
                if job.handle is not None:
                    job.handle.cancel()
                    job.handle = None
            if self._tasks:
                _, pending = await asyncio.wait(set(self._tasks), timeout=2.0)
                for task in pending:
                    task.cancel()
        self._group = None
        self._flush()  # what finished in the last iteration is published before run returns

    def stop(self) -> None:
        self._stopping.set()

    # -- queries ----------------------------------------------------------------------

    def jobs(self) -> list[Job]:
        return list(self._jobs.values())

    def last_results(self) -> dict[JobKey, ProbeResult]:
        return {key: job.last for key, job in self._jobs.items() if job.last is not None}

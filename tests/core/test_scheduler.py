"""The scheduler's guarantees, with an instrumented probe kind (pure scheduling logic)."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from prometheus_client import CollectorRegistry

from monitord.config.resolve import ResolvedTarget
from monitord.results import ProbeResult, now_ns
from monitord.scheduler import Scheduler, phase_fraction
from probes.base import ProbeKind, ProbeSettings, ProbeTarget
from tests.eventually import eventually


class SleepSettings(ProbeSettings):
    sleep: float = 0.0
    fail: bool = False


class SleepProbe(ProbeKind[SleepSettings]):
    """Sleeps, counts how many runs overlap, optionally raises (a probe bug)."""

    name: ClassVar[str] = "sleep"
    measurement: ClassVar[str] = "sleep"
    settings_model: ClassVar[type[SleepSettings]] = SleepSettings
    default_concurrency: ClassVar[int] = 3

    def __init__(self) -> None:
        self.active: dict[str, int] = {}
        self.max_active_per_target: dict[str, int] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.runs = 0
        self.seen: list[tuple[str, float]] = []  # (target, settings.sleep) of every run started

    async def probe(self, target: ProbeTarget, settings: SleepSettings) -> ProbeResult:
        self.runs += 1
        self.seen.append((target.name, settings.sleep))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.active[target.name] = self.active.get(target.name, 0) + 1
        self.max_active_per_target[target.name] = max(
            self.max_active_per_target.get(target.name, 0), self.active[target.name]
        )
        try:
            await asyncio.sleep(settings.sleep)
            if settings.fail:
                raise ZeroDivisionError("bug")
        finally:
            self.in_flight -= 1
            self.active[target.name] -= 1
        return ProbeResult(
            measurement="sleep", target=target.name, kind="sleep", time_ns=now_ns(), ok=True, fields={"up": 1}
        )


def resolved(name: str, **settings: float | bool) -> ResolvedTarget:
    return ResolvedTarget(
        target=ProbeTarget(name=name, address="127.0.0.1", site="s"),
        probes={"sleep": SleepSettings.model_validate(settings)},
    )


async def run_for(scheduler: Scheduler, seconds: float) -> None:
    task = asyncio.create_task(scheduler.run())
    await asyncio.sleep(seconds)
    scheduler.stop()
    await asyncio.wait_for(task, 10)


def test_phases_are_stable_and_spread() -> None:
    fractions = [phase_fraction(f"store-{i:04d}-till-1", "icmp") for i in range(2000)]
    assert fractions == [phase_fraction(f"store-{i:04d}-till-1", "icmp") for i in range(2000)]
    assert all(0 <= f < 1 for f in fractions)
    buckets = [0] * 10
    for fraction in fractions:
        buckets[int(fraction * 10)] += 1
    assert min(buckets) > 120 and max(buckets) < 280  # ~200 each: no thundering herd


async def test_slow_probe_never_overlaps_itself_and_caps_hold() -> None:
    registry = CollectorRegistry()
    kind = SleepProbe()
    published: list[ProbeResult] = []
    scheduler = Scheduler({"sleep": kind}, published.extend, registry)
    scheduler.apply(
        [resolved("slow", interval=0.05, timeout=5, sleep=0.2)]
        + [resolved(f"t{i}", interval=0.05, timeout=5, sleep=0.03) for i in range(8)]
    )
    await run_for(scheduler, 1.0)
    assert kind.max_active_per_target["slow"] == 1
    assert kind.max_in_flight <= 3  # the kind's concurrency cap
    skipped = registry.get_sample_value("monitord_probe_skipped_total", {"kind": "sleep"})
    assert skipped is not None and skipped > 0
    assert {r.target for r in published} >= {"slow", "t0", "t7"}


async def test_timeout_and_probe_bug_become_failed_results() -> None:
    registry = CollectorRegistry()
    published: list[ProbeResult] = []
    scheduler = Scheduler({"sleep": SleepProbe()}, published.extend, registry)
    scheduler.apply(
        [
            resolved("hangs", interval=0.1, timeout=0.05, sleep=10),
            resolved("buggy", interval=0.1, timeout=1, fail=True),
        ]
    )
    await run_for(scheduler, 0.6)
    hangs = [r for r in published if r.target == "hangs"]
    buggy = [r for r in published if r.target == "buggy"]
    assert hangs and all(not r.ok and r.reason == "timeout after 0.05s" for r in hangs)
    assert buggy and all(not r.ok and r.reason == "probe error: ZeroDivisionError: bug" for r in buggy)
    assert registry.get_sample_value("monitord_probe_runs_total", {"kind": "sleep", "outcome": "timeout"})
    assert registry.get_sample_value("monitord_probe_runs_total", {"kind": "sleep", "outcome": "error"})


async def test_reload_keeps_unchanged_timers() -> None:
    registry = CollectorRegistry()
    scheduler = Scheduler({"sleep": SleepProbe()}, lambda results: None, registry)
    task = asyncio.create_task(scheduler.run())
    await asyncio.sleep(0)
    assert scheduler.apply([resolved("a", interval=60), resolved("b", interval=60)]) == (2, 0, 0)
    handles = {job.key: job.handle for job in scheduler.jobs()}
    counts = scheduler.apply([resolved("a", interval=60), resolved("b", interval=30), resolved("c")])
    assert counts == (1, 1, 0)
    after = {job.key: job.handle for job in scheduler.jobs()}
    assert after[("a", "sleep")] is handles[("a", "sleep")]
    assert after[("b", "sleep")] is not handles[("b", "sleep")]
    assert scheduler.apply([resolved("c")]) == (0, 0, 2)
    scheduler.stop()
    await asyncio.wait_for(task, 5)


async def test_a_run_waiting_for_its_slot_when_its_job_changes_never_starts_with_the_old_settings() -> None:
    """A reload that changes a job while one of its runs waits for the kind's concurrency cap:
    that run must not start with the old settings after the reload (its result would be a
    measurement of what the configuration no longer asks for, stamped after the change)."""
    kind = SleepProbe()  # at most 3 runs at once
    scheduler = Scheduler({"sleep": kind}, lambda results: None, CollectorRegistry())
    task = asyncio.create_task(scheduler.run())
    blockers = [resolved(f"b{i}", interval=0.05, timeout=5, sleep=0.4) for i in range(3)]
    scheduler.apply(blockers)
    await eventually(lambda: kind.in_flight == 3, "the three slots taken")
    scheduler.apply([*blockers, resolved("x", interval=0.05, timeout=5, sleep=0.001)])

    def waiting() -> bool:
        return any(job.key == ("x", "sleep") and job.running for job in scheduler.jobs())

    await eventually(waiting, "x's first run waiting for a slot")
    assert ("x", 0.001) not in kind.seen
    scheduler.apply([*blockers, resolved("x", interval=0.05, timeout=5, sleep=0.002)])
    await eventually(lambda: ("x", 0.002) in kind.seen, "a run of x with the new settings")
    scheduler.stop()
    await asyncio.wait_for(task, 10)
    assert ("x", 0.001) not in kind.seen

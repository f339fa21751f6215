"""What the benchmarks share: percentiles, CPU and RSS of this process, event-loop lag."""

from __future__ import annotations

import asyncio
import contextlib
import resource
import time
from dataclasses import dataclass


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class CpuClock:
    """CPU seconds (user + system) of this process over a wall-clock span."""

    wall: float = 0.0
    cpu: float = 0.0
    system: float = 0.0

    def start(self) -> None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.wall, self.cpu = time.perf_counter(), usage.ru_utime + usage.ru_stime
        self.system = usage.ru_stime

    def stop(self) -> tuple[float, float]:
        """(wall seconds, cpu seconds) since ``start``; ``system`` becomes the kernel share."""
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.system = usage.ru_stime - self.system
        return time.perf_counter() - self.wall, usage.ru_utime + usage.ru_stime - self.cpu


class LoopLag:
    """Samples how late a 5 ms sleep wakes up: the event loop's responsiveness."""

    def __init__(self, period: float = 0.005) -> None:
        self.period = period
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.period)
            self.samples.append(max(0.0, loop.time() - before - self.period))

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

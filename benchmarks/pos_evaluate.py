"""Absence detection for 10,000 tills (2,000 stores x 5) judged every second, in the daemon.

The daemon runs in this process with ``pos.evaluate_every: 1s``; a background task
plays the tills (each heartbeats every 30 s, 333/s in all; 2 % of the tills and 10
whole stores are silent, so the evaluator has downs, store alerts and
unreachables to handle). Opening hours are open around the clock in this run so
every till is judged. Measured over ``--seconds``: the evaluator's time per pass
(the ``monitord_pos_evaluate_seconds`` histogram: wall time, an upper bound on
its CPU) as a share of one core at one pass per second. Floor: a bare loop doing
only ``now - last_seen > limit`` over the same 10,000 tills, measured after each
window of the daemon's passes. Goal: < 5 % of one core.

    .venv/bin/python -m benchmarks.pos_evaluate [--quick]
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Figure, parser, report
from benchmarks.pos_common import STORES, TILLS, pos_document
from benchmarks.stats import CpuClock
from monitord.config.loader import build_config
from monitord.daemon import Daemon
from monitord.pos.service import PosService

GOAL_PCT = 5.0


async def _play_tills(service: PosService, stop: asyncio.Event) -> None:
    """Every till heartbeats once per 30 s, spread evenly; some tills and stores stay silent."""
    terminals = service.register.terminals()
    silent_stores = {f"store-{i:04d}" for i in range(0, STORES, STORES // 10)}
    playing = [t for i, t in enumerate(terminals) if t.store not in silent_stores and i % 50 != 7]
    for terminal in playing:  # start everyone up, as after a normal morning
        service.ingest.record(terminal, "udp", "127.0.0.1", "4.2.1", {"queue_length": 0})
    per_tick = max(1, len(playing) // 300)  # 30 s in 100 ms ticks
    index = 0
    while not stop.is_set():
        for _ in range(per_tick):
            service.ingest.record(playing[index % len(playing)], "udp", "127.0.0.1", None, {})
            index += 1
        await asyncio.sleep(0.1)


def _bare_loop_seconds(service: PosService, rounds: int = 50) -> float:
    terminals = service.register.terminals()
    begin = time.process_time()
    for _ in range(rounds):
        now = time.time()
        down = 0
        for terminal in terminals:
            seen = terminal.last_seen
            if seen is None or now - seen > terminal.interval * 3:
                down += 1
    return (time.process_time() - begin) / rounds


async def main(windows: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as state_dir:
        document = pos_document(Path(state_dir))
        document["pos"]["hours"] = {"daily": "00:00-24:00"}
        logging.getLogger("monitord").setLevel(logging.ERROR)  # 200 "till down" lines are expected
        daemon = Daemon(build_config(document))
        task = asyncio.create_task(daemon.run())
        await asyncio.wait_for(daemon.started.wait(), 120)
        stop = asyncio.Event()
        per_pass: list[float] = []
        floor: list[float] = []
        whole: list[float] = []
        try:
            service = next(s for s in daemon.services if isinstance(s, PosService))
            service.evaluator.started -= 600  # as if running for a while: no start-up grace
            player = asyncio.create_task(_play_tills(service, stop))
            await asyncio.sleep(2.0)  # warm-up: first verdicts
            histogram = service._eval_time
            for _ in range(windows):  # a window of the daemon's passes, then the floor: alternating
                start_sum, start_count = _histogram(histogram)
                cpu = CpuClock()
                cpu.start()
                await asyncio.sleep(seconds)
                wall, process_cpu = cpu.stop()
                end_sum, end_count = _histogram(histogram)
                per_pass.append((end_sum - start_sum) / max(1, end_count - start_count) * 1000)
                whole.append(process_cpu / wall * 100)
                floor.append(_bare_loop_seconds(service, rounds=10) * 1000)
            stop.set()
            await player
            states: dict[str, int] = {}
            for terminal in service.register.terminals():
                states[terminal.state] = states.get(terminal.state, 0) + 1
            stores_down = sum(1 for s in service.register.stores.values() if s.state == "down")
        finally:
            daemon.request_stop()
            await task
    figure = Figure(
        "pos_evaluate",
        "POS absence evaluation, 10,000 tills, one pass per second",
        "ms/pass",
        "lower",
        per_pass,
        "bare age-check loop (floor)",
        floor,
        goal="< 50 ms (5 % of a core)",
        note=f"tills by state {states}, stores down {stores_down}; whole daemon process "
        f"{statistics.median(whole):.1f} % of a core (evaluator + 333 heartbeats/s)",
    )
    figure.met = figure.ours_median < GOAL_PCT * 10
    report(
        f"POS absence detection, {STORES * TILLS:,} tills in {STORES:,} stores, windows of {seconds:g} s",
        [figure],
        windows,
    )


def _histogram(histogram: object) -> tuple[float, float]:
    total = count = 0.0
    for metric in histogram.collect():  # type: ignore[attr-defined]
        for sample in metric.samples:
            if sample.name.endswith("_sum"):
                total = sample.value
            elif sample.name.endswith("_count"):
                count = sample.value
    return total, count


if __name__ == "__main__":
    quick = parser(__doc__).parse_args().quick
    asyncio.run(main(3, 2.0) if quick else main(6, 4.0))

"""The sink feeder: each sink is fed in batches of its own size, a failed batch is retried,
and the one given up at shutdown is counted. A recording sink stands in for a database:
this is the feeder's own logic (batching, retry, counters), not a sink's."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from prometheus_client import CollectorRegistry

from monitord.bus import ResultBus
from monitord.config.loader import build_config
from monitord.health import HealthBoard
from monitord.results import ProbeResult
from monitord.runtime import CurrentConfig, Runtime
from monitord.services import embedded_sink, influx_sink
from monitord.sinks.feeder import SinkCounters, SinkFeeder


def _results(count: int) -> list[ProbeResult]:
    return [
        ProbeResult(measurement="tcp", target=f"t{i}", kind="tcp", time_ns=i, ok=True, fields={"up": 1})
        for i in range(count)
    ]


class RecordingSink:
    def __init__(self, name: str, batch_size: int, linger: float, failures: int = 0) -> None:
        self.name = name
        self.batch_size = batch_size
        self.linger = linger
        self.batches: list[int] = []
        self.failures = failures

    async def start(self) -> None: ...

    async def write(self, batch: Sequence[ProbeResult]) -> None:
        if self.failures:
            self.failures -= 1
            raise OSError("back end away")
        self.batches.append(len(batch))

    async def stop(self) -> None: ...


async def _feed(sinks: list[RecordingSink], published: int, registry: CollectorRegistry) -> None:
    bus = ResultBus(registry)
    counters = SinkCounters(registry)
    health = HealthBoard()
    feeders = [
        SinkFeeder(s, bus.subscribe(f"sink:{s.name}", 100_000), counters, health, retry_first=0.01)
        for s in sinks
    ]
    bus.publish(_results(published))
    tasks = [asyncio.create_task(f.run()) for f in feeders]
    for feeder in feeders:
        feeder.subscription.close()
    async with asyncio.timeout(30):
        await asyncio.gather(*tasks)


async def test_each_sink_gets_batches_of_its_own_size() -> None:
    registry = CollectorRegistry()
    small = RecordingSink("influxdb", batch_size=7, linger=0.0)
    large = RecordingSink("embedded", batch_size=20_000, linger=1.0)
    await _feed([small, large], 30, registry)
    assert small.batches == [7, 7, 7, 7, 2]
    assert large.batches == [30]
    sample = registry.get_sample_value
    assert sample("monitord_sink_points_total", {"sink": "influxdb"}) == 30
    assert sample("monitord_sink_points_total", {"sink": "embedded"}) == 30


async def test_a_failed_batch_is_retried_not_dropped() -> None:
    registry = CollectorRegistry()
    flaky = RecordingSink("flaky", batch_size=10, linger=0.0, failures=0)
    bus = ResultBus(registry)
    feeder = SinkFeeder(
        flaky, bus.subscribe("sink:flaky", 1000), SinkCounters(registry), HealthBoard(), retry_first=0.01
    )
    flaky.failures = 2
    bus.publish(_results(10))
    task = asyncio.create_task(feeder.run())
    async with asyncio.timeout(30):
        while not flaky.batches:
            await asyncio.sleep(0.01)
    feeder.subscription.close()
    async with asyncio.timeout(30):
        await task
    assert flaky.batches == [10]
    assert registry.get_sample_value("monitord_sink_errors_total", {"sink": "flaky"}) == 2
    assert registry.get_sample_value("monitord_sink_lost_total", {"sink": "flaky"}) in (None, 0.0)


async def test_a_batch_failing_at_shutdown_is_counted_as_lost() -> None:
    registry = CollectorRegistry()
    broken = RecordingSink("broken", batch_size=100, linger=0.0, failures=10**6)
    await _feed([broken], 5, registry)
    assert broken.batches == []
    assert registry.get_sample_value("monitord_sink_lost_total", {"sink": "broken"}) == 5


def test_influxdb_declares_its_own_batch_size_and_linger(tmp_path: Path) -> None:
    """The bug this fixes: every sink, InfluxDB included, was fed with storage.embedded's
    batch_size and flush_interval."""
    loaded = build_config(
        {
            "daemon": {"state_dir": str(tmp_path)},
            "storage": {
                "influxdb": {
                    "url": "http://127.0.0.1:1",
                    "bucket": "b",
                    "batch_size": 7,
                    "flush_interval": "0.25s",
                },
                "embedded": {"enabled": True, "batch_size": 20_000, "flush_interval": "1s"},
            },
            "targets": [],
        }
    )
    registry = CollectorRegistry()
    runtime = Runtime(CurrentConfig(loaded), registry, HealthBoard(), None, ResultBus(registry))  # type: ignore[arg-type]
    influx = influx_sink(runtime)
    embedded = embedded_sink(runtime)
    assert influx is not None and embedded is not None
    assert (influx.batch_size, influx.linger) == (7, 0.25)
    assert (embedded.batch_size, embedded.linger) == (20_000, 1.0)

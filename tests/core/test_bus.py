"""The result bus on its own: per-consumer bounded buffers, drop-oldest counted per
consumer, a publish that never blocks, and what closing a subscription means."""

from __future__ import annotations

import asyncio
import inspect

from prometheus_client import CollectorRegistry

from monitord.bus import ResultBus
from monitord.results import ProbeResult


def results(first: int, count: int) -> list[ProbeResult]:
    return [
        ProbeResult(measurement="tcp", target=f"t{n}", kind="tcp", time_ns=n, ok=True)
        for n in range(first, first + count)
    ]


def targets(batch: list[ProbeResult]) -> list[str]:
    return [r.target for r in batch]


def dropped(registry: CollectorRegistry, consumer: str) -> float | None:
    return registry.get_sample_value("monitord_buffer_dropped_total", {"consumer": consumer})


def depth(registry: CollectorRegistry, consumer: str) -> float | None:
    return registry.get_sample_value("monitord_buffer_depth", {"consumer": consumer})


async def test_each_consumer_has_its_own_bound_and_loses_its_oldest_results_first() -> None:
    registry = CollectorRegistry()
    bus = ResultBus(registry)
    small = bus.subscribe("small", 3)
    large = bus.subscribe("large", 10)
    bus.publish(results(0, 5))
    bus.publish(results(5, 2))
    assert bus.depth() == {"small": 3, "large": 7}
    assert targets(await small.get_batch(100)) == ["t4", "t5", "t6"]  # the newest survive
    assert targets(await large.get_batch(100)) == [f"t{n}" for n in range(7)]
    assert dropped(registry, "small") == 4
    assert dropped(registry, "large") == 0
    assert registry.get_sample_value("monitord_results_published_total") == 7


async def test_a_full_buffer_counts_every_drop_and_does_not_hold_up_the_others() -> None:
    registry = CollectorRegistry()
    bus = ResultBus(registry)
    stuck = bus.subscribe("stuck", 100)  # a consumer that never reads
    live = bus.subscribe("live", 1000)
    received: list[ProbeResult] = []
    for round_ in range(50):
        bus.publish(results(round_ * 20, 20))
        received.extend(await live.get_batch(1000, timeout=0))
    assert len(received) == 1000 and len(stuck) == 100
    assert dropped(registry, "stuck") == 900 and dropped(registry, "live") == 0
    assert depth(registry, "stuck") == 100 and depth(registry, "live") == 0
    assert targets(await stuck.get_batch(1000)) == [f"t{n}" for n in range(900, 1000)]


def test_publish_is_synchronous_and_needs_no_event_loop() -> None:
    """Probes call publish from the scheduler's hot path: it must never await or block.
    Run here with no event loop at all, into a buffer nobody reads."""
    assert not inspect.iscoroutinefunction(ResultBus.publish)
    registry = CollectorRegistry()
    bus = ResultBus(registry)
    subscription = bus.subscribe("nobody-reads", 10)
    for start in range(0, 100_000, 1000):
        assert bus.publish(results(start, 1000)) is None
    assert len(subscription) == 10
    assert dropped(registry, "nobody-reads") == 99_990
    bus.publish([])  # nothing to publish: nothing counted
    assert registry.get_sample_value("monitord_results_published_total") == 100_000


async def test_a_waiting_consumer_wakes_on_publish_and_an_empty_wait_times_out_empty() -> None:
    bus = ResultBus(CollectorRegistry())
    subscription = bus.subscribe("alerts", 10)
    assert await subscription.get_batch(10, timeout=0.01) == []
    waiting = asyncio.create_task(subscription.get_batch(10, timeout=60))
    await asyncio.sleep(0)  # the consumer is now waiting for its first result
    assert not waiting.done()
    bus.publish(results(0, 2))
    assert targets(await asyncio.wait_for(waiting, 60)) == ["t0", "t1"]


async def test_a_lingering_consumer_takes_a_full_batch_as_soon_as_it_is_full() -> None:
    bus = ResultBus(CollectorRegistry())
    subscription = bus.subscribe("sink", 100)
    bus.publish(results(0, 1))
    batch = asyncio.create_task(subscription.get_batch(3, timeout=60, linger=60))
    await asyncio.sleep(0)
    assert not batch.done()  # one of three: lingers for more
    bus.publish(results(1, 4))
    assert targets(await asyncio.wait_for(batch, 60)) == ["t0", "t1", "t2"]
    assert len(subscription) == 2


async def test_closing_wakes_the_consumer_which_drains_what_is_left_and_gets_nothing_new() -> None:
    registry = CollectorRegistry()
    bus = ResultBus(registry)
    subscription = bus.subscribe("sink", 10)
    other = bus.subscribe("other", 10)
    lingering = asyncio.create_task(subscription.get_batch(100, timeout=60, linger=60))
    bus.publish(results(0, 3))
    await asyncio.sleep(0)
    assert not lingering.done()
    bus.unsubscribe(subscription)  # shutdown: the lingering batch goes out now
    assert subscription.closed
    assert targets(await asyncio.wait_for(lingering, 60)) == ["t0", "t1", "t2"]
    bus.publish(results(3, 2))  # after unsubscribe: only the others hear it
    assert len(subscription) == 0 and len(other) == 5
    assert bus.depth() == {"other": 5}
    # Closed and drained: no wait, even without a timeout.
    assert await asyncio.wait_for(subscription.get_batch(10), 60) == []
    bus.unsubscribe(subscription)  # twice is harmless


async def test_a_closed_subscription_still_hands_out_what_it_holds_without_waiting() -> None:
    bus = ResultBus(CollectorRegistry())
    subscription = bus.subscribe("alerts", 10)
    bus.publish(results(0, 4))
    subscription.close()
    assert targets(await asyncio.wait_for(subscription.get_batch(3, linger=60), 60)) == ["t0", "t1", "t2"]
    assert targets(await asyncio.wait_for(subscription.get_batch(3), 60)) == ["t3"]
    assert await asyncio.wait_for(subscription.get_batch(3), 60) == []

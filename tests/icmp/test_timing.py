"""Pure logic of the engine's timing: the wheel, statistics, late replies (no sockets)."""

from __future__ import annotations

import asyncio
import functools
import math

import pytest

from monitord.icmp.batch import Batch, sockaddr_of
from monitord.icmp.stats import PingStats
from monitord.icmp.wheel import Wheel


async def test_wheel_runs_callbacks_in_time_order_and_never_early() -> None:
    loop = asyncio.get_running_loop()
    wheel = Wheel(loop, tick=0.005)
    start = loop.time()
    fired: list[tuple[str, float]] = []
    for name, delay in (("c", 0.05), ("a", 0.01), ("b", 0.03), ("a2", 0.01)):
        wheel.at(start + delay, functools.partial(fired.append, (name, delay)))
    await asyncio.sleep(0.12)
    assert [name for name, _ in fired] == ["a", "a2", "b", "c"]
    wheel.close()


async def test_wheel_callback_not_before_its_time() -> None:
    loop = asyncio.get_running_loop()
    wheel = Wheel(loop, tick=0.005)
    seen: list[float] = []
    due = loop.time() + 0.02
    wheel.at(due, lambda: seen.append(loop.time()))
    await asyncio.sleep(0.06)
    assert len(seen) == 1 and seen[0] >= due - 1e-6


async def test_closed_wheel_runs_nothing() -> None:
    loop = asyncio.get_running_loop()
    wheel = Wheel(loop)
    seen: list[int] = []
    wheel.at(loop.time() + 0.01, lambda: seen.append(1))
    wheel.close()
    await asyncio.sleep(0.03)
    assert seen == []


def test_statistics_of_known_samples() -> None:
    stats = PingStats(address="127.0.0.1", sent=5, received=4, rtts_ms=(1.0, 2.0, 4.0, 5.0))
    assert stats.loss_pct == 20.0
    assert (stats.rtt_min_ms, stats.rtt_max_ms, stats.rtt_avg_ms, stats.rtt_median_ms) == (1.0, 5.0, 3.0, 3.0)
    assert stats.rtt_stddev_ms == pytest.approx(math.sqrt(2.5))
    odd = PingStats(address="::1", sent=3, received=3, rtts_ms=(9.0, 1.0, 2.0))
    assert odd.rtt_median_ms == 2.0
    none = PingStats(address="::1", sent=2, received=0)
    assert none.rtt_avg_ms is None and none.loss_pct == 100.0 and not none.alive
    assert none.failure_reason() == "no reply: 2 echo(es) timed out"


async def test_late_reply_counts_as_lost_and_errors_are_kept() -> None:
    batch = Batch(
        [(None, "127.0.0.1", ("127.0.0.1", 0))] * 2,
        {},
        rounds=1,
        timeout=0.5,
        loop=asyncio.get_running_loop(),
    )
    batch.outstanding = 3
    batch.settle(0, 499.0, None)
    batch.settle(0, 501.0, None)
    batch.settle(1, None, "destination unreachable (type 3 code 1) from 127.0.0.1")
    assert batch.received == [1, 0]
    assert batch.rtts == [[499.0], []]
    assert batch.errors == [None, "destination unreachable (type 3 code 1) from 127.0.0.1"]
    assert not batch.done.done()  # the round is not marked sent yet
    batch.round_sent()
    assert batch.done.done()


def test_addresses_are_normalised_and_names_refused() -> None:
    assert sockaddr_of("::0001")[1:] == ("::1", ("::1", 0, 0, 0))
    assert sockaddr_of("127.0.0.1")[1:] == ("127.0.0.1", ("127.0.0.1", 0))
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 address"):
        sockaddr_of("till-1")
    with pytest.raises(ValueError, match="scoped IPv6 addresses are not supported"):
        sockaddr_of("fe80::1%eth0")

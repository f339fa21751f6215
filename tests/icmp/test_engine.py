"""The shared engine against real kernel ICMP, inside a private namespace (tests/lab)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from scapy.layers.inet import ICMP, IP
from scapy.packet import Raw

from monitord.icmp.engine import IcmpEngine
from tests.lab.netns import Lab

pytestmark = pytest.mark.root


@pytest.fixture
async def engine(lab: Lab) -> AsyncIterator[IcmpEngine]:
    with lab.icmp_sockets():
        async with IcmpEngine.open() as opened:
            assert opened.privileged
            yield opened


async def test_alive_host_answers_every_echo(engine: IcmpEngine) -> None:
    stats = await engine.ping("127.0.0.1", count=3, interval=0.01, timeout=1.0)
    assert (stats.sent, stats.received, stats.loss_pct, stats.error) == (3, 3, 0.0, None)
    assert len(stats.rtts_ms) == 3
    assert all(0 < rtt < 1000 for rtt in stats.rtts_ms)
    assert stats.rtt_min_ms is not None and stats.rtt_max_ms is not None
    assert stats.rtt_min_ms <= (stats.rtt_median_ms or 0) <= stats.rtt_max_ms


async def test_ipv6_loopback(engine: IcmpEngine) -> None:
    stats = await engine.ping("::1", count=2, interval=0.01, timeout=1.0)
    assert (stats.address, stats.received) == ("::1", 2)


async def test_silent_host_times_out_after_one_deadline(lab: Lab, engine: IcmpEngine) -> None:
    lab.silence("127.0.0.9", "::1")
    loop = asyncio.get_running_loop()
    began = loop.time()
    stats = await engine.ping_many(["127.0.0.9", "::1", "127.0.0.1"], count=2, interval=0.05, timeout=0.3)
    elapsed = loop.time() - began
    assert [(s.sent, s.received) for s in stats] == [(2, 0), (2, 0), (2, 2)]
    assert stats[0].error is None and stats[0].failure_reason() == "no reply: 2 echo(es) timed out"
    assert elapsed >= 0.3  # it did wait for the deadline, not give up early
    assert not engine.channel(socket.AF_INET).pending  # type: ignore[union-attr]


async def test_half_loss_is_within_a_statistical_bound(lab: Lab, engine: IcmpEngine) -> None:
    lab.lose("127.0.0.10", 50)
    stats = await engine.ping("127.0.0.10", count=400, interval=0.0, timeout=0.5)
    # Binomial(400, 0.5): sd = 10 replies; +-60 is six sigma, so a correct engine
    # fails this about once in a billion runs, while 0 % or 100 % loss always fails it.
    assert stats.sent == 400
    assert 140 <= stats.received <= 260


async def test_icmp_errors_are_matched_through_the_quoted_header(lab: Lab, engine: IcmpEngine) -> None:
    lab.reject("127.0.0.11")
    lab.reject("::1")
    v4, v6, fine = await engine.ping_many(
        ["127.0.0.11", "::1", "127.0.0.12"], count=2, interval=0.01, timeout=1.0
    )
    assert (v4.received, v6.received, fine.received) == (0, 0, 2)
    assert v4.error == "destination unreachable: host unreachable (type 3 code 1) from 127.0.0.11"
    assert v6.error is not None
    assert v6.error.startswith("destination unreachable: address unreachable (type 1 code 3) from ")


async def test_blocked_send_is_a_reported_failure(lab: Lab, engine: IcmpEngine) -> None:
    lab.block_output("127.0.0.13")
    stats = await engine.ping("127.0.0.13", count=2, interval=0.0, timeout=0.3)
    assert stats.received == 0
    assert stats.error == "send failed: Operation not permitted"


async def test_stray_and_forged_replies_are_ignored(lab: Lab, engine: IcmpEngine) -> None:
    lab.silence("127.0.0.9")
    channel = engine.channel(socket.AF_INET)
    assert channel is not None
    task = asyncio.create_task(engine.ping("127.0.0.9", count=1, timeout=1.0))
    for _ in range(100):
        if channel.pending:
            break
        await asyncio.sleep(0.005)
    [(sequence, pending)] = channel.pending.items()
    ident, token, wrong = channel.identifier, pending.token, bytes(8)
    pad = b"p" * 48
    forgeries = [
        IP(src="127.0.0.9", dst="127.0.0.1") / ICMP(type=0, id=ident, seq=sequence) / Raw(wrong + pad),
        IP(src="127.0.0.9", dst="127.0.0.1") / ICMP(type=0, id=ident ^ 1, seq=sequence) / Raw(token + pad),
        IP(src="127.0.0.8", dst="127.0.0.1") / ICMP(type=0, id=ident, seq=sequence) / Raw(token + pad),
        IP(src="127.0.0.254", dst="127.0.0.1")
        / ICMP(type=3, code=1)
        / IP(src="127.0.0.1", dst="127.0.0.9")
        / ICMP(type=8, id=ident, seq=sequence)
        / Raw(wrong),
        IP(src="127.0.0.254", dst="127.0.0.1")
        / ICMP(type=3, code=1)
        / IP(src="127.0.0.1", dst="127.0.0.7")
        / ICMP(type=8, id=ident, seq=sequence)
        / Raw(token),
        IP(src="127.0.0.9", dst="127.0.0.1") / ICMP(type=0, id=ident, seq=sequence) / Raw(b"short"),
    ]
    injector = lab.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    try:
        for packet in forgeries:
            injector.sendto(bytes(packet), ("127.0.0.1", 0))
    finally:
        injector.close()
    stats = await task
    assert (stats.received, stats.error) == (0, None)
    assert engine.ignored >= len(forgeries)


async def test_five_thousand_targets_without_false_loss(engine: IcmpEngine) -> None:
    addresses = [f"127.1.{i // 250}.{i % 250 + 1}" for i in range(5000)]
    stats = await engine.ping_many(addresses, count=1, timeout=2.0)
    assert [s.address for s in stats] == addresses
    lost = [s.address for s in stats if s.received != 1]
    assert lost == []


async def test_cancelled_batch_leaves_nothing_in_flight(lab: Lab, engine: IcmpEngine) -> None:
    lab.silence("127.0.0.9")
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1):
            await engine.ping("127.0.0.9", count=1, timeout=5.0)
    channel = engine.channel(socket.AF_INET)
    assert channel is not None and not channel.pending


async def test_names_are_rejected_by_the_engine(engine: IcmpEngine) -> None:
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 address"):
        await engine.ping("localhost", count=1)


async def test_time_exceeded_quoting_our_echo_is_reported(lab: Lab, engine: IcmpEngine) -> None:
    lab.silence("127.0.0.9")
    channel = engine.channel(socket.AF_INET)
    assert channel is not None
    task = asyncio.create_task(engine.ping("127.0.0.9", count=1, timeout=2.0))
    for _ in range(100):
        if channel.pending:
            break
        await asyncio.sleep(0.005)
    [(sequence, pending)] = channel.pending.items()
    # What a router on the path would send: our echo's IP header and payload, quoted.
    quoted = (
        IP(src="127.0.0.1", dst="127.0.0.9", ttl=1)
        / ICMP(type=8, id=channel.identifier, seq=sequence)
        / Raw(pending.token + b"p" * 48)
    )
    error = IP(src="127.0.0.254", dst="127.0.0.1") / ICMP(type=11, code=0) / quoted
    injector = lab.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    try:
        injector.sendto(bytes(error), ("127.0.0.1", 0))
    finally:
        injector.close()
    stats = await asyncio.wait_for(task, 1.0)  # settled by the error, well before the timeout
    assert stats.received == 0
    assert stats.error == "time exceeded: TTL exceeded in transit (type 11 code 0) from 127.0.0.254"


async def test_closing_the_engine_fails_waiting_calls(lab: Lab) -> None:
    from monitord.errors import StartupError

    lab.silence("127.0.0.9")
    with lab.icmp_sockets():
        engine = IcmpEngine()
        await engine.start()
    task = asyncio.create_task(engine.ping("127.0.0.9", count=3, interval=0.5, timeout=5.0))
    await asyncio.sleep(0.05)
    engine.close()
    with pytest.raises(StartupError, match="ICMP engine closed"):
        await asyncio.wait_for(task, 1.0)
    assert await engine.ping_many([], count=1) == []

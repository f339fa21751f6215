"""Connection limits, idle connections, a sender over its rate, and an IPv6 listener, on the
running receiver."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

from monitord.intake.syslog.counters import TCP, UDP
from tests.eventually import eventually
from tests.syslog.harness import TARGET, syslog_daemon, syslog_doc

MESSAGE = b"<11>1 - erp-db app - - - error: flood"


async def test_connections_over_the_limit_and_idle_ones_are_closed(tmp_path: Path) -> None:
    doc = syslog_doc(tmp_path, tcp={"listen": "127.0.0.1:0", "max_connections": 1, "idle_timeout": "2s"})
    async with syslog_daemon(doc) as (_daemon, receiver, published):
        port = receiver.port("tcp")
        counters = receiver.counters
        first_reader, first_writer = await asyncio.open_connection("127.0.0.1", port)
        await eventually(lambda: counters.connections[TCP] == 1, "the first connection open")
        second_reader, second_writer = await asyncio.open_connection("127.0.0.1", port)
        await eventually(lambda: counters.refused_connections[TCP] == 1, "the second one refused")
        with contextlib.suppress(ConnectionResetError):  # a reset is refused all the same
            assert await asyncio.wait_for(second_reader.read(10), 10) == b""
        second_writer.close()
        first_writer.write(b"%d %s" % (len(MESSAGE), MESSAGE))
        await first_writer.drain()
        await published.wait(TARGET, "messages", 1)
        # Silent past idle_timeout: the server closes it (EOF), and counts nothing malformed.
        assert await asyncio.wait_for(first_reader.read(10), 30) == b""
        first_writer.close()
        await eventually(lambda: counters.connections[TCP] == 0, "the idle connection closed")
        assert counters.total_malformed() == 0


async def test_a_sender_over_its_rate_loses_only_its_excess(tmp_path: Path) -> None:
    doc = syslog_doc(tmp_path, rate=0.001, burst=3)
    async with syslog_daemon(doc) as (_daemon, receiver, published):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for _ in range(10):
                sock.sendto(MESSAGE, ("127.0.0.1", receiver.port("udp")))
        await eventually(lambda: receiver.counters.received[UDP] == 10, "all ten received")
        await published.wait(TARGET, "messages", 3)
        receiver.drain()
        assert receiver.counters.dropped[(UDP, "rate")] == 7
        assert receiver.counters.parsed[UDP] == 3
        assert receiver.inbox.buckets.limited == {"127.0.0.1"}


async def test_ipv6_listener_maps_by_address(tmp_path: Path) -> None:
    targets = [{"name": "v6-router", "address": "::1", "site": "head-office"}]
    doc = syslog_doc(tmp_path, targets=targets, udp={"listen": "[::1]:0"}, tcp=None)
    async with syslog_daemon(doc) as (_daemon, receiver, published):
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
            sock.sendto(
                b"<11>Dec  1 08:00:00 r1 bgpd: BGP neighbor down: error", ("::1", receiver.port("udp"))
            )
        await published.wait("v6-router", "rule_error", 1)


async def test_a_full_queue_slows_a_tcp_sender_instead_of_dropping(tmp_path: Path) -> None:
    """3,000 messages in one go into a queue of 100: the connection stops reading while the
    queue is full (TCP flow control holds the sender back), and every message gets through."""
    doc = syslog_doc(tmp_path, queue_size=100, rate=1_000_000, burst=1_000_000)
    async with syslog_daemon(doc) as (_daemon, receiver, published):
        _reader, writer = await asyncio.open_connection("127.0.0.1", receiver.port("tcp"))
        writer.write(b"".join(b"%d %s" % (len(MESSAGE), MESSAGE) for _ in range(3000)))
        await writer.drain()
        await published.wait(TARGET, "messages", 3000, timeout=60)
        writer.close()
        assert receiver.counters.dropped[(TCP, "queue")] == 0
        assert receiver.counters.parsed[TCP] == 3000

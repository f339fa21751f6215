"""Malformed input of every kind, over UDP and TCP: each counted under its reason, and none
of it changes a count, a result or a connection that did nothing wrong. Every broken
message carries words the log rules match, so a message that slipped through would show."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from monitord.intake.syslog.counters import TCP, UDP
from monitord.intake.syslog.messages import (
    BAD_HEADER,
    BAD_OCTET_COUNT,
    BAD_PRI,
    INVALID_UTF8,
    OVERSIZE,
    TRUNCATED,
)
from tests.eventually import eventually
from tests.syslog.harness import TARGET, syslog_daemon, syslog_doc, udp_socket

LIMIT = 1024
BROKEN_DATAGRAMS = {
    TRUNCATED: [
        b"",
        b"<",
        b"<13",
        b"<13>",
        b"<13>1 2026-12-01T08:00:00Z erp-db app",
        b"<13>Dec  1 08:00:00 erp-db",
    ],
    BAD_PRI: [b"error: no PRI at all", b"<999>error", b"<013>error", b"<x>error", b"13>error"],
    BAD_HEADER: [
        b"<13>1 yesterday erp-db app 1 - - error",
        b"<13>1 - erp-db app 1 - [broken error",
        b'<13>1 - erp-db app 1 - [id a="unterminated] error',
        b"<13>1 - erp-db app 1 - -error",
    ],
    INVALID_UTF8: [
        b"<13>1 - erp-db app 1 - - error \xff\xfe",
        b"<11>Dec  1 08:00:00 erp-db k: Out of memory \xc3(",
    ],
    OVERSIZE: [b"<13>1 - erp-db app 1 - - error " + b"x" * LIMIT],
}
GOOD = b"<11>1 - erp-db app 1 - - error: the one good message"


async def test_broken_datagrams_are_counted_and_change_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "monitord.syslog")
    async with syslog_daemon(syslog_doc(tmp_path, max_message_bytes=LIMIT)) as (_d, receiver, published):
        port = receiver.port("udp")
        with udp_socket() as sock:
            for datagrams in BROKEN_DATAGRAMS.values():
                for datagram in datagrams:
                    sock.sendto(datagram, ("127.0.0.1", port))
            expected = sum(len(d) for d in BROKEN_DATAGRAMS.values())
            await eventually(
                lambda: receiver.counters.total_malformed() == expected,
                f"{expected} malformed datagrams counted",
            )
            receiver.drain()
            for reason, datagrams in BROKEN_DATAGRAMS.items():
                assert receiver.counters.malformed[(UDP, reason)] == len(datagrams), reason
            assert receiver.counters.parsed[UDP] == 0
            assert receiver.tally.targets == {}
            assert published.results == []
            sock.sendto(GOOD, ("127.0.0.1", port))  # the receiver is fine
            await published.wait(TARGET, "messages", 1)
        assert published.total(TARGET, "rule_error") == 1
        assert published.total(TARGET, "rule_oom") == 0
        assert receiver.counters.received[UDP] == expected + 1
    said = [r for r in caplog.records if "sent a malformed message" in r.getMessage()]
    assert len(said) == 1, said  # logged once for the sender, however many it sent


async def _exchange(port: int, data: bytes, *, close: bool = True) -> bytes:
    """Send ``data`` on a new connection; what the server sent back before it closed (b'')."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
    writer.write(data)
    await writer.drain()
    if close:
        writer.close()
        await writer.wait_closed()
        return b""
    try:
        answer = await asyncio.wait_for(reader.read(100), 10)  # EOF once the server closed it
    except ConnectionResetError:  # the server closed with our later bytes unread
        answer = b""
    writer.close()
    return answer


async def test_broken_streams_are_counted_and_change_nothing(tmp_path: Path) -> None:
    async with syslog_daemon(syslog_doc(tmp_path, max_message_bytes=LIMIT)) as (_d, receiver, published):
        port = receiver.port("tcp")
        counters = receiver.counters
        # A length that is not a number: nothing after it can be trusted, the server closes.
        assert await _exchange(port, b"12a <11>error\n" + GOOD + b"\n", close=False) == b""
        await eventually(lambda: counters.malformed[(TCP, BAD_OCTET_COUNT)] == 1, "bad octet count")
        await eventually(lambda: counters.connections[TCP] == 0, "the connection closed")
        # An oversize frame is skipped by its length and the stream goes on; a frame cut by
        # the sender's close is truncated; a broken message inside a good frame is malformed.
        oversize = b"<11>1 - erp-db app 1 - - error " + b"x" * LIMIT
        frames = (
            b"%d %s" % (len(oversize), oversize) + b"%d %s" % (len(GOOD), GOOD) + b"5 <999>" + b"60 <11>error"
        )
        await _exchange(port, frames)
        await eventually(lambda: counters.malformed[(TCP, TRUNCATED)] == 1, "the cut frame counted")
        await published.wait(TARGET, "messages", 1)
        receiver.drain()
        assert counters.malformed[(TCP, OVERSIZE)] == 1
        assert counters.malformed[(TCP, BAD_PRI)] == 1
        assert counters.parsed[TCP] == 1
        assert published.total(TARGET, "rule_error") == 1
        assert published.total(TARGET, "messages") == 1

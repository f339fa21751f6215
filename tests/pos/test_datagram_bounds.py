"""Finding 7 of issue 13: a signed datagram's numbers are bounded before any arithmetic."""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import pytest

from monitord.pos.clock import ManualClock
from monitord.pos.datagram import MAGIC, DatagramError, open_envelope, sign, verify
from tests.daemon_harness import READ_TOKEN, auth
from tests.pos.harness import UDP_KEY, eventually, local, metric, pos_daemon, pos_document
from tests.pos.test_heartbeat_udp import Sender

KEY = b"store-key-0123456789"


def signed(ts: bytes, boot: bytes = b"1", sequence: bytes = b"1") -> bytes:
    payload = b"|".join([MAGIC, b"s1", b"t1", ts, boot, sequence, b""])
    return payload + b"|" + sign(KEY, payload)


@pytest.mark.parametrize(
    "ts",
    [b"9" * 351, b"9" * 20, b"253402300800000", b"-1"],
    ids=["351-digits", "20-digits", "year-10000", "negative"],
)
def test_a_signed_datagram_with_an_absurd_timestamp_is_malformed(ts: bytes) -> None:
    """A 351-digit timestamp raised OverflowError (int / float) and was logged as a traceback."""
    with pytest.raises(DatagramError) as caught:
        verify(open_envelope(signed(ts)), KEY)
    assert caught.value.outcome == "malformed"


def test_the_largest_timestamp_a_datetime_can_show_is_taken() -> None:
    heartbeat = verify(open_envelope(signed(b"253402300799999")), KEY)
    assert heartbeat.ts == pytest.approx(253402300799.999)


async def test_the_daemon_counts_it_malformed_and_logs_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = ManualClock(local("2026-11-30T12:00:00"))
    async with (
        pos_daemon(pos_document(tmp_path), clock, monkeypatch) as (daemon, service),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        sender = await Sender.open(service)
        payload = b"|".join([MAGIC, b"store-a", b"a1", b"9" * 351, b"7", b"1", b""])
        sender.send(payload + b"|" + sign(UDP_KEY.encode(), payload))

        async def counted() -> bool:
            return await metric(session, daemon, "udp", "malformed") == 1

        await eventually(counted, what="udp malformed == 1")
        sender.transport.close()
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]

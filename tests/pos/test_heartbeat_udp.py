"""Signed UDP heartbeats against a running daemon: accepted once, everything else dropped and counted."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from monitord.daemon import Daemon
from monitord.pos.clock import ManualClock
from monitord.pos.datagram import encode
from monitord.pos.service import PosService
from tests.daemon_harness import READ_TOKEN, auth, url
from tests.pos.harness import UDP_KEY, eventually, local, metric, pos_daemon, pos_document

OPEN_TIME = local("2026-11-30T12:00:00")
KEY = UDP_KEY.encode()


class Sender:
    """A real UDP client socket aimed at the daemon's listener."""

    def __init__(self, transport: asyncio.DatagramTransport) -> None:
        self.transport = transport

    @classmethod
    async def open(cls, service: PosService) -> Sender:
        assert service.udp is not None and service.udp.port
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            asyncio.DatagramProtocol, remote_addr=("127.0.0.1", service.udp.port)
        )
        return cls(transport)

    def send(self, data: bytes) -> None:
        self.transport.sendto(data)


async def _counted(session: aiohttp.ClientSession, daemon: Daemon, outcome: str, expected: float) -> None:
    async def check() -> bool:
        return await metric(session, daemon, "udp", outcome) == expected

    await eventually(check, what=f"udp {outcome} == {expected}")


async def test_udp_heartbeats_and_drops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock(OPEN_TIME)
    async with (
        pos_daemon(pos_document(tmp_path), clock, monkeypatch) as (daemon, service),
        aiohttp.ClientSession(headers=auth(READ_TOKEN)) as session,
    ):
        sender = await Sender.open(service)
        now = clock.now()
        good = encode(
            KEY,
            "store-a",
            "a1",
            ts=now,
            boot=7,
            sequence=1,
            status={"version": "5.0", "queue": 2, "printer": "ok"},
        )
        sender.send(good)
        await _counted(session, daemon, "accepted", 1)
        terminal = service.register.find("store-a", "a1")
        assert terminal is not None and terminal.last_seen == now
        assert terminal.version == "5.0" and terminal.reported == {"queue_length": 2, "printer": "ok"}
        assert terminal.transport == "udp" and terminal.seen_address == "127.0.0.1"

        # The same datagram again is a replay.
        sender.send(good)
        await _counted(session, daemon, "replayed", 1)
        # Wrong key, flipped byte, unknown store, garbage, oversized, stale, unknown terminal.
        sender.send(encode(b"another-key-0123456789", "store-a", "a1", ts=now, boot=7, sequence=2))
        await _counted(session, daemon, "bad_signature", 1)
        tampered = bytearray(encode(KEY, "store-a", "a1", ts=now, boot=7, sequence=3))
        tampered[12] ^= 0x01
        sender.send(bytes(tampered))
        await _counted(session, daemon, "bad_signature", 2)
        sender.send(encode(KEY, "store-zz", "a1", ts=now, boot=7, sequence=4))
        await _counted(session, daemon, "unknown_store", 1)
        sender.send(encode(KEY, "store-b", "b1", ts=now, boot=7, sequence=4))  # store-b has no key
        await _counted(session, daemon, "no_key", 1)
        sender.send(b"\x00\xff hello")
        await _counted(session, daemon, "malformed", 1)
        sender.send(b"P1|store-a|" + b"x" * 1000)
        await _counted(session, daemon, "oversized", 1)
        sender.send(encode(KEY, "store-a", "a1", ts=now - 600, boot=7, sequence=5))
        await _counted(session, daemon, "stale", 1)
        sender.send(encode(KEY, "store-a", "a1", ts=now + 600, boot=7, sequence=5))
        await _counted(session, daemon, "stale", 2)
        sender.send(encode(KEY, "store-a", "ghost", ts=now, boot=7, sequence=5))
        await _counted(session, daemon, "unknown_terminal", 1)
        sender.send(encode(KEY, "store-a", "a1", ts=now, boot=7, sequence=6, status={"queue": "many"}))
        await _counted(session, daemon, "malformed", 2)
        # Non-finite or absurd numbers are dropped as malformed, never stored or passed on.
        for sequence, bad in enumerate(
            ({"last_txn": "nan"}, {"last_txn": "inf"}, {"last_txn": "1e400"}, {"queue": 1_000_001}), start=6
        ):
            sender.send(encode(KEY, "store-a", "a1", ts=now, boot=7, sequence=sequence, status=bad))
            await _counted(session, daemon, "malformed", sequence - 3)
        assert "last_transaction" not in terminal.reported
        # An old boot id replayed after a newer boot is refused; the newer stream goes on.
        clock.advance(5)
        sender.send(encode(KEY, "store-a", "a1", ts=clock.now(), boot=8, sequence=1))
        await _counted(session, daemon, "accepted", 2)
        sender.send(encode(KEY, "store-a", "a1", ts=now, boot=7, sequence=9))
        await _counted(session, daemon, "replayed", 2)
        # Out-of-order inside the window is fine; each sequence once.
        sender.send(encode(KEY, "store-a", "a1", ts=clock.now(), boot=8, sequence=5))
        sender.send(encode(KEY, "store-a", "a1", ts=clock.now(), boot=8, sequence=3))
        await _counted(session, daemon, "accepted", 4)
        sender.send(encode(KEY, "store-a", "a1", ts=clock.now(), boot=8, sequence=3))
        await _counted(session, daemon, "replayed", 3)

        assert set(service.register.stores["store-a"].terminals) == {"a1", "a2"}
        assert terminal.heartbeats == 4
        # The listener is still alive after all that.
        sender.send(encode(KEY, "store-a", "a2", ts=clock.now(), boot=1, sequence=1))
        await _counted(session, daemon, "accepted", 5)
        # The register reads still answer after all that, even for a time no datetime can show
        # (say, restored from state written before the datagram bounds existed).
        for odd in (float("nan"), float("inf"), 1e300, 1_799_999_000.0):
            terminal.reported["last_transaction"] = odd
            for path in ("/api/v1/pos/terminals", "/api/v1/pos/stores/store-a"):
                async with session.get(url(daemon, path)) as response:
                    assert response.status == 200, await response.text()
                    body = await response.json()
            shown = next(t for t in body["terminal_list"] if t["terminal"] == "a1")
            expected = "2027-01-15T07:43:20+00:00" if odd == 1_799_999_000.0 else None
            assert shown["reported"]["last_transaction"] == expected
        sender.transport.close()

"""The receiver in a real daemon, fed by net-snmp's snmptrap and snmpinform on loopback:
v1, v2c and v3 (authPriv, SHA/AES) traps and informs; refused credentials and senders counted
and logged once; malformed datagrams counted and changing nothing; per-sender limits."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import pytest

from tests.eventually import eventually
from tests.intake.traps import ber
from tests.intake.traps.harness import USER, metric, port, receiving, trap_doc
from tests.intake.traps.netsnmp import (
    COLD_START,
    LINK_DOWN,
    V3User,
    inform_v2c,
    inform_v3,
    interface,
    trap_v1,
    trap_v2c,
    trap_v3,
)
from tests.intake.traps.test_decode import MALFORMED


async def test_traps_and_informs_of_every_version_arrive_as_results(tmp_path: Path) -> None:
    async with receiving(trap_doc(tmp_path)) as (daemon, published):
        at = port(daemon)
        assert (await trap_v1(at, "1.3.6.1.4.1.8072", 0, 0))[0] == 0
        assert (await trap_v2c(at, LINK_DOWN, interface(2, alias="uplink")))[0] == 0
        assert (await trap_v3(at, USER, "1.3.6.1.4.1.8072.4.0.9", ["1.3.6.1.4.1.8072.4.1", "s", "v3 here"]))[
            0
        ] == 0
        code, output = await inform_v2c(at, COLD_START)
        assert code == 0, output  # snmpinform exits 0 only after the Response PDU came back
        code, output = await inform_v3(at, USER, "1.3.6.1.6.3.1.1.5.2")
        assert code == 0, output
        traps = await published.wait(5)
        seen = sorted((r.fields["version"], r.fields["inform"], r.tags["trap"]) for r in traps)
        assert seen == [
            ("1", 0, "coldStart"),
            ("2c", 0, "linkDown"),
            ("2c", 1, "coldStart"),
            ("3", 0, "1.3.6.1.4.1.8072.4.0.9"),
            ("3", 1, "warmStart"),
        ]
        assert all(r.target == "sw1" and r.kind == "snmp_trap" and r.pushed for r in traps)
        v3 = next(r for r in traps if r.tags["trap"].startswith("1.3.6.1.4.1.8072"))
        assert v3.evidence == ("1.3.6.1.4.1.8072.4.1 = v3 here (octets)",)
        assert metric(daemon, "informs_acknowledged") == 2
        assert metric(daemon, "received", version="3", pdu="inform") == 1
        assert metric(daemon, "v3_discovery") >= 1  # snmpinform learned our engine ID first


async def test_refusals_are_counted_and_logged_once_per_sender(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="monitord.snmp_traps")
    async with receiving(trap_doc(tmp_path)) as (daemon, published):
        at = port(daemon)
        for _ in range(3):
            await trap_v2c(at, COLD_START, community="guessed")
            await trap_v2c(at, COLD_START, source="127.0.0.9")  # no target has this address
        await trap_v3(at, V3User(auth_key="not-the-key-1"), COLD_START)
        await trap_v3(at, V3User(user="stranger"), COLD_START)
        await trap_v3(at, V3User(engine_id="0x8000000009090909"), COLD_START)  # keys not localised for it
        await eventually(lambda: metric(daemon, "refused", reason="bad_community") == 3, "3 bad communities")
        await eventually(lambda: metric(daemon, "refused", reason="unknown_sender") == 3, "3 unknown senders")
        assert metric(daemon, "refused", reason="wrong_digest") == 1
        assert metric(daemon, "refused", reason="unknown_user") == 2
        code, _ = await inform_v2c(at, COLD_START, community="guessed", retries=0, timeout=1.0)
        assert code != 0  # a refused inform is not acknowledged
        assert await published.drain() == []  # nothing refused reached the bus
        refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert sum("127.0.0.1 refused (bad_community)" in m for m in refusals) == 1, refusals
        assert sum("127.0.0.9 refused (unknown_sender)" in m for m in refusals) == 1, refusals
        assert all("guessed" not in r.getMessage() for r in caplog.records)  # never the community
        await trap_v2c(at, COLD_START)
        await published.wait(1)
        assert any("127.0.0.1 accepted again" in r.getMessage() for r in caplog.records)


async def test_malformed_datagrams_are_counted_and_change_nothing(tmp_path: Path) -> None:
    async with receiving(trap_doc(tmp_path, max_datagram_bytes=1024)) as (daemon, published):
        at = port(daemon)
        table = [data for _, data, _ in MALFORMED]
        v3_junk = ber.tlv(0x30, ber.integer(3) + ber.octets(b"junk") + ber.octets(b"more"))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for data in [*table, v3_junk, bytes(2000)]:
                sock.sendto(data, ("127.0.0.1", at))
        expected: dict[str, int] = {}
        for _, _, reason in MALFORMED:
            expected[reason] = expected.get(reason, 0) + 1
        expected["bad_v3"] = 1

        def counted() -> dict[str, int]:
            return {reason: int(metric(daemon, "malformed", reason=reason)) for reason in expected}

        await eventually(lambda: counted() == expected, f"malformed counts {expected}")
        await eventually(lambda: metric(daemon, "dropped", reason="oversized") == 1, "the oversized datagram")
        assert await published.drain() == []
        assert (
            sum(
                metric(daemon, "received", version=v, pdu=p)
                for v in ("1", "2c", "3")
                for p in ("trap", "inform")
            )
            == 0
        )
        assert (await trap_v2c(at, COLD_START))[0] == 0  # still receiving
        await published.wait(1)


async def test_a_flooding_sender_is_limited(tmp_path: Path) -> None:
    # Practically no refill: of 20 datagrams, exactly the burst of 5 passes.
    doc = trap_doc(tmp_path, sender_rate=0.0001, sender_burst=5)
    async with receiving(doc) as (daemon, published):
        good = ber.message(1, b"public", 0xA7, ber.standard_varbinds())
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for _ in range(20):
                sock.sendto(good, ("127.0.0.1", port(daemon)))
        await eventually(lambda: metric(daemon, "dropped", reason="rate_limited") == 15, "15 limited")
        assert len(await published.wait(5)) == 5
        await asyncio.sleep(0.2)
        assert len([r for r in await published.drain() if r.measurement == "snmp_trap"]) == 5

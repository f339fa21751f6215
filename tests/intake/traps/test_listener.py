"""The listener's bounded queue: when nobody decodes, new datagrams are dropped and counted."""

from __future__ import annotations

import socket

from prometheus_client import CollectorRegistry

from monitord.intake.traps.limits import SenderLimits
from monitord.intake.traps.listener import TrapListener
from monitord.intake.traps.metrics import TrapMetrics
from tests.eventually import eventually
from tests.intake.traps import ber


async def test_a_full_queue_drops_new_datagrams_and_counts_them() -> None:
    registry = CollectorRegistry()
    listener = TrapListener(
        ["127.0.0.1:0"],
        limits=SenderLimits(1e6, 1_000_000),
        metrics=TrapMetrics(registry),
        queue_size=100,
        max_bytes=1024,
        buffer_bytes=1 << 20,
    )
    await listener.start()
    try:
        good = ber.message(1, b"public", 0xA7, ber.standard_varbinds())
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            for _ in range(150):
                sock.sendto(good, ("127.0.0.1", listener.ports[0]))

        def dropped() -> float:
            return (
                registry.get_sample_value("monitord_snmp_traps_dropped_total", {"reason": "queue_full"})
                or 0.0
            )

        await eventually(lambda: len(listener.queue) + dropped() == 150, "150 datagrams queued or dropped")
        assert (len(listener.queue), dropped()) == (100, 50)
        assert listener.queue[0][0] == good  # the oldest are kept, the newest dropped
    finally:
        await listener.stop()

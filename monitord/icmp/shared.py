"""The daemon's one ICMP engine, opened on first use and shared by every user of the wire.

ICMP probes, IPAM reconciliation sweeps and ``check: true`` allocations all send
echoes; one engine means one raw (or ping) socket per address family and one
reply demultiplexer, instead of a socket set per subsystem. Nothing is opened
for a daemon that never pings.
"""

from __future__ import annotations

import asyncio

from monitord.icmp.engine import IcmpEngine


class SharedIcmp:
    """Hands out the same open ``IcmpEngine`` to every caller; the daemon closes it last."""

    def __init__(self) -> None:
        self._engine: IcmpEngine | None = None
        self._lock = asyncio.Lock()

    async def engine(self) -> IcmpEngine:
        """The open engine; the first call opens it (``StartupError`` without any ICMP socket)."""
        if self._engine is None:
            async with self._lock:
                if self._engine is None:
                    engine = IcmpEngine()
                    await engine.start()
                    self._engine = engine
        return self._engine

    @property
    def current(self) -> IcmpEngine | None:
        """The engine if something opened it, else None (metrics must not open it)."""
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None

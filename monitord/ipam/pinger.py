"""The small interface IPAM needs from the wire: which of these addresses answer ICMP echo.

``check: true`` allocations and reconciliation sweeps go through ``Pinger`` so
they can be exercised without the daemon; ``EnginePinger`` is the real one, on
the shared ICMP engine (``monitord.icmp``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from monitord.icmp import IcmpEngine
from monitord.icmp.shared import SharedIcmp


class Pinger(Protocol):
    """Answers which addresses replied (address -> best round-trip time in ms)."""

    async def alive(self, addresses: Sequence[str], timeout: float) -> dict[str, float]: ...

    async def close(self) -> None: ...


class EnginePinger:
    """Echo requests through the ICMP engine: the daemon's shared one when given (it is
    closed by the daemon), else one opened on first use and closed by ``close``."""

    def __init__(self, count: int = 2, interval: float = 0.05, shared: SharedIcmp | None = None) -> None:
        self._engine: IcmpEngine | None = None
        self._shared = shared
        self._count = count
        self._interval = interval

    async def alive(self, addresses: Sequence[str], timeout: float) -> dict[str, float]:
        if not addresses:
            return {}
        if self._engine is None:
            if self._shared is not None:
                self._engine = await self._shared.engine()
            else:
                engine = IcmpEngine()
                await engine.start()
                self._engine = engine
        stats = await self._engine.ping_many(
            list(addresses), count=self._count, interval=self._interval, timeout=timeout
        )
        return {s.address: (s.rtt_min_ms or 0.0) for s in stats if s.alive}

    async def close(self) -> None:
        if self._engine is not None and self._shared is None:
            self._engine.close()
        self._engine = None

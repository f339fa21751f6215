"""The shared ICMP engine: one socket per family for every target, batches with one deadline.

Other components call it directly (IPAM sweeps, ``check: true`` before an
allocation) as well as the ``icmp`` probe kind::

    async with IcmpEngine.open() as engine:
        stats = await engine.ping_many(["127.0.0.1", "::1"], count=1, interval=0.0, timeout=1.0)

``ping_many`` sends ``count`` rounds ``interval`` seconds apart and returns one
``PingStats`` per address, in the order given. Each call is one ``Batch`` with
ONE deadline (``timeout`` after its last send) instead of a timer per packet; a
reply slower than ``timeout`` counts as lost. Small batches are driven by a
shared timing wheel (no timer per target); sweeps of more than ``BURST``
addresses go out in bursts with a yield to the event loop between bursts.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Sequence

from monitord.errors import StartupError
from monitord.icmp.batch import Batch, Target, sockaddr_of
from monitord.icmp.channel import Channel
from monitord.icmp.sockets import open_icmp_socket
from monitord.icmp.stats import PingStats
from monitord.icmp.wheel import Wheel

BURST = 256
DEFAULT_PAYLOAD = 56


class IcmpEngine:
    """Owns the ICMP sockets; safe to share between any number of concurrent callers."""

    def __init__(self, payload_size: int = DEFAULT_PAYLOAD, allow_raw: bool = True) -> None:
        self.payload_size = payload_size
        self.allow_raw = allow_raw
        self._channels: dict[int, Channel] = {}
        self._unavailable: dict[int, str] = {}
        self._wheel: Wheel | None = None
        self._batches: set[Batch] = set()

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls,
        payload_size: int = DEFAULT_PAYLOAD,
        allow_raw: bool = True,
    ) -> AsyncIterator[IcmpEngine]:
        """An started engine, closed on exit; raises ``StartupError`` without privileges."""
        engine = cls(payload_size=payload_size, allow_raw=allow_raw)
        await engine.start()
        try:
            yield engine
        finally:
            engine.close()

    async def start(self) -> None:
        """Open the IPv4 socket (required) and the IPv6 one (optional: a host may lack IPv6)."""
        for family in (socket.AF_INET, socket.AF_INET6):
            try:
                icmp_socket = open_icmp_socket(family, self.allow_raw)
            except OSError as exc:
                if family == socket.AF_INET:
                    raise
                self._unavailable[family] = f"IPv6 not available: {exc.strerror or exc}"
                continue
            self._channels[family] = Channel(icmp_socket, self.payload_size)

    def close(self) -> None:
        """Close the sockets; calls still waiting fail with ``StartupError("ICMP engine closed")``."""
        for batch in self._batches:
            if not batch.done.done():
                batch.done.set_exception(StartupError("ICMP engine closed while echoes were in flight"))
        self._batches.clear()
        if self._wheel is not None:
            self._wheel.close()
            self._wheel = None
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()

    @property
    def privileged(self) -> bool:
        """True when the engine uses raw sockets (False: unprivileged ping sockets)."""
        channel = self._channels.get(socket.AF_INET)
        return bool(channel and channel.icmp_socket.raw)

    def channel(self, family: int) -> Channel | None:
        """The channel of ``family`` (tests read its identifier and ignored-packet count)."""
        return self._channels.get(family)

    @property
    def ignored(self) -> int:
        """Packets that reached our sockets but matched no echo in flight (strays, forgeries)."""
        return sum(channel.ignored for channel in self._channels.values())

    @property
    def in_flight(self) -> int:
        """Echoes sent and not yet answered or expired."""
        return sum(len(channel.pending) for channel in self._channels.values())

    async def ping(
        self, address: str, count: int = 5, interval: float = 0.2, timeout: float = 1.0
    ) -> PingStats:
        """``ping_many`` for one address."""
        return (await self.ping_many([address], count=count, interval=interval, timeout=timeout))[0]

    async def ping_many(
        self, addresses: Sequence[str], count: int = 1, interval: float = 0.0, timeout: float = 1.0
    ) -> list[PingStats]:
        """Echo every address ``count`` times; one ``PingStats`` per address, same order.

        Addresses must be IP literals (resolve names first, e.g. with ``Resolver``);
        anything else raises ValueError. The call takes about
        ``(count - 1) * interval + timeout`` seconds at most.
        """
        if count < 1 or interval < 0 or timeout <= 0:
            raise ValueError("count must be at least 1, interval at least 0 and timeout above 0")
        if not addresses:
            return []
        loop = asyncio.get_running_loop()
        targets: list[Target] = []
        unavailable: dict[int, str] = {}
        for index, address in enumerate(addresses):
            family, text, sockaddr = sockaddr_of(address)
            channel = self._channels.get(family)
            if channel is None:
                unavailable[index] = self._unavailable.get(family, "ICMP engine is not started")
            targets.append((channel, text, sockaddr))
        batch = Batch(targets, unavailable, count, timeout, loop)
        self._batches.add(batch)
        try:
            if len(targets) <= BURST:
                self._send_from_wheel(batch, 0, loop.time(), interval, timeout)
            else:
                await self._send_in_bursts(batch, count, interval, timeout)
            await batch.done
        finally:
            self._batches.discard(batch)
            if not batch.done.done() or batch.done.cancelled():
                batch.cancel()
        return batch.results()

    def _send_from_wheel(
        self, batch: Batch, round_index: int, start: float, interval: float, timeout: float
    ) -> None:
        """Send one round now and book the next round (or the deadline) on the wheel.

        Small batches (the probe kind's one target per run) never wake their
        coroutine between rounds: the wheel drives them, so 10,000 targets cost
        one loop timer per tick instead of several per target.
        """
        if batch.cancelled:
            return
        batch.send(0, len(batch.targets), batch.new_tokens())
        batch.round_sent()
        wheel = self._wheel_for()
        if batch.rounds_left:
            wheel.at(
                start + (round_index + 1) * interval,
                lambda: self._send_from_wheel(batch, round_index + 1, start, interval, timeout),
            )
        elif batch.outstanding > 0:
            wheel.at(self._loop_time() + timeout, batch.expire)

    async def _send_in_bursts(self, batch: Batch, count: int, interval: float, timeout: float) -> None:
        """Big sweeps: ``BURST`` echoes at a time with a yield between, so the loop stays responsive."""
        loop = asyncio.get_running_loop()
        size = len(batch.targets)
        for round_index in range(count):
            round_start = loop.time()
            tokens = batch.new_tokens()
            for first in range(0, size, BURST):
                batch.send(first, min(first + BURST, size), tokens)
                for channel in self._channels.values():
                    channel.drain()  # keep the receive queue short while the sweep goes out
                if first + BURST < size:
                    await asyncio.sleep(0)
            batch.round_sent()
            if round_index < count - 1:
                await asyncio.sleep(max(0.0, round_start + interval - loop.time()))
        if batch.outstanding > 0:
            self._wheel_for().at(loop.time() + timeout, batch.expire)

    def _wheel_for(self) -> Wheel:
        if self._wheel is None:
            self._wheel = Wheel(asyncio.get_running_loop())
        return self._wheel

    @staticmethod
    def _loop_time() -> float:
        return asyncio.get_running_loop().time()

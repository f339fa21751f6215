"""UDP sockets in, a bounded queue of datagrams out (drops counted, never silent).

Each socket is read with ``loop.add_reader`` and drained up to ``BATCH`` datagrams
per wake-up (the POS listener's pattern: one selector round trip per burst, not
per datagram). Before a datagram is queued it passes the size check and its
sender's rate limit; a full queue drops the new datagram. Decoding happens in
the service's worker, so a slow SNMPv3 decryption never stalls reading.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections import deque

from monitord.errors import StartupError
from monitord.intake.traps.limits import SenderLimits
from monitord.intake.traps.metrics import TrapMetrics
from monitord.udp_listener import bind_udp

log = logging.getLogger("monitord.snmp_traps")

BATCH = 256

Datagram = tuple[bytes, str, tuple[str, int], socket.socket]  # data, host, address, socket


class TrapListener:
    """Owns the sockets and the queue; ``ports`` are the bound ports (useful with port 0)."""

    def __init__(
        self,
        listen: list[str],
        *,
        limits: SenderLimits,
        metrics: TrapMetrics,
        queue_size: int,
        max_bytes: int,
        buffer_bytes: int,
    ) -> None:
        self.listen = listen
        self.limits = limits
        self.metrics = metrics
        self.max_bytes = max_bytes
        self.buffer_bytes = buffer_bytes
        self.queue: deque[Datagram] = deque()
        self.queue_size = queue_size
        self.ready = asyncio.Event()
        self.ports: list[int] = []
        self._sockets: list[socket.socket] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._oversized = metrics.dropped.labels(reason="oversized")
        self._limited = metrics.dropped.labels(reason="rate_limited")
        self._full = metrics.dropped.labels(reason="queue_full")

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        try:
            for address in self.listen:
                self._open(address)
        except StartupError:
            await self.stop()
            raise

    def _open(self, address: str) -> None:
        sock, host = bind_udp(address, self.buffer_bytes, "snmp_traps.listen", v6only=True)
        assert self._loop is not None
        self._loop.add_reader(sock.fileno(), self._drain, sock)
        self._sockets.append(sock)
        self.ports.append(int(sock.getsockname()[1]))
        log.info("snmp traps: listening on %s:%d/udp", host, self.ports[-1])

    def _drain(self, sock: socket.socket) -> None:
        queue = self.queue
        limit = self.max_bytes
        size = limit + 1  # one byte more: a longer datagram arrives truncated yet visibly too big
        allow = self.limits.allow
        now = time.monotonic()
        got = False
        for _ in range(BATCH):
            try:
                data, address = sock.recvfrom(size)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:  # e.g. an ICMP error from an earlier reply
                log.debug("snmp traps: receive error: %s", exc)
                break
            if len(data) > limit:
                self._oversized.inc()
                continue
            host = address[0]
            if not allow(host, now):
                self._limited.inc()
                continue
            if len(queue) >= self.queue_size:
                self._full.inc()
                continue
            queue.append((data, host, (address[0], address[1]), sock))
            got = True
        if got:
            self.ready.set()

    def send(self, sock: socket.socket, data: bytes, address: tuple[str, int]) -> bool:
        """Answer from the socket the request came in on (an inform's Response, a Report)."""
        try:
            sock.sendto(data, address)
        except OSError as exc:  # the buffer is full or the sender is gone: it will retry
            log.debug("snmp traps: cannot answer %s: %s", address[0], exc)
            return False
        return True

    async def stop(self) -> None:
        for sock in self._sockets:
            if self._loop is not None:
                self._loop.remove_reader(sock.fileno())
            sock.close()
        self._sockets.clear()
        self.ports.clear()
        self.ready.set()

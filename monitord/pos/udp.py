"""The UDP heartbeat listener: datagrams in, register updates (or counted drops) out.

The socket is read with ``loop.add_reader`` and drained in a loop on each
wake-up (up to ``BATCH`` datagrams) instead of through a ``DatagramProtocol``,
which pays one selector round trip per datagram. Parsing and one HMAC cost a few
microseconds, so one core takes tens of thousands of heartbeats a second, and a
burst never holds the loop for long (the batch bound).
"""

from __future__ import annotations

import asyncio
import logging
import socket

from monitord.pos.ingest import HeartbeatIngest
from monitord.udp_listener import bind_udp

log = logging.getLogger("monitord.pos")

BATCH = 256


class UdpListener:
    """Owns the socket; ``port`` is the bound port (useful with port 0)."""

    def __init__(self, ingest: HeartbeatIngest, listen: str, max_bytes: int, buffer_bytes: int) -> None:
        self.ingest = ingest
        self.listen = listen
        self.max_bytes = max_bytes
        self.buffer_bytes = buffer_bytes
        self.port: int | None = None
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        sock, host = bind_udp(self.listen, self.buffer_bytes, "pos.udp.listen")
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(sock.fileno(), self._drain)
        self._sock = sock
        self.port = int(sock.getsockname()[1])
        log.info("pos: UDP heartbeats on %s:%d", host, self.port)

    def _drain(self) -> None:
        sock = self._sock
        if sock is None:
            return
        ingest = self.ingest
        limit = self.max_bytes
        # One byte more than allowed: a longer datagram arrives truncated yet visibly too big.
        size = limit + 1
        for _ in range(BATCH):
            try:
                data, addr = sock.recvfrom(size)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. ICMP errors surfaced on the socket
                log.debug("pos: UDP receive error: %s", exc)
                return
            try:
                ingest.udp(data, str(addr[0]), limit)
            except Exception:
                # A bug must not kill the listener; the datagram is counted as malformed.
                log.exception("pos: unexpected error handling a UDP heartbeat")
                ingest.count("udp", "malformed")

    async def stop(self) -> None:
        if self._sock is not None:
            if self._loop is not None:
                self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None

"""The UDP listener (RFC 5426): one message per datagram, read in batches.

As the POS listener does, the socket is read with ``loop.add_reader`` and drained
up to ``BATCH`` datagrams per wake-up instead of through a ``DatagramProtocol``
(one selector round trip per datagram). Each datagram only goes to the inbox here;
parsing and matching happen in the service's batch loop.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time

from monitord.intake.syslog.counters import UDP
from monitord.intake.syslog.limits import Inbox
from monitord.intake.syslog.senders import normalise
from monitord.udp_listener import bind_udp

log = logging.getLogger("monitord.syslog")

BATCH = 512


class UdpReceiver:
    """Owns the socket; ``port`` is the bound port (useful with port 0)."""

    def __init__(self, inbox: Inbox, listen: str, buffer_bytes: int) -> None:
        self.inbox = inbox
        self.listen = listen
        self.buffer_bytes = buffer_bytes
        self.port: int | None = None
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ipv6 = False

    async def start(self) -> None:
        sock, host = bind_udp(self.listen, self.buffer_bytes, "syslog.udp.listen")
        self._ipv6 = sock.family == socket.AF_INET6
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(sock.fileno(), self._drain)
        self._sock = sock
        self.port = int(sock.getsockname()[1])
        log.info("syslog: UDP on %s port %d", host, self.port)

    def _drain(self) -> None:
        sock = self._sock
        if sock is None:
            return
        receive = sock.recvfrom
        offer = self.inbox.offer
        # One byte more than allowed: a longer datagram arrives cut, yet visibly too long.
        size = self.inbox.max_bytes + 1
        ipv6 = self._ipv6
        now = time.monotonic()
        for _ in range(BATCH):
            try:
                data, address = receive(size)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. an ICMP error surfaced on the socket
                log.debug("syslog: UDP receive error: %s", exc)
                return
            sender = address[0]
            offer(data, normalise(sender) if ipv6 else sender, UDP, now)

    async def stop(self) -> None:
        if self._sock is not None:
            if self._loop is not None:
                self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None

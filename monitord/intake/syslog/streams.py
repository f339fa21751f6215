"""The TCP and TLS listeners (RFC 6587, RFC 5425): one protocol object per connection.

Each connection has its own ``FrameDecoder``; complete messages go to the inbox as
the bytes arrive. A connection beyond ``max_connections`` is closed at once and
counted, one that loses its framing (a bad octet count) is closed, one silent for
``idle_timeout`` is closed by ``sweep``, and one that closes in the middle of a frame
counts that frame as ``truncated``. While the queue is full a connection stops reading
(TCP flow control slows its sender) instead of dropping what it has read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time

from monitord.config.http import split_listen
from monitord.errors import StartupError
from monitord.intake.syslog.counters import TRANSPORTS
from monitord.intake.syslog.framing import FrameDecoder
from monitord.intake.syslog.limits import Inbox
from monitord.intake.syslog.messages import TRUNCATED
from monitord.intake.syslog.senders import normalise

log = logging.getLogger("monitord.syslog")

HANDSHAKE_TIMEOUT = 10.0
CLOSE_TIMEOUT = 5.0


class _Connection(asyncio.Protocol):
    def __init__(self, owner: StreamReceiver) -> None:
        self.owner = owner
        self.transport: asyncio.Transport | None = None
        self.peer = "?"
        self.decoder = FrameDecoder(owner.inbox.max_bytes)
        self.last = time.monotonic()
        self.waiting: list[bytes] = []  # messages held while the queue is full

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        owner = self.owner
        peer = transport.get_extra_info("peername")
        self.peer = normalise(str(peer[0])) if peer else "?"
        if len(owner.connections) >= owner.max_connections:
            owner.inbox.counters.refused_connections[owner.transport] += 1
            transport.abort()
            return
        self.transport = transport
        owner.connections.add(self)
        owner.inbox.counters.connections[owner.transport] = len(owner.connections)

    def data_received(self, data: bytes) -> None:
        now = self.last = time.monotonic()
        owner = self.owner
        messages: list[bytes] = []
        refused: list[str] = []
        ok = self.decoder.feed(data, messages, refused)
        index = owner.transport
        if self.waiting:
            self.waiting.extend(messages)  # read before the pause took effect: after the others
        else:
            self._offer(messages, now)
        if refused:
            counters = owner.inbox.counters
            for reason in refused:
                counters.received[index] += 1
                counters.malformed[(index, reason)] += 1
        if not ok and self.transport is not None:
            log.debug("syslog: %s from %s lost its framing; closing", TRANSPORTS[index], self.peer)
            self.transport.close()

    def _offer(self, messages: list[bytes], now: float) -> None:
        """Queue ``messages``; when the queue is full keep the rest and stop reading until
        it has room again, so TCP's flow control slows the sender instead of a drop."""
        inbox = self.owner.inbox
        offer = inbox.offer
        index = self.owner.transport
        for position, message in enumerate(messages):
            if not inbox.has_room():
                self.waiting = messages[position:]
                if self.transport is not None:
                    self.transport.pause_reading()
                inbox.when_room(self._resume)
                return
            offer(message, self.peer, index, now)

    def _resume(self) -> None:
        waiting, self.waiting = self.waiting, []
        self._offer(waiting, time.monotonic())
        if not self.waiting and self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        owner = self.owner
        if self in owner.connections:
            owner.connections.discard(self)
            counters = owner.inbox.counters
            counters.connections[owner.transport] = len(owner.connections)
            if self.decoder.pending:  # closed in the middle of a frame
                counters.received[owner.transport] += 1
                counters.malformed[(owner.transport, TRUNCATED)] += 1
        self.transport = None


class StreamReceiver:
    """A TCP (``context`` None) or TLS listener; ``port`` is the bound port."""

    def __init__(
        self,
        inbox: Inbox,
        listen: str,
        transport: int,
        *,
        max_connections: int,
        idle_timeout: float,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.inbox = inbox
        self.listen = listen
        self.transport = transport
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.context = context
        self.port: int | None = None
        self.connections: set[_Connection] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        host, port = split_listen(self.listen)
        loop = asyncio.get_running_loop()
        name = TRANSPORTS[self.transport]
        try:
            self._server = await loop.create_server(
                lambda: _Connection(self),
                host,
                port,
                ssl=self.context,
                ssl_handshake_timeout=HANDSHAKE_TIMEOUT if self.context is not None else None,
                reuse_address=True,
            )
        except OSError as exc:
            raise StartupError(f"syslog.{name}.listen {self.listen}: {exc.strerror or exc}") from exc
        self.port = int(self._server.sockets[0].getsockname()[1])
        log.info("syslog: %s on %s port %d", name.upper(), host, self.port)

    def sweep(self, now: float) -> None:
        """Close connections that sent nothing for ``idle_timeout``."""
        idle = [c for c in self.connections if now - c.last > self.idle_timeout and not c.waiting]
        for connection in idle:
            if connection.transport is not None:
                log.debug("syslog: closing idle connection from %s", connection.peer)
                connection.transport.close()

    async def stop(self) -> None:
        if self._server is None:
            return
        server, self._server = self._server, None
        server.close()
        for connection in list(self.connections):
            if connection.transport is not None:
                connection.transport.abort()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await server.wait_closed()


def tls_context(cert_file: str, key_file: str, client_ca_file: str | None) -> ssl.SSLContext:
    """The listener's server context (blocking file reads: call it in a thread)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert_file, key_file)
    except (OSError, ssl.SSLError) as exc:
        raise StartupError(f"syslog.tls.cert_file/key_file {cert_file}: {exc}") from exc
    if client_ca_file is not None:
        try:
            context.load_verify_locations(client_ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise StartupError(f"syslog.tls.client_ca_file {client_ca_file}: {exc}") from exc
        context.verify_mode = ssl.CERT_REQUIRED
    return context

"""TLS services on loopback for the tls probe: aiosmtpd (SMTPS and SMTP with STARTTLS), a minimal
IMAP STARTTLS responder, and a bare implicit-TLS listener (LDAPS, IMAPS: the handshake is all
the probe reads)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Iterator

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from tests.servers.certificates import Pair
from tests.servers.processes import free_port
from tests.servers.tls_web import server_context


class _Sink:
    async def handle_DATA(self, _server: SMTP, _session: object, _envelope: object) -> str:
        return "250 OK"


@contextlib.contextmanager
def smtp_server(pair: Pair, *, implicit: bool) -> Iterator[int]:
    """aiosmtpd in its own thread: SMTPS (``implicit``) or plain SMTP offering STARTTLS."""
    context = server_context(pair)
    port = free_port()
    if implicit:
        controller = Controller(_Sink(), hostname="127.0.0.1", port=port, ssl_context=context)
    else:
        controller = Controller(
            _Sink(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
        )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@contextlib.asynccontextmanager
async def imap_starttls(pair: Pair, *, refuse: bool = False) -> AsyncIterator[int]:
    """Greets like IMAP, answers ``STARTTLS`` (or refuses it) and upgrades the connection."""
    context = server_context(pair)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(10):
                writer.write(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] test ready\r\n")
                line = await reader.readline()
                tag = line.split(b" ", 1)[0]
                if refuse:
                    writer.write(tag + b" BAD STARTTLS not available\r\n")
                    await writer.drain()
                    return
                writer.write(tag + b" OK Begin TLS negotiation now\r\n")
                await writer.drain()
                await writer.start_tls(context)
                await reader.read(1)  # until the client closes
        except (OSError, TimeoutError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@contextlib.asynccontextmanager
async def implicit_tls(pair: Pair) -> AsyncIterator[int]:
    """TLS from the first byte (LDAPS, IMAPS): handshake, then wait for the client to leave."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, TimeoutError, ssl.SSLError):
            async with asyncio.timeout(10):
                await reader.read(1)
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=server_context(pair))
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()

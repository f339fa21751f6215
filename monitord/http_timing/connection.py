"""Resolve, connect and (optionally) shake hands, each phase timed on the loop's clock.

``CheckFailed`` carries the reason a check could not reach its target; the probes
turn it into a failed result (it never leaves a probe).
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from typing import Any, Literal

from monitord.errors import MonitordError
from monitord.http_timing.certificates import TlsFacts, facts_of, start_tls, verify_reason

IpProtocol = Literal["ip4", "ip6"]

_ERRNO_REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
    errno.ETIMEDOUT: "connect timed out",
}


class CheckFailed(MonitordError):
    """The target could not be reached or did not speak the protocol; the message says why."""


@dataclass(slots=True)
class Phases:
    """Milliseconds per phase, summed over every connection of one check (redirects)."""

    resolve_ms: float = 0.0
    connect_ms: float = 0.0
    tls_ms: float = 0.0
    first_byte_ms: float = 0.0
    transfer_ms: float = 0.0


@dataclass(slots=True)
class Connection:
    """An open stream and what its handshake showed (``tls`` is None for plain TCP)."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    tls: TlsFacts | None = None
    peer: tuple[Any, ...] = field(default_factory=tuple)

    async def close(self) -> None:
        self.writer.close()
        try:
            async with asyncio.timeout(1.0):
                await self.writer.wait_closed()
        except (OSError, TimeoutError, ssl.SSLError):
            pass  # the check is over; a peer that does not close cleanly changes nothing


def _family_of(literal: str) -> int | None:
    try:
        return socket.AF_INET6 if ipaddress.ip_address(literal).version == 6 else socket.AF_INET
    except ValueError:
        return None


async def resolve(
    host: str, port: int, prefer: IpProtocol, fallback: bool, phases: Phases
) -> tuple[int, tuple[Any, ...]]:
    """Family and address for ``host``: the preferred family first, the other only with ``fallback``."""
    literal = _family_of(host)
    if literal is not None:
        return literal, (host, port, 0, 0) if literal == socket.AF_INET6 else (host, port)
    loop = asyncio.get_running_loop()
    begin = loop.time()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise CheckFailed(f"name not resolved: {exc.strerror or exc}") from None
    finally:
        phases.resolve_ms += (loop.time() - begin) * 1000.0
    wanted = socket.AF_INET6 if prefer == "ip6" else socket.AF_INET
    for family, _, _, _, sockaddr in infos:
        if family == wanted:
            return int(family), sockaddr
    if fallback and infos:
        family, _, _, _, sockaddr = infos[0]
        return int(family), sockaddr
    raise CheckFailed(f"{host} has no {'IPv6' if prefer == 'ip6' else 'IPv4'} address")


async def connect(
    host: str, port: int, *, prefer: IpProtocol = "ip4", fallback: bool = True, phases: Phases
) -> Connection:
    """A TCP stream to ``host:port``, resolve and connect timed."""
    family, sockaddr = await resolve(host, port, prefer, fallback, phases)
    loop = asyncio.get_running_loop()
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    begin = loop.time()
    try:
        await loop.sock_connect(sock, sockaddr)
    except OSError as exc:
        sock.close()
        raise CheckFailed(_ERRNO_REASONS.get(exc.errno or 0, exc.strerror or str(exc))) from None
    except BaseException:
        sock.close()
        raise
    phases.connect_ms += (loop.time() - begin) * 1000.0
    reader, writer = await asyncio.open_connection(sock=sock)
    return Connection(reader, writer, peer=sockaddr)


async def secure(
    connection: Connection,
    context: ssl.SSLContext,
    server_name: str,
    *,
    phases: Phases,
    handshake_timeout: float,
) -> None:
    """Upgrade to TLS with verification; a certificate that fails it is recorded, not raised.

    On a verification failure the connection is dead (OpenSSL aborted it): the caller sees
    ``connection.tls.valid`` False and must not use the stream; ``inspect`` reads the leaf.
    """
    loop = asyncio.get_running_loop()
    begin = loop.time()
    try:
        await start_tls(connection.writer, context, server_name, handshake_timeout)
    except ssl.SSLCertVerificationError as exc:
        phases.tls_ms += (loop.time() - begin) * 1000.0
        connection.tls = TlsFacts(version="", certificate=None, valid=False, error=verify_reason(exc))
        return
    except ssl.SSLError as exc:
        raise CheckFailed(f"TLS handshake failed: {exc.reason or exc}") from None
    except (ConnectionError, OSError) as exc:
        raise CheckFailed(f"TLS handshake failed: {exc.strerror or exc or 'connection closed'}") from None
    phases.tls_ms += (loop.time() - begin) * 1000.0
    connection.tls = facts_of(connection.writer.get_extra_info("ssl_object"), valid=True)


async def inspect(
    host: str,
    port: int,
    context: ssl.SSLContext,
    server_name: str,
    error: str,
    *,
    prefer: IpProtocol,
    fallback: bool,
    handshake_timeout: float,
    before_tls: Any = None,
) -> TlsFacts:
    """A second handshake without verification, only to read a certificate that failed it.

    ``before_tls`` (an async callable taking the connection) repeats a STARTTLS exchange.
    """
    connection = await connect(host, port, prefer=prefer, fallback=fallback, phases=Phases())
    try:
        if before_tls is not None:
            await before_tls(connection)
        try:
            await start_tls(connection.writer, context, server_name, handshake_timeout)
        except (ssl.SSLError, OSError) as exc:
            raise CheckFailed(f"TLS handshake failed: {exc}") from None
        return facts_of(connection.writer.get_extra_info("ssl_object"), valid=False, error=error)
    finally:
        await connection.close()

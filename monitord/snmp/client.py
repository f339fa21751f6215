"""SNMP v1/v2c over one shared UDP socket per address family.

aiosnmp opens a datagram endpoint per ``Snmp`` object; with a thousand devices
that is a thousand sockets, each with the default 208 KB receive buffer that
drops replies when a couple of hundred requests are in flight (and each dropped
reply costs a whole timeout). Here every session shares one socket with a large
receive buffer, requests are matched to replies by (address, port, request-id),
and per-attempt timeout and retry count are the caller's (aiosnmp's defaults
of 1 s x 6 tries make a dead device cost 6 s per request).
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import logging
import random
import socket
from collections.abc import Callable, Sequence
from typing import Any

from aiosnmp.message import SnmpVersion

from monitord.snmp import codec
from monitord.snmp.errors import SnmpError, SnmpErrorStatus, SnmpTimeout
from monitord.snmp.values import VarBind

log = logging.getLogger("monitord.snmp")

DEFAULT_RECEIVE_BUFFER = 8 * 1024 * 1024
SockAddr = tuple[Any, ...]
RequestKey = tuple[str, int, int]


class _Protocol(asyncio.DatagramProtocol):
    """Hands each decoded response to the future waiting for its request id."""

    def __init__(self, pending: dict[RequestKey, asyncio.Future[codec.Response]]) -> None:
        self.pending = pending
        self.undecodable = 0
        self.unmatched = 0

    def datagram_received(self, data: bytes, addr: SockAddr) -> None:
        try:
            response = codec.decode_response(data)
        except codec.DecodeError:
            self.undecodable += 1
            return
        waiter = self.pending.get((addr[0], addr[1], response.request_id))
        if waiter is None or waiter.done():
            self.unmatched += 1  # late reply to a request that already timed out
            return
        waiter.set_result(response)

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable etc. on an unconnected socket: the request times out.
        log.debug("snmp socket error: %s", exc)


class _AttemptTimeout(Exception):
    """One attempt's timer fired (internal: the request is resent or fails)."""


def _expire(waiter: asyncio.Future[codec.Response]) -> None:
    if not waiter.done():
        waiter.set_exception(_AttemptTimeout())


def _open_socket(family: int, receive_buffer: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setblocking(False)
    force = getattr(socket, "SO_RCVBUFFORCE", None)
    try:
        if force is None:
            raise PermissionError
        sock.setsockopt(socket.SOL_SOCKET, force, receive_buffer)  # root: past rmem_max
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.bind(("::", 0) if family == socket.AF_INET6 else ("0.0.0.0", 0))
    return sock


class SnmpTransport:
    """The shared sockets and the table of requests in flight."""

    def __init__(self, receive_buffer: int = DEFAULT_RECEIVE_BUFFER) -> None:
        self.receive_buffer = receive_buffer
        self._pending: dict[RequestKey, asyncio.Future[codec.Response]] = {}
        self._endpoints: dict[int, tuple[asyncio.DatagramTransport, _Protocol]] = {}
        self._ids = itertools.count(random.randrange(1, 1 << 30))
        self._lock = asyncio.Lock()
        self.timeouts = 0

    def receive_buffer_bytes(self, family: int = socket.AF_INET) -> int | None:
        """The kernel's actual receive buffer size of the shared socket, once open."""
        endpoint = self._endpoints.get(family)
        if endpoint is None:
            return None
        sock = endpoint[0].get_extra_info("socket")
        return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))

    async def _endpoint(self, family: int) -> tuple[asyncio.DatagramTransport, _Protocol]:
        endpoint = self._endpoints.get(family)
        if endpoint is not None:
            return endpoint
        async with self._lock:
            endpoint = self._endpoints.get(family)
            if endpoint is None:
                loop = asyncio.get_running_loop()
                sock = _open_socket(family, self.receive_buffer)
                transport, protocol = await loop.create_datagram_endpoint(
                    lambda: _Protocol(self._pending), sock=sock
                )
                endpoint = (transport, protocol)
                self._endpoints[family] = endpoint
        return endpoint

    def close(self) -> None:
        for transport, _ in self._endpoints.values():
            transport.close()
        self._endpoints.clear()
        # Requests in flight fail with an error their probe turns into a result; cancel()
        # would raise CancelledError in tasks nobody cancelled.
        for waiter in self._pending.values():
            if not waiter.done():
                waiter.set_exception(SnmpError("transport closed"))
        self._pending.clear()

    def next_request_id(self) -> int:
        return next(self._ids) & 0x7FFFFFFF or 1

    async def request(
        self,
        sockaddr: SockAddr,
        family: int,
        build: Callable[[int], bytes],
        timeout: float,
        retries: int,
    ) -> codec.Response:
        """Send ``build(request_id)`` and wait for the reply, resending on each timeout.

        Each attempt waits on a bare future with a ``call_later`` timer (no
        ``asyncio.wait``/``wait_for`` machinery: this is the hot path). Resends
        keep the request id, so a late reply to an earlier attempt still counts.
        """
        endpoint = self._endpoints.get(family)
        if endpoint is None:
            try:
                endpoint = await self._endpoint(family)
            except OSError as exc:  # e.g. IPv6 disabled on this host
                raise SnmpError(f"cannot open UDP socket: {exc.strerror or exc}") from None
        transport = endpoint[0]
        request_id = self.next_request_id()
        key: RequestKey = (sockaddr[0], sockaddr[1], request_id)
        loop = asyncio.get_running_loop()
        payload = build(request_id)
        try:
            for _ in range(retries + 1):
                waiter: asyncio.Future[codec.Response] = loop.create_future()
                self._pending[key] = waiter
                transport.sendto(payload, sockaddr)
                timer = loop.call_later(timeout, _expire, waiter)
                try:
                    return await waiter
                except _AttemptTimeout:
                    continue
                finally:
                    timer.cancel()
        finally:
            self._pending.pop(key, None)
        self.timeouts += 1
        raise SnmpTimeout(f"no response after {retries + 1} x {timeout:g}s")


async def resolve(address: str, port: int) -> tuple[int, SockAddr]:
    """Family and sockaddr for ``address``; IP literals skip the resolver."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(address, port, type=socket.SOCK_DGRAM)
        except OSError as exc:
            raise SnmpError(f"name not resolved: {exc.strerror or exc}") from None
        family, _, _, _, sockaddr = infos[0]
        return family, tuple(sockaddr)
    if ip.version == 6:
        return socket.AF_INET6, (str(ip), port, 0, 0)
    return socket.AF_INET, (str(ip), port)


class V2cSession:
    """SNMP v1 or v2c requests to one agent through the shared transport."""

    def __init__(
        self,
        transport: SnmpTransport,
        family: int,
        sockaddr: SockAddr,
        community: str,
        *,
        version: str = "2c",
        timeout: float = 1.0,
        retries: int = 2,
    ) -> None:
        self._transport = transport
        self._family = family
        self._sockaddr = sockaddr
        self._community = community
        self._version = codec.VERSIONS[version]
        self._timeout = timeout
        self._retries = retries

    @property
    def supports_bulk(self) -> bool:
        return self._version != SnmpVersion.v1

    async def _send(self, build: Callable[[int], bytes]) -> list[VarBind]:
        response = await self._transport.request(
            self._sockaddr, self._family, build, self._timeout, self._retries
        )
        if response.error_status:
            index = response.error_index
            oid = response.varbinds[index - 1].oid if 0 < index <= len(response.varbinds) else None
            raise SnmpErrorStatus(response.error_status, index, oid)
        return response.varbinds

    async def get(self, oids: Sequence[str]) -> list[VarBind]:
        version, community = self._version, self._community
        return await self._send(lambda rid: codec.encode_get(version, community, oids, rid))

    async def get_next(self, oids: Sequence[str]) -> list[VarBind]:
        version, community = self._version, self._community
        return await self._send(lambda rid: codec.encode_get_next(version, community, oids, rid))

    async def get_bulk(self, oids: Sequence[str], max_repetitions: int) -> list[VarBind]:
        version, community = self._version, self._community
        return await self._send(
            lambda rid: codec.encode_get_bulk(
                version, community, oids, rid, non_repeaters=0, max_repetitions=max_repetitions
            )
        )

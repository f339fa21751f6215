"""Opening the one ICMP socket per address family the engine shares between all targets.

Preference order: a raw socket (needs CAP_NET_RAW) with an ``ICMP_FILTER`` so the
kernel only queues echo replies and errors to us, else an unprivileged ICMP
datagram ("ping") socket when ``net.ipv4.ping_group_range`` includes our group
(the kernel then owns the identifier and reports ICMP errors on the error queue),
else a ``StartupError`` naming both ways to fix it.

Tests open these sockets inside a private network namespace by installing a
different ``SocketFactory`` with ``use_socket_factory`` (see ``tests/lab``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from monitord.errors import StartupError
from monitord.icmp import packets

SocketFactory = Callable[[int, int, int], socket.socket]

SOL_RAW = 255
ICMP_FILTER = 1
ICMP6_FILTER = 1
IP_RECVERR = 11
IPV6_RECVERR = 25
SO_RCVBUFFORCE = 33
SO_SNDBUFFORCE = 32
SO_TIMESTAMPNS = 35  # Linux; the socket module only names it from Python 3.14
RECEIVE_BUFFER = 16 * 1024 * 1024
SEND_BUFFER = 4 * 1024 * 1024
PING_GROUP_RANGE = "/proc/sys/net/ipv4/ping_group_range"


def _plain_factory(family: int, kind: int, proto: int) -> socket.socket:
    return socket.socket(family, kind, proto)


_factory: SocketFactory = _plain_factory


@contextlib.contextmanager
def use_socket_factory(factory: SocketFactory) -> Iterator[None]:
    """Open ICMP sockets with ``factory`` inside the block (tests: a lab namespace)."""
    global _factory  # noqa: PLW0603 - a deliberate, scoped injection point
    previous, _factory = _factory, factory
    try:
        yield
    finally:
        _factory = previous


@dataclass(frozen=True, slots=True)
class IcmpSocket:
    """An open ICMP socket and how to read it.

    ``raw`` sockets see every echo reply on the host (so matching must check the
    identifier) and IPv4 ones include the IP header; ping sockets see only
    replies to themselves, with the kernel's identifier.
    """

    family: int
    sock: socket.socket
    raw: bool

    @property
    def has_ip_header(self) -> bool:
        return self.raw and self.family == socket.AF_INET

    @property
    def kernel_identifier(self) -> int | None:
        """The identifier the kernel writes into our echoes (ping sockets only)."""
        if self.raw:
            return None
        return int(self.sock.getsockname()[1])


def _tune_buffers(sock: socket.socket) -> None:
    """Large buffers: a 10,000-target sweep must not overflow the receive queue."""
    for force, plain, size in (
        (SO_RCVBUFFORCE, socket.SO_RCVBUF, RECEIVE_BUFFER),
        (SO_SNDBUFFORCE, socket.SO_SNDBUF, SEND_BUFFER),
    ):
        try:
            sock.setsockopt(socket.SOL_SOCKET, force, size)
        except OSError:
            sock.setsockopt(socket.SOL_SOCKET, plain, size)  # capped by net.core.*mem_max


def _filter_v4(sock: socket.socket) -> None:
    """Block every ICMP type except echo reply and the errors we match (bit set = blocked)."""
    allowed = {packets.ICMP_ECHO_REPLY, *packets.ERROR_TYPES_V4}
    mask = 0xFFFFFFFF
    for icmp_type in allowed:
        mask &= ~(1 << icmp_type)
    sock.setsockopt(SOL_RAW, ICMP_FILTER, struct.pack("I", mask))


def _filter_v6(sock: socket.socket) -> None:
    """The ICMPv6 equivalent: a 256-bit block mask (``struct icmp6_filter``)."""
    words = [0xFFFFFFFF] * 8
    for icmp_type in {packets.ICMP6_ECHO_REPLY, *packets.ERROR_TYPES_V6}:
        words[icmp_type >> 5] &= ~(1 << (icmp_type & 31))
    sock.setsockopt(socket.IPPROTO_ICMPV6, ICMP6_FILTER, struct.pack("8I", *words))


def ping_group_allows(gid: int | None = None) -> bool:
    """Whether ``net.ipv4.ping_group_range`` (of this namespace) includes ``gid``."""
    try:
        with open(PING_GROUP_RANGE) as handle:
            low, high = (int(part) for part in handle.read().split())
    except (OSError, ValueError):
        return False
    groups = {os.getegid(), *os.getgroups()} if gid is None else {gid}
    return any(low <= g <= high for g in groups)


def _open_raw(family: int) -> socket.socket:
    proto = socket.IPPROTO_ICMPV6 if family == socket.AF_INET6 else socket.IPPROTO_ICMP
    sock = _factory(family, socket.SOCK_RAW, proto)
    try:
        if family == socket.AF_INET6:
            _filter_v6(sock)
        else:
            _filter_v4(sock)
        _tune_buffers(sock)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def _open_ping(family: int) -> socket.socket:
    proto = socket.IPPROTO_ICMPV6 if family == socket.AF_INET6 else socket.IPPROTO_ICMP
    sock = _factory(family, socket.SOCK_DGRAM, proto)
    try:
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
        else:
            sock.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
        _tune_buffers(sock)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.setblocking(False)
        sock.bind(("::", 0) if family == socket.AF_INET6 else ("0.0.0.0", 0))
    except BaseException:
        sock.close()
        raise
    return sock


def _missing_privilege(family: int) -> StartupError:
    which = "IPv6" if family == socket.AF_INET6 else "IPv4"
    return StartupError(
        f"ICMP ({which}): cannot open a raw socket (needs the CAP_NET_RAW capability, e.g. "
        f"AmbientCapabilities=CAP_NET_RAW in the systemd unit) and unprivileged ping sockets "
        f"are not allowed for group {os.getegid()} (sysctl net.ipv4.ping_group_range, "
        f'e.g. net.ipv4.ping_group_range="0 2147483647")'
    )


def open_icmp_socket(family: int, allow_raw: bool = True) -> IcmpSocket:
    """The best ICMP socket this process may open for ``family``.

    Raises ``StartupError`` naming CAP_NET_RAW and ``net.ipv4.ping_group_range``
    when neither kind is allowed; an IPv6-less host raises ``OSError`` (EAFNOSUPPORT).
    """
    if allow_raw:
        try:
            return IcmpSocket(family, _open_raw(family), raw=True)
        except PermissionError:
            pass
    try:
        return IcmpSocket(family, _open_ping(family), raw=False)
    except PermissionError as exc:
        raise _missing_privilege(family) from exc
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise _missing_privilege(family) from exc
        raise
